from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from vendor_portal.states import StateMachine
from vendor_portal.tenancy import VendorScopedQuerySet


class PurchaseOrderState(models.TextChoices):
    NEW = "new", _("New")  # issued (or changed) by the buyer; waits for the vendor's confirmation
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")  # every line confirmed; nothing shipped yet
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")  # some accepted units are on an ASN
    SHIPPED = "shipped", _("Shipped")  # every accepted unit is on an ASN
    RECEIVED = "received", _("Received")  # the DC booked receipts for the shipped units
    CLOSED = "closed", _("Closed")  # nothing more will happen: received, invoiced or written off
    CANCELLED = "cancelled", _("Cancelled")  # by the buyer, or unconfirmed past the ship window


OPEN_STATES = {PurchaseOrderState.NEW, PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.PARTIALLY_SHIPPED, PurchaseOrderState.SHIPPED}
LIFECYCLE = [
    PurchaseOrderState.NEW,
    PurchaseOrderState.ACKNOWLEDGED,
    PurchaseOrderState.PARTIALLY_SHIPPED,
    PurchaseOrderState.SHIPPED,
    PurchaseOrderState.RECEIVED,
    PurchaseOrderState.CLOSED,
    PurchaseOrderState.CANCELLED,
]
# The states in lifecycle order (the screen sorts by it); po_list_by_state_rank indexes exactly this expression.
STATE_RANK = Case(*[When(state=state, then=Value(rank)) for rank, state in enumerate(LIFECYCLE)], output_field=IntegerField())


class PurchaseOrderType(models.TextChoices):
    REGULAR = "RegularOrder", _("Regular")
    RUSH = "RushOrder", _("Rush")
    NEW_PRODUCT = "NewProductIntroduction", _("New product introduction")
    CONSIGNED = "ConsignedOrder", _("Consigned")


class PaymentMethod(models.TextChoices):
    INVOICE = "Invoice", _("Invoice")
    CONSIGNMENT = "Consignment", _("Consignment")
    CREDIT_CARD = "CreditCard", _("Credit card")
    PREPAID = "Prepaid", _("Prepaid")


class PaymentTerms(models.TextChoices):
    NET_30 = "net30", _("Net 30")
    NET_60 = "net60", _("Net 60")
    NET_90 = "net90", _("Net 90")
    END_OF_MONTH = "eom", _("End of month")
    NET_30_2_10 = "2/10net30", _("2% 10, net 30")


class UnitOfMeasure(models.TextChoices):
    EACHES = "Eaches", _("Eaches")
    CASES = "Cases", _("Cases")


class RejectionReason(models.TextChoices):
    TEMPORARILY_UNAVAILABLE = "TemporarilyUnavailable", _("Temporarily unavailable")
    INVALID_PRODUCT_IDENTIFIER = "InvalidProductIdentifier", _("Invalid product identifier")
    OBSOLETE_PRODUCT = "ObsoleteProduct", _("Obsolete product")


class PurchaseOrderQuerySet(VendorScopedQuerySet):
    def needing_confirmation(self):
        return self.filter(state=PurchaseOrderState.NEW)

    def open(self):
        return self.filter(state__in=OPEN_STATES)


