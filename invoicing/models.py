"""Invoices and credit notes a vendor sends the retailer, their lines, charges/allowances and taxes.

Field names follow Amazon's vendorInvoices model where one exists (invoice type, remit-to / ship-from /
bill-to parties, payment terms, tax, charge and allowance details) so the Amazon-compatible door maps
one to one. Money is Decimal with two places in the invoice's one currency. A credit note is stored with
positive amounts: its type says the money flows back.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from purchase_orders.models import PaymentTerms, UnitOfMeasure
from vendor_portal.money import ZERO
from vendor_portal.states import StateMachine
from vendor_portal.tenancy import VendorScopedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class InvoiceType(models.TextChoices):
    INVOICE = "Invoice", _("Invoice")
    CREDIT_NOTE = "CreditNote", _("Credit note")


class InvoiceState(models.TextChoices):
    DRAFT = "draft", _("Draft")  # Vendor Central's "Incomplete": being prepared, editable, not sent
    PENDING_APPROVAL = "pending_approval", _("Pending approval")  # above the vendor's threshold: a second person must approve
    SUBMITTED = "submitted", _("Submitted")  # passed the hard checks and was sent; the retailer has not answered yet
    REJECTED = "rejected", _("Rejected")  # the retailer refused it; its number stays used, a corrected invoice needs a new one
    ACCEPTED = "accepted", _("Accepted")  # the retailer took it in; matching against PO and receipts runs
    ON_HOLD = "on_hold", _("On hold")  # matching found a problem (e.g. units not yet received); payment waits
    APPROVED_FOR_PAYMENT = "approved_for_payment", _("Approved for payment")  # matched; will be paid by its terms
    PAID_PARTLY = "paid_partly", _("Paid partly")  # a payment run paid part of it (deductions, split runs)
    PAID = "paid", _("Paid")  # fully paid; nothing more will happen


# States in which an invoice counts as sent: its quantities are taken and its number is final.
SENT_STATES = (
    InvoiceState.SUBMITTED,
    InvoiceState.ACCEPTED,
    InvoiceState.ON_HOLD,
    InvoiceState.APPROVED_FOR_PAYMENT,
    InvoiceState.PAID_PARTLY,
    InvoiceState.PAID,
)
# Credit notes whose quantity and price corrections count against the invoice they credit (accepted by
# accounts payable, netted or to be netted): the 3-way match and the invoiced quantities net them.
CREDIT_COUNTED_STATES = (InvoiceState.ACCEPTED, InvoiceState.APPROVED_FOR_PAYMENT, InvoiceState.PAID_PARTLY, InvoiceState.PAID)
# States the retailer's accounts payable moves an invoice into (Action.RUN_PAYMENTS).
RETAILER_STATES = (
    InvoiceState.ACCEPTED,
    InvoiceState.REJECTED,
    InvoiceState.ON_HOLD,
    InvoiceState.APPROVED_FOR_PAYMENT,
    InvoiceState.PAID_PARTLY,
    InvoiceState.PAID,
)


class InvoiceSource(models.TextChoices):
    PURCHASE_ORDER = "po", _("Purchase order")
    SHIPMENT = "asn", _("ASN")
    MANUAL = "manual", _("Manual")
    CREDIT = "credit", _("Earlier invoice")


class CreditNoteReason(models.TextChoices):
    RETURN = "return", _("Goods returned")
    PRICE_CORRECTION = "price_correction", _("Price corrected")
    QUANTITY_CORRECTION = "quantity_correction", _("Quantity corrected")
    COOP = "coop", _("Co-op / promotional agreement")
    OTHER = "other", _("Other")


class TaxType(models.TextChoices):
    # Amazon's TaxDetails.taxType values.
    VAT = "VAT", _("VAT")
    GST = "GST", _("GST/HST")  # Canada's HST is a harmonised GST: Amazon's taxType has no HST
    STATE_SALES_TAX = "ST", _("State sales tax")
    PST = "PST", _("Provincial sales tax")
    MWST = "MwSt.", _("MwSt.")
    TVA = "TVA", _("TVA")
    DOMESTIC_VAT = "DomesticVAT", _("Domestic VAT")
    CGST = "CGST", _("CGST")
    SGST = "SGST", _("SGST")
    IGST = "IGST", _("IGST")
    UTGST = "UTGST", _("UTGST")
    CESS = "CESS", _("CESS")
    CONSUMPTION = "Consumption", _("Consumption tax")
    MUTUALLY_DEFINED = "MutuallyDefined", _("Mutually defined")


class ChargeKind(models.TextChoices):
    CHARGE = "charge", _("Charge")  # adds to the total (freight, handling, ...)
    ALLOWANCE = "allowance", _("Allowance")  # taken off the total (discounts, promotional)


class ChargeType(models.TextChoices):
    # Charges: Amazon's ChargeDetails.type values.
    FREIGHT = "Freight", _("Freight")
    PACKING = "Packing", _("Packing")
    HANDLING = "SpecialHandlingService", _("Handling")
    INSURANCE = "InsuranceFee", _("Insurance")
    DUTY = "Duty", _("Duty")
    SMALL_ORDER = "SmallOrder", _("Small order")
    SERVICE = "Service", _("Other charge")
    # Allowances: Amazon's AllowanceDetails.type values.
    DISCOUNT = "Discount", _("Discount")
    DISCOUNT_INCENTIVE = "DiscountIncentive", _("Discount incentive")
    DEFECTIVE = "Defective", _("Defective allowance")
    PROMOTIONAL = "Promotional", _("Promotional allowance")
    UNSALEABLE = "UnsaleableMerchandise", _("Unsaleable merchandise")
    SPECIAL = "Special", _("Other allowance")


CHARGE_TYPES = {
    "Freight",
    "Packing",
    "SpecialHandlingService",
    "InsuranceFee",
    "Duty",
    "SmallOrder",
    "Service",
    "InsurancePlacementCost",
    "CollectionAndRecyclingService",
    "EnvironmentalProtectionService",
    "TaxCollectedAtSource",
}
ALLOWANCE_TYPES = {"Discount", "DiscountIncentive", "Defective", "Promotional", "UnsaleableMerchandise", "Special"}


# States only the vendor sees: the retailer meets an invoice once it is submitted.
VENDOR_ONLY_STATES = (InvoiceState.DRAFT, InvoiceState.PENDING_APPROVAL)


class InvoiceQuerySet(VendorScopedQuerySet):
    def visible_to(self, scope):
        queryset = super().visible_to(scope)
        if scope is not None and scope.is_retailer:
            queryset = queryset.exclude(state__in=VENDOR_ONLY_STATES)
        return queryset

    def sent(self):
        return self.filter(state__in=SENT_STATES)

    def invoices(self):
        return self.filter(invoice_type=InvoiceType.INVOICE)


class Invoice(StateMachine, models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="invoices")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    invoice_type = models.CharField(_("type"), max_length=10, choices=InvoiceType.choices, default=InvoiceType.INVOICE)
    number = models.CharField(_("invoice number"), max_length=40)  # Amazon's invoice id: never reused by the vendor
    invoice_date = models.DateField(_("invoice date"))
    currency = models.CharField(_("currency"), max_length=3)
    state = models.CharField(_("state"), max_length=20, choices=InvoiceState.choices, default=InvoiceState.DRAFT)
    state_changed_at = models.DateTimeField(_("state changed"), auto_now_add=True)

    # Parties: ids as Amazon knows them (vendor code, bill-to party), addresses in Amazon's Address shape.
    remit_to_party_id = models.CharField(_("remit-to party"), max_length=20, blank=True)
    remit_to_address = models.JSONField(_("remit-to address"), default=dict, blank=True)
    ship_from_party_id = models.CharField(_("ship-from party"), max_length=20, blank=True)
    ship_from_address = models.JSONField(_("ship-from address"), default=dict, blank=True)
    bill_to_party_id = models.CharField(_("bill-to party"), max_length=20, blank=True)
    bill_to_address = models.JSONField(_("bill-to address"), default=dict, blank=True)
    ship_to_party_id = models.CharField(_("ship-to party"), max_length=20, blank=True)
    # The parties' tax registrations (VAT, GST/HST, EIN) as the invoice states them.
    remit_to_tax_id = models.CharField(_("remit-to tax registration"), max_length=40, blank=True)
    bill_to_tax_id = models.CharField(_("bill-to tax registration"), max_length=40, blank=True)

    payment_terms = models.CharField(_("payment terms"), max_length=20, choices=PaymentTerms.choices, default=PaymentTerms.NET_60)
    discount_percent = models.DecimalField(_("early payment discount %"), max_digits=5, decimal_places=2, default=ZERO)
    discount_due_days = models.PositiveIntegerField(_("discount days"), default=0)
    due_date = models.DateField(_("due date"), null=True, blank=True)

    # Header totals as stated on the document; the hard checks prove they add up.
    items_subtotal = models.DecimalField(_("items"), **MONEY, default=ZERO)
    charges_total = models.DecimalField(_("charges"), **MONEY, default=ZERO)
    allowances_total = models.DecimalField(_("allowances"), **MONEY, default=ZERO)
    tax_total = models.DecimalField(_("tax"), **MONEY, default=ZERO)
    grand_total = models.DecimalField(_("total"), **MONEY, default=ZERO)

    source = models.CharField(_("source"), max_length=10, choices=InvoiceSource.choices, default=InvoiceSource.MANUAL)
    purchase_order = models.ForeignKey(
        "purchase_orders.PurchaseOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("purchase order"),
    )
    # The ASN it was flipped from (shipments.Shipment id); kept as a plain id so invoicing does not depend
    # on the shipments app's migrations.
    shipment_id = models.PositiveBigIntegerField(_("shipment"), null=True, blank=True)
    shipment_identifier = models.CharField(_("ASN"), max_length=40, blank=True)

    reference_invoice = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes", verbose_name=_("credited invoice")
    )
    credit_reason = models.CharField(_("credit reason"), max_length=30, choices=CreditNoteReason.choices, blank=True)
    credit_reference = models.CharField(_("credit reference (RMA, debit note, co-op)"), max_length=60, blank=True)

    approval_request = models.ForeignKey("vendor_portal.ApprovalRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvoiceQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    TRANSITIONS = {
        InvoiceState.DRAFT: {InvoiceState.PENDING_APPROVAL, InvoiceState.SUBMITTED},
        # back to draft when the checker turns it down or the maker withdraws
        InvoiceState.PENDING_APPROVAL: {InvoiceState.SUBMITTED, InvoiceState.DRAFT},
        InvoiceState.SUBMITTED: {InvoiceState.ACCEPTED, InvoiceState.REJECTED},
        InvoiceState.REJECTED: set(),
        InvoiceState.ACCEPTED: {InvoiceState.ON_HOLD, InvoiceState.APPROVED_FOR_PAYMENT, InvoiceState.REJECTED},
        InvoiceState.ON_HOLD: {InvoiceState.APPROVED_FOR_PAYMENT, InvoiceState.REJECTED},
        InvoiceState.APPROVED_FOR_PAYMENT: {InvoiceState.ON_HOLD, InvoiceState.PAID_PARTLY, InvoiceState.PAID},
        InvoiceState.PAID_PARTLY: {InvoiceState.PAID},
        InvoiceState.PAID: set(),
    }

    class Meta:
        ordering = ["-invoice_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "number"], name="uniq_invoice_number_per_vendor"),
            models.CheckConstraint(condition=Q(state__in=InvoiceState.values), name="invoice_state_valid"),
            models.CheckConstraint(condition=Q(invoice_type__in=InvoiceType.values), name="invoice_type_valid"),
            models.CheckConstraint(
                condition=Q(invoice_type=InvoiceType.CREDIT_NOTE) | Q(reference_invoice__isnull=True, credit_reason=""),
                name="invoice_credit_details_only_on_credit_note",
            ),
            models.CheckConstraint(
                condition=Q(items_subtotal__gte=0, charges_total__gte=0, allowances_total__gte=0, tax_total__gte=0, grand_total__gte=0),
                name="invoice_totals_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["vendor", "-invoice_date", "-id"], name="invoice_list_by_vendor"),
            models.Index(fields=["vendor", "state", "-invoice_date"], name="invoice_list_by_vendor_state"),
            models.Index(fields=["vendor", "-id"], name="invoice_api_by_vendor"),  # the API's list, newest id first
            # The payment summary's open invoices (the retailer's, every vendor): the few not yet paid, not the history.
            models.Index(
                fields=["state", "due_date"],
                name="invoice_open",
                condition=Q(state__in=["submitted", "accepted", "on_hold", "approved_for_payment", "paid_partly"]),
            ),
            # The list's search: a part of the number, as UPPER(number) LIKE '%...%' (what icontains writes).
            GinIndex(OpClass(Upper("number"), name="gin_trgm_ops"), name="invoice_search_number"),
        ]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self) -> str:
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.state == InvoiceState.DRAFT

    @property
    def is_credit_note(self) -> bool:
        return self.invoice_type == InvoiceType.CREDIT_NOTE

    @property
    def document_key(self) -> str:
        return f"invoices/{self.pk}/{self.invoice_type.lower()}-{self.pk}.pdf"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    sequence = models.PositiveIntegerField(_("line"))
    purchase_order_line = models.ForeignKey(
        "purchase_orders.PurchaseOrderLine", on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_lines"
    )
    purchase_order_number = models.CharField(_("PO number"), max_length=20, blank=True)
    credited_line = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_lines", verbose_name=_("credited line")
    )
    asin = models.CharField("ASIN", max_length=10, blank=True)
    vendor_sku = models.CharField(_("vendor SKU"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_of_measure = models.CharField(_("unit"), max_length=10, choices=UnitOfMeasure.choices, default=UnitOfMeasure.EACHES)
    unit_size = models.PositiveIntegerField(_("unit size"), default=1)
    unit_cost = models.DecimalField(_("unit cost"), **MONEY)
    line_amount = models.DecimalField(_("amount"), **MONEY)
    tax_type = models.CharField(_("tax type"), max_length=20, choices=TaxType.choices, blank=True)
    tax_rate = models.DecimalField(_("tax rate %"), max_digits=7, decimal_places=4, default=ZERO)
    tax_amount = models.DecimalField(_("tax"), **MONEY, default=ZERO)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "invoice__vendor"
    tenancy_marketplace_field = "invoice__marketplace"

    class Meta:
        ordering = ["invoice_id", "sequence"]
        indexes = [
            # The list's search and PO filter: (a part of) a PO number in any case, UPPER(purchase_order_number).
            GinIndex(OpClass(Upper("purchase_order_number"), name="gin_trgm_ops"), name="invoice_line_search_po"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "sequence"], name="uniq_invoice_line_sequence"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0, line_amount__gte=0, tax_amount__gte=0), name="invoice_line_amounts_not_negative"),
        ]
        verbose_name = _("invoice line")

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.sequence} {self.vendor_sku or self.asin}"


class InvoiceCharge(models.Model):
    """A charge (adds to the total) or an allowance (taken off), with its own tax."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="charges")
    kind = models.CharField(_("kind"), max_length=10, choices=ChargeKind.choices, default=ChargeKind.CHARGE)
    charge_type = models.CharField(_("type"), max_length=40, choices=ChargeType.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    tax_type = models.CharField(_("tax type"), max_length=20, choices=TaxType.choices, blank=True)
    tax_rate = models.DecimalField(_("tax rate %"), max_digits=7, decimal_places=4, default=ZERO)
    tax_amount = models.DecimalField(_("tax"), **MONEY, default=ZERO)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "invoice__vendor"
    tenancy_marketplace_field = "invoice__marketplace"

    class Meta:
        ordering = ["invoice_id", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChargeKind.values), name="invoice_charge_kind_valid"),
            models.CheckConstraint(condition=Q(amount__gte=0, tax_amount__gte=0), name="invoice_charge_amounts_not_negative"),
        ]
        verbose_name = _("invoice charge or allowance")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.charge_type} {self.amount}"

    @property
    def sign(self) -> int:
        return -1 if self.kind == ChargeKind.ALLOWANCE else 1


