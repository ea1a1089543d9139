"""EDI (X12 or EDIFACT, the partner chooses) as the portal records it: who may send (trading partners), the
control numbers we hand out, and every interchange in or out with its messages and what became of them."""

from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.tenancy import VendorScopedQuerySet


class Syntax(models.TextChoices):
    X12 = "x12", _("ANSI X12 004010")
    EDIFACT = "edifact", _("UN/EDIFACT D96A")


class TradingPartner(models.Model):
    """A vendor's EDI identity: for X12 the ISA05/06 it sends from and the GS02 application id, for
    EDIFACT the GLN it names in UNB. The syntax is the partner's choice: what the portal sends it."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, related_name="trading_partners")
    name = models.CharField(_("name"), max_length=100, blank=True)
    syntax = models.CharField(_("syntax"), max_length=10, choices=Syntax.choices, default=Syntax.X12)
    isa_qualifier = models.CharField(_("ISA qualifier"), max_length=2, default="ZZ")
    isa_id = models.CharField(_("ISA id"), max_length=15, blank=True)
    gln = models.CharField(_("GLN"), max_length=13, blank=True)  # UNB sender (S002), qualifier 14
    gs_application_id = models.CharField(_("GS application id"), max_length=15, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["vendor_id", "isa_id"]
        constraints = [
            # An ISA sender (or UNB GLN) names exactly one vendor: that is how an inbound file finds its owner.
            models.UniqueConstraint(fields=["isa_qualifier", "isa_id"], condition=~Q(isa_id=""), name="uniq_edi_partner_isa_id"),
            models.UniqueConstraint(fields=["gln"], condition=~Q(gln=""), name="uniq_edi_partner_gln"),
            models.CheckConstraint(condition=Q(syntax__in=Syntax.values), name="edi_partner_syntax_valid"),
            models.CheckConstraint(condition=~Q(isa_id="") | ~Q(gln=""), name="edi_partner_has_identity"),
        ]
        verbose_name = _("trading partner")
        verbose_name_plural = _("trading partners")

    def __str__(self) -> str:
        if self.syntax == Syntax.EDIFACT:
            return f"GLN {self.gln}"
        return f"{self.isa_qualifier}:{self.isa_id}"

    @property
    def is_edifact(self) -> bool:
        return self.syntax == Syntax.EDIFACT


class ControlNumberKind(models.TextChoices):
    INTERCHANGE = "isa", _("Interchange (ISA13)")
    GROUP = "gs", _("Functional group (GS06)")
    TRANSACTION_SET = "st", _("Transaction set (ST02)")
    EDIFACT_INTERCHANGE = "unb", _("Interchange (UNB 0020)")
    EDIFACT_MESSAGE = "unh", _("Message (UNH 0062)")


class ControlNumberCounter(models.Model):
    """The last control number of one kind sent to one partner. Only ever counts up."""

    partner = models.ForeignKey(TradingPartner, on_delete=models.CASCADE, related_name="counters")
    kind = models.CharField(max_length=3, choices=ControlNumberKind.choices)
    last_value = models.PositiveBigIntegerField(default=0)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "partner__vendor"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "kind"], name="uniq_edi_counter_per_partner_kind"),
            models.CheckConstraint(condition=Q(kind__in=ControlNumberKind.values), name="edi_counter_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.last_value}"

    @classmethod
    def allocate(cls, *, partner_id: int, kind: str, count: int = 1) -> int:
        """Reserve `count` numbers and return the first. One statement (insert or increment, returning
        the new value), so concurrent senders get disjoint numbers; a rolled-back caller leaves a gap."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (partner_id, kind, last_value) VALUES (%s, %s, %s) "
                f"ON CONFLICT (partner_id, kind) DO UPDATE SET last_value = {table}.last_value + EXCLUDED.last_value "
                "RETURNING last_value",
                [partner_id, kind, count],
            )
            last = cursor.fetchone()[0]
        return last - count + 1


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Received")
    OUTBOUND = "outbound", _("Sent")


class InterchangeStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # stored, being processed
    ACCEPTED = "accepted", _("Accepted")  # every set applied (inbound) or acknowledged as accepted (outbound)
    PARTIALLY_ACCEPTED = "partially_accepted", _("Partially accepted")  # some sets rejected
    REJECTED = "rejected", _("Rejected")  # nothing applied: envelope, sender, duplicate or every set refused
    SENT = "sent", _("Sent")  # outbound, no 997 back yet