class PurchaseOrder(StateMachine, models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="purchase_orders")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("PO number"), max_length=20, unique=True)  # unique across the retailer, like Amazon's
    order_type = models.CharField(_("type"), max_length=30, choices=PurchaseOrderType.choices, default=PurchaseOrderType.REGULAR)
    order_date = models.DateTimeField(_("order date"))
    state = models.CharField(_("state"), max_length=20, choices=PurchaseOrderState.choices, default=PurchaseOrderState.NEW)
    state_changed_at = models.DateTimeField(_("state changed"))
    changed_at = models.DateTimeField(_("changed by buyer"), null=True, blank=True)
    has_unconfirmed_changes = models.BooleanField(_("changed since confirmation"), default=False)

    ship_to = models.ForeignKey("vendor_portal.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("ship to"))
    ship_window_start = models.DateTimeField(_("ship window start"))
    ship_window_end = models.DateTimeField(_("ship window end"))
    delivery_window_start = models.DateTimeField(_("delivery window start"), null=True, blank=True)
    delivery_window_end = models.DateTimeField(_("delivery window end"), null=True, blank=True)

    currency = models.CharField(_("currency"), max_length=3)
    payment_terms = models.CharField(_("payment terms"), max_length=20, choices=PaymentTerms.choices, default=PaymentTerms.NET_60)
    payment_method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.INVOICE)
    deal_code = models.CharField(_("deal code"), max_length=40, blank=True)
    buying_party_id = models.CharField(max_length=20, blank=True)
    bill_to_party_id = models.CharField(max_length=20, blank=True)
    import_method_of_payment = models.CharField(max_length=30, blank=True)
    import_incoterms = models.CharField(max_length=40, blank=True)
    import_port_of_delivery = models.CharField(max_length=64, blank=True)
    import_containers = models.CharField(max_length=64, blank=True)
    import_shipping_instructions = models.TextField(blank=True)

    confirmation_due_at = models.DateTimeField(_("confirmation due"))
    confirmation_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    # The first scheduled dates the vendor gave: immutable, so on-time metrics stay honest.
    promised_ship_date = models.DateField(_("promised ship date"), null=True, blank=True)
    promised_delivery_date = models.DateField(_("promised delivery date"), null=True, blank=True)
    estimated_ship_date = models.DateField(_("estimated ship date"), null=True, blank=True)
    estimated_delivery_date = models.DateField(_("estimated delivery date"), null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PurchaseOrderQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    TRANSITIONS = {
        PurchaseOrderState.NEW: {PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.CANCELLED},
        PurchaseOrderState.ACKNOWLEDGED: {
            PurchaseOrderState.NEW,
            PurchaseOrderState.PARTIALLY_SHIPPED,
            PurchaseOrderState.SHIPPED,
            PurchaseOrderState.CANCELLED,
            PurchaseOrderState.CLOSED,
        },
        PurchaseOrderState.PARTIALLY_SHIPPED: {PurchaseOrderState.SHIPPED, PurchaseOrderState.RECEIVED, PurchaseOrderState.CLOSED},
        PurchaseOrderState.SHIPPED: {PurchaseOrderState.PARTIALLY_SHIPPED, PurchaseOrderState.RECEIVED, PurchaseOrderState.CLOSED},
        PurchaseOrderState.RECEIVED: {PurchaseOrderState.CLOSED, PurchaseOrderState.SHIPPED},  # shipped again: the DC took received units back
        PurchaseOrderState.CLOSED: set(),
        PurchaseOrderState.CANCELLED: set(),
    }

    class Meta:
        ordering = ["-order_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PurchaseOrderState.values), name="po_state_valid"),
            models.CheckConstraint(condition=Q(ship_window_end__gte=F("ship_window_start")), name="po_ship_window_ordered"),
        ]
        indexes = [
            models.Index(fields=["vendor", "-order_date", "-id"], name="po_list_by_vendor"),
            models.Index(fields=["vendor", "state", "-order_date"], name="po_list_by_vendor_state"),
            models.Index(fields=["state", "confirmation_due_at"], name="po_confirmation_deadlines"),
            models.Index(fields=["-order_date", "-id"], name="po_list_retailer"),
            # The list's other orderings (read forwards or backwards), so a page never sorts every PO.
            models.Index(fields=["vendor", "ship_window_start", "id"], name="po_list_by_ship_start"),
            models.Index(fields=["vendor", "ship_window_end", "id"], name="po_list_by_ship_end"),
            models.Index(fields=["vendor", "confirmation_due_at", "id"], name="po_list_by_confirm_due"),
            models.Index(fields=["vendor", "number"], name="po_list_by_number"),
            # "Changed by the buyer" (the home count and the list filter): the few POs waiting on a changed confirmation.
            models.Index(fields=["vendor"], name="po_changed_by_buyer", condition=Q(has_unconfirmed_changes=True)),
            models.Index(F("vendor"), STATE_RANK, F("id"), name="po_list_by_state_rank"),
            # The search: a part of the number, as UPPER(number) LIKE '%...%' (what icontains writes).
            GinIndex(OpClass(Upper("number"), name="gin_trgm_ops"), name="po_search_number"),
        ]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")

    def __str__(self) -> str:
        return self.number

    @property
    def is_confirmable(self) -> bool:
        """A confirmation can be given or revised until the first shipment."""
        return self.state in (PurchaseOrderState.NEW, PurchaseOrderState.ACKNOWLEDGED)

    @property
    def amazon_state(self) -> str:
        if self.state == PurchaseOrderState.NEW:
            return "New"
        if self.state in (PurchaseOrderState.CLOSED, PurchaseOrderState.CANCELLED, PurchaseOrderState.RECEIVED):
            return "Closed"
        return "Acknowledged"


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    sequence = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey("vendor_portal.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    asin = models.CharField("ASIN", max_length=10)
    vendor_sku = models.CharField(_("vendor SKU"), max_length=40)
    title = models.CharField(_("title"), max_length=300, blank=True)
    ordered_quantity = models.PositiveIntegerField(_("ordered"))
    unit_of_measure = models.CharField(_("unit"), max_length=10, choices=UnitOfMeasure.choices, default=UnitOfMeasure.EACHES)
    unit_size = models.PositiveIntegerField(_("unit size"), default=1)  # eaches per case when ordered in cases
    backorder_allowed = models.BooleanField(_("backorder allowed"), default=False)
    net_cost = models.DecimalField(_("net cost"), max_digits=12, decimal_places=2)  # per unit of measure, PO currency
    list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2, null=True, blank=True)

    # Quantities below are all in the line's unit of measure.
    accepted_quantity = models.PositiveIntegerField(_("accepted"), default=0)
    backordered_quantity = models.PositiveIntegerField(_("backordered"), default=0)
    rejected_quantity = models.PositiveIntegerField(_("rejected"), default=0)
    rejection_reason = models.CharField(_("rejection reason"), max_length=30, choices=RejectionReason.choices, blank=True)
    backorder_date = models.DateField(_("backorder available"), null=True, blank=True)
    cancelled_quantity = models.PositiveIntegerField(_("cancelled by buyer"), default=0)
    shipped_quantity = models.PositiveIntegerField(_("shipped"), default=0)
    received_quantity = models.PositiveIntegerField(_("received"), default=0)
    damaged_quantity = models.PositiveIntegerField(_("received damaged"), default=0)
    invoiced_quantity = models.PositiveIntegerField(_("invoiced"), default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "purchase_order__vendor"
    tenancy_marketplace_field = "purchase_order__marketplace"

    class Meta:
        ordering = ["purchase_order_id", "sequence"]
        indexes = [
            # The list's search (q) matches a part of a line's ASIN or SKU in any case: trigrams of exactly what
            # icontains compares, UPPER(column).
            GinIndex(OpClass(Upper("asin"), name="gin_trgm_ops"), name="po_line_search_asin"),
            GinIndex(OpClass(Upper("vendor_sku"), name="gin_trgm_ops"), name="po_line_search_sku"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "sequence"], name="uniq_po_line_sequence"),
            models.CheckConstraint(
                condition=Q(accepted_quantity__lte=F("ordered_quantity") - F("backordered_quantity") - F("rejected_quantity")),
                name="po_line_confirmed_within_ordered",
            ),
            models.CheckConstraint(
                condition=Q(shipped_quantity__lte=F("accepted_quantity") + F("backordered_quantity")),
                name="po_line_shipped_within_confirmed",
            ),
        ]
        verbose_name = _("purchase order line")

    def __str__(self) -> str:
        return f"{self.purchase_order_id}/{self.sequence} {self.vendor_sku}"

    @property
    def is_confirmed(self) -> bool:
        return self.accepted_quantity + self.backordered_quantity + self.rejected_quantity == self.ordered_quantity

    @property
    def open_to_ship(self) -> int:
        return max(0, self.accepted_quantity + self.backordered_quantity - self.shipped_quantity)

    @property
    def line_total(self):
        return self.net_cost * self.ordered_quantity

    @property
    def eaches_per_unit(self) -> int:
        return self.unit_size if self.unit_of_measure == UnitOfMeasure.CASES else 1


class Acknowledgement(models.Model):
    """One confirmation or revision of a PO, kept as given: every revision stays on record."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="acknowledgements")
    revision = models.PositiveIntegerField()
    channel = models.CharField(max_length=10)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    scheduled_ship_date = models.DateField(null=True, blank=True)
    scheduled_delivery_date = models.DateField(null=True, blank=True)
    lines = models.JSONField(default=list)  # [{"sequence", "accepted", "backordered", "rejected", "rejection_reason", "backorder_date"}]

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "purchase_order__vendor"
    tenancy_marketplace_field = "purchase_order__marketplace"

    class Meta:
        ordering = ["purchase_order_id", "-revision"]
        constraints = [models.UniqueConstraint(fields=["purchase_order", "revision"], name="uniq_ack_revision")]

    def __str__(self) -> str:
        return f"{self.purchase_order_id} rev {self.revision}"
