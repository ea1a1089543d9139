"""Item setup (a vendor proposes a new item; the buyer approves it into the catalogue or returns it) and cost
change requests (a vendor proposes a new cost from a date; the buyer accepts, counters or rejects)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.models.catalogue import validate_gtin
from vendor_portal.states import StateMachine
from vendor_portal.tenancy import VendorScopedQuerySet

MONEY = {"max_digits": 12, "decimal_places": 2}
DIMENSION = {"max_digits": 7, "decimal_places": 2}
WEIGHT = {"max_digits": 8, "decimal_places": 3}


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("Draft")  # the vendor is preparing it; the buyer does not see it yet
    SUBMITTED = "submitted", _("Submitted")  # waits for the buyer's review
    RETURNED = "returned", _("Returned")  # the buyer sent it back with a comment; the vendor edits and submits again
    APPROVED = "approved", _("Approved")  # the product is in the catalogue and orderable


class ItemProposalQuerySet(VendorScopedQuerySet):
    def visible_to(self, scope):
        """The retailer meets a proposal once the vendor submits it."""
        queryset = super().visible_to(scope)
        if scope is not None and scope.is_retailer:
            queryset = queryset.exclude(state=ProposalState.DRAFT)
        return queryset


class ItemProposal(StateMachine, models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="item_proposals")
    vendor_sku = models.CharField(_("vendor SKU"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    gtin = models.CharField(_("item GTIN"), max_length=14, validators=[validate_gtin])
    case_gtin = models.CharField(_("case GTIN"), max_length=14, validators=[validate_gtin])
    case_pack = models.PositiveIntegerField(_("case pack"))
    minimum_order_quantity = models.PositiveIntegerField(_("minimum order quantity"), default=1)
    country_of_origin = models.CharField(_("country of origin"), max_length=2)
    hs_code = models.CharField(_("HS code"), max_length=10)

    state = models.CharField(_("state"), max_length=20, choices=ProposalState.choices, default=ProposalState.DRAFT)
    state_changed_at = models.DateTimeField(_("state changed"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    review_comment = models.TextField(_("buyer's comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by_label = models.CharField(_("reviewed by"), max_length=150, blank=True)
    product = models.OneToOneField("vendor_portal.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="proposal")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ItemProposalQuerySet.as_manager()

    TRANSITIONS = {
        ProposalState.DRAFT: {ProposalState.SUBMITTED},
        ProposalState.SUBMITTED: {ProposalState.RETURNED, ProposalState.APPROVED},
        ProposalState.RETURNED: {ProposalState.SUBMITTED},
        ProposalState.APPROVED: set(),
    }
    EDITABLE_STATES = (ProposalState.DRAFT, ProposalState.RETURNED)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ProposalState.values), name="item_proposal_state_valid"),
            models.CheckConstraint(condition=Q(case_pack__gte=1), name="item_proposal_case_pack_positive"),
        ]
        indexes = [models.Index(fields=["vendor", "state"], name="item_proposal_by_vendor_state")]
        verbose_name = _("item proposal")
        verbose_name_plural = _("item proposals")

    def __str__(self) -> str:
        return f"{self.vendor_sku} · {self.title}"

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE_STATES


class PackLevel(models.TextChoices):
    EACH = "each", _("Each")
    CASE = "case", _("Case")
    PALLET = "pallet", _("Pallet")


# Smallest first: each level holds a whole number of the one before.
PACK_LEVEL_ORDER = [PackLevel.EACH, PackLevel.CASE, PackLevel.PALLET]


class ItemPackLevel(models.Model):
    """Dimensions and weight of one packing level: the each, the case (case_pack eaches), the pallet (optional)."""

    proposal = models.ForeignKey(ItemProposal, on_delete=models.CASCADE, related_name="pack_levels")
    level = models.CharField(_("level"), max_length=10, choices=PackLevel.choices)
    units = models.PositiveIntegerField(_("eaches in the level"))
    length_cm = models.DecimalField(_("length (cm)"), **DIMENSION)
    width_cm = models.DecimalField(_("width (cm)"), **DIMENSION)
    height_cm = models.DecimalField(_("height (cm)"), **DIMENSION)
    weight_kg = models.DecimalField(_("weight (kg)"), **WEIGHT)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "proposal__vendor"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "level"], name="uniq_pack_level_per_proposal"),
            models.CheckConstraint(condition=Q(length_cm__gt=0, width_cm__gt=0, height_cm__gt=0, weight_kg__gt=0), name="pack_level_positive"),
        ]
        verbose_name = _("pack level")

    def __str__(self) -> str:
        return f"{self.proposal_id}/{self.level}"

    @property
    def volume_cm3(self):
        return self.length_cm * self.width_cm * self.height_cm


class ItemMarketplaceOffer(models.Model):
    """What the item is in one marketplace: its title there, the proposed cost and the list price."""

    proposal = models.ForeignKey(ItemProposal, on_delete=models.CASCADE, related_name="offers")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    local_title = models.CharField(_("title in the marketplace"), max_length=300, blank=True)
    cost = models.DecimalField(_("cost"), **MONEY)
    list_price = models.DecimalField(_("list price"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "proposal__vendor"
    tenancy_marketplace_field = "marketplace"

    class Meta:
        ordering = ["proposal_id", "marketplace__code"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "marketplace"], name="uniq_offer_per_marketplace"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="offer_cost_positive"),
        ]
        verbose_name = _("marketplace offer")

    def __str__(self) -> str:
        return f"{self.proposal_id}/{self.marketplace_id}"


class CostChangeState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")  # the vendor asks; waits for the buyer
    COUNTERED = "countered", _("Countered")  # the buyer offers another cost; waits for the vendor
    ACCEPTED = "accepted", _("Accepted")  # the agreed cost applies to POs issued from the effective date
    REJECTED = "rejected", _("Rejected")  # by the buyer, or the vendor declined the counter: the cost stays


OPEN_COST_CHANGE_STATES = (CostChangeState.PROPOSED, CostChangeState.COUNTERED)


class CostChangeRequest(StateMachine, models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="cost_change_requests")
    product = models.ForeignKey("vendor_portal.Product", on_delete=models.PROTECT, related_name="cost_change_requests")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3)
    current_cost = models.DecimalField(_("cost before"), null=True, blank=True, **MONEY)  # in effect on the day before, when proposed
    new_cost = models.DecimalField(_("proposed cost"), **MONEY)
    counter_cost = models.DecimalField(_("counter cost"), null=True, blank=True, **MONEY)
    agreed_cost = models.DecimalField(_("agreed cost"), null=True, blank=True, **MONEY)
    # The first day (marketplace calendar) whose POs take the new cost.
    effective_from = models.DateField(_("effective from"))
    reason = models.TextField(_("reason"))
    buyer_comment = models.TextField(_("buyer's comment"), blank=True)

    state = models.CharField(_("state"), max_length=20, choices=CostChangeState.choices, default=CostChangeState.PROPOSED)
    state_changed_at = models.DateTimeField(_("state changed"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by_label = models.CharField(_("decided by"), max_length=150, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by_label = models.CharField(_("proposed by"), max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    TRANSITIONS = {
        CostChangeState.PROPOSED: {CostChangeState.ACCEPTED, CostChangeState.COUNTERED, CostChangeState.REJECTED},
        CostChangeState.COUNTERED: {CostChangeState.ACCEPTED, CostChangeState.REJECTED},
        CostChangeState.ACCEPTED: set(),
        CostChangeState.REJECTED: set(),
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=CostChangeState.values), name="cost_change_state_valid"),
            models.CheckConstraint(condition=Q(new_cost__gt=0), name="cost_change_new_cost_positive"),
            models.CheckConstraint(condition=Q(counter_cost__isnull=True) | Q(counter_cost__gt=0), name="cost_change_counter_positive"),
            models.CheckConstraint(
                condition=~Q(state=CostChangeState.ACCEPTED) | Q(agreed_cost__isnull=False), name="cost_change_accepted_has_agreed_cost"
            ),
            # One open request per item and marketplace: a second would race the first for the same dates.
            models.UniqueConstraint(
                fields=["product", "marketplace"], condition=Q(state__in=OPEN_COST_CHANGE_STATES), name="uniq_open_cost_change_per_item"
            ),
        ]
        indexes = [
            models.Index(fields=["vendor", "state"], name="cost_change_by_vendor_state"),
            models.Index(fields=["product", "marketplace", "-effective_from"], name="cost_change_history"),
        ]
        verbose_name = _("cost change request")
        verbose_name_plural = _("cost change requests")

    def __str__(self) -> str:
        return f"{self.product_id} {self.marketplace_id} → {self.new_cost} {self.currency} from {self.effective_from}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_COST_CHANGE_STATES

    @property
    def cost_to_apply(self):
        """The cost accepting would apply: the buyer's counter once there is one."""
        return self.counter_cost if self.state == CostChangeState.COUNTERED else self.new_cost


class ItemUploadStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # the checked file is stored; the worker has not proposed its items yet
    PROPOSED = "proposed", _("Proposed")  # every item was created and submitted to the buyer
    REFUSED = "refused", _("Refused")  # the worker's check found problems (say, a GTIN taken since the dry run): nothing was created


class ItemProposalUploadQuerySet(VendorScopedQuerySet):
    def visible_to(self, scope):
        """The vendor's own file and what became of it; the retailer meets the proposals it created, not the file."""
        if scope is not None and scope.is_retailer:
            return self.none()
        return super().visible_to(scope)


class ItemProposalUpload(models.Model):
    """A new-items file a vendor checked (the dry run) and confirmed: stored by the request, its items proposed by a
    worker (catalogue.tasks.propose_uploaded_items), all or none; the upload's page follows the job's progress."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)  # the same file confirmed twice (a double click) finds the first one's job
    status = models.CharField(_("status"), max_length=10, choices=ItemUploadStatus.choices, default=ItemUploadStatus.RECEIVED)
    row_count = models.PositiveIntegerField(default=0)
    proposed_count = models.PositiveIntegerField(default=0)
    # Why it was refused: [{"row", "column" (key), "title" (in the uploader's language), "code", "message"}].
    errors = models.JSONField(default=list, blank=True)
    # What each row became, once proposed: [{"row", "id"}] (the header is row 1).
    proposals = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = ItemProposalUploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=ItemUploadStatus.values), name="item_upload_status_valid")]
        indexes = [models.Index(fields=["vendor", "sha256"], name="item_upload_same_file", condition=Q(status="received"))]
        verbose_name = _("new-items upload")

    def __str__(self) -> str:
        return self.file_name or f"new-items upload {self.pk}"
