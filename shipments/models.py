"""Ship plans and ASNs, their cartons and pallets (SSCC-labelled), DC receipts and compliance events.

A Shipment is a ship plan while it is a draft; submitting freezes it into an ASN. Quantities on
shipment lines, carton items and receipt lines are in the PO line's unit of measure, like the PO
line's own shipped and received quantities.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.states import StateMachine
from vendor_portal.tenancy import VendorScopedQuerySet


class ShipmentState(models.TextChoices):
    DRAFT = "draft", _("Draft")  # a ship plan: lines, cartons and pallets may still change
    SUBMITTED = "submitted", _("Submitted")  # the ASN was sent; it may be replaced until receiving starts
    RECEIVING = "receiving", _("Receiving")  # the DC booked a first receipt; the ASN is frozen for good
    RECEIVED = "received", _("Received")  # the DC finished receiving; over/short is final
    CANCELLED = "cancelled", _("Cancelled")  # a draft given up before submission


class TransportMode(models.TextChoices):
    SMALL_PARCEL = "small_parcel", _("Small parcel")
    LTL = "ltl", _("Less than truckload")
    TRUCKLOAD = "truckload", _("Truckload")


class TransportMethod(models.TextChoices):
    ROAD = "road", _("Road")
    AIR = "air", _("Air")
    OCEAN = "ocean", _("Ocean")


class WeightUnit(models.TextChoices):
    KG = "kg", _("kg")
    LB = "lb", _("lb")


class DimensionUnit(models.TextChoices):
    CM = "cm", _("cm")
    IN = "in", _("in")


class AsnType(models.TextChoices):
    ORIGINAL = "Original", _("Original")
    REPLACE = "Replace", _("Replace")


class ShipmentQuerySet(VendorScopedQuerySet):
    def drafts(self):
        return self.filter(state=ShipmentState.DRAFT)


class Shipment(StateMachine, models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="shipments")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    ship_to = models.ForeignKey("vendor_portal.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("ship to"))
    ship_from = models.ForeignKey(
        "vendor_portal.ShipFromAddress", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ship from")
    )
    shipment_identifier = models.CharField(_("shipment identifier"), max_length=40)
    state = models.CharField(_("state"), max_length=12, choices=ShipmentState.choices, default=ShipmentState.DRAFT)
    transport_mode = models.CharField(_("transport mode"), max_length=15, choices=TransportMode.choices, default=TransportMode.LTL)
    transport_method = models.CharField(_("transport method"), max_length=8, choices=TransportMethod.choices, default=TransportMethod.ROAD)
    carrier_scac = models.CharField(_("carrier SCAC"), max_length=4, blank=True)
    carrier_name = models.CharField(_("carrier"), max_length=100, blank=True)
    ship_date = models.DateField(_("ship date"))
    estimated_arrival = models.DateField(_("estimated arrival"), null=True, blank=True)
    bol_number = models.CharField(_("BOL number"), max_length=40, blank=True)
    pro_number = models.CharField(_("PRO number"), max_length=40, blank=True)
    cartons_per_pallet = models.PositiveIntegerField(_("cartons per pallet"), default=0, help_text=_("0 ships loose cartons"))
    # The units the plan's cartons and pallets are weighed and measured in (the editor's, and the ASN's totals).
    weight_unit = models.CharField(_("weight unit"), max_length=2, choices=WeightUnit.choices, default=WeightUnit.KG)
    dimension_unit = models.CharField(_("dimension unit"), max_length=2, choices=DimensionUnit.choices, default=DimensionUnit.CM)
    # The shipment's gross weight in weight_unit: as the vendor's system sent it, or its containers' at submission.
    gross_weight = models.DecimalField(_("gross weight"), max_digits=12, decimal_places=3, null=True, blank=True)
    asn_type = models.CharField(_("ASN type"), max_length=10, choices=AsnType.choices, blank=True)
    asn_revision = models.PositiveIntegerField(_("ASN revision"), default=0)  # 0 until submitted
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    receiving_started_at = models.DateTimeField(_("receiving started"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ShipmentQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    TRANSITIONS = {
        ShipmentState.DRAFT: {ShipmentState.SUBMITTED, ShipmentState.CANCELLED},
        ShipmentState.SUBMITTED: {ShipmentState.SUBMITTED, ShipmentState.RECEIVING, ShipmentState.RECEIVED},  # replace keeps it submitted
        ShipmentState.RECEIVING: {ShipmentState.RECEIVED},
        ShipmentState.RECEIVED: set(),
        ShipmentState.CANCELLED: set(),
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ShipmentState.values), name="shipment_state_valid"),
            models.UniqueConstraint(fields=["vendor", "shipment_identifier"], name="uniq_shipment_identifier_per_vendor"),
        ]
        indexes = [
            models.Index(fields=["vendor", "state", "-created_at"], name="shipment_list_by_vendor_state"),
            models.Index(fields=["vendor", "-created_at", "-id"], name="shipment_list_by_vendor"),
            # The DCs' receiving queue (every vendor's ASNs not yet received) by ship date.
            models.Index(fields=["ship_date", "id"], name="shipment_to_receive", condition=Q(state__in=["submitted", "receiving"])),
        ]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return self.shipment_identifier

    @property
    def is_editable(self) -> bool:
        return self.state == ShipmentState.DRAFT

    @property
    def is_replaceable(self) -> bool:
        """A Replace ASN is accepted until the DC starts receiving."""
        return self.state == ShipmentState.SUBMITTED

    @property
    def labels_key(self) -> str:
        return f"shipments/{self.pk}/labels-{self.asn_revision}.pdf"

    @property
    def packing_list_key(self) -> str:
        return f"shipments/{self.pk}/packing-list-{self.asn_revision}.pdf"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    purchase_order_line = models.ForeignKey("purchase_orders.PurchaseOrderLine", on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(_("quantity"))

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "shipment__vendor"
    tenancy_marketplace_field = "shipment__marketplace"

    class Meta:
        ordering = ["shipment_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "purchase_order_line"], name="uniq_shipment_po_line"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}/{self.purchase_order_line_id} x{self.quantity}"


class Measured(models.Model):
    """A carton's or pallet's gross weight and outside dimensions as measured, each with its unit; empty
    until someone (or the vendor's system) gives them. A draft shows estimates for what is empty."""

    weight = models.DecimalField(_("weight"), max_digits=9, decimal_places=3, null=True, blank=True)
    weight_unit = models.CharField(_("weight unit"), max_length=2, choices=WeightUnit.choices, blank=True)
    length = models.DecimalField(_("length"), max_digits=8, decimal_places=2, null=True, blank=True)
    width = models.DecimalField(_("width"), max_digits=8, decimal_places=2, null=True, blank=True)
    height = models.DecimalField(_("height"), max_digits=8, decimal_places=2, null=True, blank=True)
    dimension_unit = models.CharField(_("dimension unit"), max_length=2, choices=DimensionUnit.choices, blank=True)

    MEASUREMENT_FIELDS = ["weight", "weight_unit", "length", "width", "height", "dimension_unit"]

    class Meta:
        abstract = True


class Pallet(Measured):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="pallets")
    index = models.PositiveIntegerField(_("pallet"))
    sscc = models.CharField("SSCC", max_length=18, unique=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "shipment__vendor"
    tenancy_marketplace_field = "shipment__marketplace"

    class Meta:
        ordering = ["shipment_id", "index"]
        constraints = [models.UniqueConstraint(fields=["shipment", "index"], name="uniq_pallet_index")]

    def __str__(self) -> str:
        return self.sscc


class Carton(Measured):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="cartons")
    pallet = models.ForeignKey(Pallet, on_delete=models.SET_NULL, null=True, blank=True, related_name="cartons")
    index = models.PositiveIntegerField(_("carton"))
    sscc = models.CharField("SSCC", max_length=18, unique=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "shipment__vendor"
    tenancy_marketplace_field = "shipment__marketplace"

    class Meta:
        ordering = ["shipment_id", "index"]
        constraints = [models.UniqueConstraint(fields=["shipment", "index"], name="uniq_carton_index")]

    def __str__(self) -> str:
        return self.sscc


class CartonItem(models.Model):
    """What one carton holds of one shipment line; a carton with several items is a mixed carton."""

    carton = models.ForeignKey(Carton, on_delete=models.CASCADE, related_name="items")
    shipment_line = models.ForeignKey(ShipmentLine, on_delete=models.CASCADE, related_name="carton_items")
    quantity = models.PositiveIntegerField(_("quantity"))

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "carton__shipment__vendor"
    tenancy_marketplace_field = "carton__shipment__marketplace"

    class Meta:
        ordering = ["carton_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["carton", "shipment_line"], name="uniq_carton_item_line"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="carton_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.shipment_line_id} in carton {self.carton_id}"


class SsccCounter(models.Model):
    """The next SSCC serial reference of a vendor's GS1 company prefix. Only ever counts up."""

    vendor = models.OneToOneField("vendor_portal.Vendor", on_delete=models.CASCADE, related_name="+")
    next_serial = models.BigIntegerField(default=1)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(next_serial__gte=1), name="sscc_counter_positive")]

    def __str__(self) -> str:
        return f"{self.vendor_id}: {self.next_serial}"