class InvoiceTax(models.Model):
    """A header tax total by type and rate (Amazon's invoice-level taxDetails)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="taxes")
    tax_type = models.CharField(_("tax type"), max_length=20, choices=TaxType.choices)
    rate = models.DecimalField(_("rate %"), max_digits=7, decimal_places=4, default=ZERO)
    taxable_amount = models.DecimalField(_("taxable amount"), **MONEY, default=ZERO)
    amount = models.DecimalField(_("tax amount"), **MONEY)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "invoice__vendor"
    tenancy_marketplace_field = "invoice__marketplace"

    class Meta:
        ordering = ["invoice_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0, taxable_amount__gte=0), name="invoice_tax_amounts_not_negative")]
        verbose_name = _("invoice tax")

    def __str__(self) -> str:
        return f"{self.tax_type} {self.rate}% {self.amount}"


class EInvoiceReceiptStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # stored; the worker has not read it yet
    ACCEPTED = "accepted", _("Accepted")  # valid, mapped, and the invoice was created and submitted
    REFUSED = "refused", _("Refused")  # schema/business rules, the seller or the hard checks refused it: nothing was created


class EInvoiceReceipt(models.Model):
    """An e-invoice file (Factur-X PDF, CII or UBL XML) a vendor or its integrator uploaded, and what became of it."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content = models.BinaryField()
    syntax = models.CharField(_("syntax"), max_length=20, blank=True)  # factur-x, cii, ubl: known once read
    status = models.CharField(_("status"), max_length=10, choices=EInvoiceReceiptStatus.choices, default=EInvoiceReceiptStatus.RECEIVED)
    invoice = models.ForeignKey(Invoice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("invoice"))
    # Why it was refused: [{"code", "message", "field"}], field an EN 16931 term ("BG-25[2].BT-146 (unit_cost)") or a rule id.
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=EInvoiceReceiptStatus.values), name="einvoice_receipt_status_valid")]
        indexes = [models.Index(fields=["vendor", "-created_at"], name="einvoice_receipt_by_vendor")]
        verbose_name = _("received e-invoice")

    def __str__(self) -> str:
        return self.filename or f"e-invoice {self.pk}"