class InterchangeSource(models.TextChoices):
    API = "api", _("API upload")
    WEB = "web", _("Upload in the portal")
    FOLDER = "folder", _("Watched folder")
    PORTAL = "portal", _("Generated by the portal")


class InterchangeQuerySet(VendorScopedQuerySet):
    def inbound(self):
        return self.filter(direction=Direction.INBOUND)

    def outbound(self):
        return self.filter(direction=Direction.OUTBOUND)


class Interchange(models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(TradingPartner, on_delete=models.PROTECT, null=True, blank=True, related_name="interchanges")
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    status = models.CharField(_("status"), max_length=20, choices=InterchangeStatus.choices, default=InterchangeStatus.RECEIVED)
    source = models.CharField(_("source"), max_length=10, choices=InterchangeSource.choices)
    syntax = models.CharField(_("syntax"), max_length=10, choices=Syntax.choices, default=Syntax.X12)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    control_number = models.CharField(_("control number"), max_length=14, blank=True)  # ISA13, or UNB 0020
    sender_qualifier = models.CharField(max_length=2, blank=True)
    sender_id = models.CharField(_("sender"), max_length=15, blank=True)
    receiver_qualifier = models.CharField(max_length=2, blank=True)
    receiver_id = models.CharField(_("receiver"), max_length=15, blank=True)
    set_ids = models.CharField(_("transaction sets"), max_length=200, blank=True)  # "855,856"
    # The two heavy columns (up to EDI_MAX_UPLOAD_BYTES of X12, and a problem per bad segment): lists never
    # read them (see selectors.LIST_DEFERRED); the detail pages problems by slicing the JSON in the database.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    content = models.TextField(_("content"))
    size = models.PositiveIntegerField(default=0)
    # What a list shows of the problems and sets, kept beside them when they are written.
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    first_problem = models.CharField(_("first problem"), max_length=300, blank=True)
    set_count = models.PositiveIntegerField(_("transaction sets"), default=0)
    # Inbound: the 997/TA1 we answered with. Outbound: the 997 the partner answered with.
    acknowledgement = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # A repeated ISA13 from the same partner: stored to show it, never processed.
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InterchangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="edi_interchange_direction_valid"),
            models.CheckConstraint(condition=Q(status__in=InterchangeStatus.values), name="edi_interchange_status_valid"),
            models.UniqueConstraint(
                fields=["partner", "control_number"],
                condition=Q(direction="inbound", duplicate_of__isnull=True, partner__isnull=False) & ~Q(control_number=""),
                name="uniq_edi_inbound_isa_per_partner",
            ),
            models.UniqueConstraint(
                fields=["partner", "control_number"],
                condition=Q(direction="outbound", partner__isnull=False),
                name="uniq_edi_outbound_isa_per_partner",
            ),
        ]
        indexes = [
            models.Index(fields=["vendor", "-created_at", "-id"], name="edi_interchanges_by_vendor"),
            models.Index(fields=["-created_at", "-id"], name="edi_interchanges_recent"),  # the retailer's list, every vendor
        ]
        verbose_name = _("EDI interchange")
        verbose_name_plural = _("EDI interchanges")

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.control_number or '?'} ({self.set_ids or '-'})"

    @property
    def is_inbound(self) -> bool:
        return self.direction == Direction.INBOUND

    @property
    def download_name(self) -> str:
        return self.filename or f"{self.direction}-{self.control_number or self.pk}.edi"


class SetStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    SENT = "sent", _("Sent")


class TransactionRecord(models.Model):
    """One transaction set of an interchange, and the portal object it touched."""

    interchange = models.ForeignKey(Interchange, on_delete=models.CASCADE, related_name="transactions")
    set_id = models.CharField(_("set"), max_length=6)  # 855, or an EDIFACT message type (ORDRSP)
    group_control_number = models.CharField(max_length=9, blank=True)
    control_number = models.CharField(_("control number"), max_length=14, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=SetStatus.choices)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True)  # the PO, ASN or invoice number it names
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "interchange__vendor"

    class Meta:
        ordering = ["interchange_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=SetStatus.values), name="edi_set_status_valid")]
        indexes = [models.Index(fields=["object_type", "object_id"], name="edi_sets_by_object")]

    def __str__(self) -> str:
        return f"{self.set_id} {self.control_number}"