class Receipt(models.Model):
    """One receiving session at the DC against an ASN: cartons scanned and/or lines counted.

    A scan on the receiving screen is one receipt carrying the id the page gave the scan, so a scan the
    page sends again (it retries until it hears back) is answered from its receipt instead of booked twice."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="receipts")
    warehouse = models.ForeignKey("vendor_portal.Warehouse", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)
    scan_id = models.UUIDField(_("scan"), null=True, blank=True)
    pallet = models.ForeignKey(Pallet, on_delete=models.SET_NULL, null=True, blank=True, db_index=False, related_name="receipts")  # a pallet scan

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "shipment__vendor"
    tenancy_marketplace_field = "shipment__marketplace"

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "scan_id"], condition=Q(scan_id__isnull=False), name="uniq_receipt_scan_per_shipment"),
        ]
        indexes = [models.Index(fields=["pallet"], condition=Q(pallet__isnull=False), name="receipt_by_pallet")]

    def __str__(self) -> str:
        return f"{_('Receipt')} {self.pk} · {self.shipment_id}"


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    shipment_line = models.ForeignKey(ShipmentLine, on_delete=models.PROTECT, related_name="receipt_lines")
    carton = models.ForeignKey(Carton, on_delete=models.PROTECT, null=True, blank=True, related_name="receipt_lines")  # set when scanned
    quantity = models.PositiveIntegerField(_("received"))
    damaged_quantity = models.PositiveIntegerField(_("damaged"), default=0)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "receipt__shipment__vendor"
    tenancy_marketplace_field = "receipt__shipment__marketplace"

    class Meta:
        ordering = ["receipt_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(damaged_quantity__lte=F("quantity")), name="receipt_line_damaged_within_received"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} received on line {self.shipment_line_id}"


class ComplianceEventKind(models.TextChoices):
    ASN_LATE = "asn_late", _("ASN late")  # submitted after the ship date
    ASN_MISSING = "asn_missing", _("ASN missing")  # goods arrived without an ASN
    OVER_SHIPPED = "over_shipped", _("Over-shipped")  # the DC received more than the ASN said
    SHORT_SHIPPED = "short_shipped", _("Short-shipped")  # the DC received less than the ASN said
    APPOINTMENT_MISSED = "appointment_missed", _("Appointment missed")  # no truck came to a confirmed DC appointment
    APPOINTMENT_LATE = "appointment_late", _("Appointment late")  # the truck came after its slot's start and the DC's grace
    LABEL_MISSING = "label_missing", _("Carton label missing")  # a received carton had no SSCC label
    LABEL_UNREADABLE = "label_unreadable", _("Carton label unreadable")  # its SSCC would not scan: the DC keyed it from the packing list


# Faults of one carton's label, reported by the DC per received carton.
LABEL_EVENT_KINDS = (ComplianceEventKind.LABEL_MISSING, ComplianceEventKind.LABEL_UNREADABLE)


class ComplianceEvent(models.Model):
    """An operational fault that may earn a chargeback; reconciliation turns these into deductions."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="+")
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, null=True, blank=True, related_name="compliance_events")
    # The carton a label fault is about (its SSCC is in `details` too, should the carton ever go); indexed by
    # uniq_compliance_event_per_carton.
    carton = models.ForeignKey(Carton, on_delete=models.SET_NULL, null=True, blank=True, related_name="compliance_events", db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=ComplianceEventKind.choices)
    occurred_at = models.DateTimeField(_("occurred"))
    details = models.JSONField(default=dict, blank=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ComplianceEventKind.values), name="compliance_event_kind_valid"),
            # A carton's fault of one kind is on the record once, however often the DC reports it.
            models.UniqueConstraint(fields=["carton", "kind"], condition=Q(carton__isnull=False), name="uniq_compliance_event_per_carton"),
        ]
        indexes = [models.Index(fields=["vendor", "kind", "-occurred_at"], name="compliance_by_vendor_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.shipment_id}"
