"""Reconciliation and payment: the 3-way match, deductions, disputes, payment runs and remittances.

Names the screens and the API rely on (keep them stable):

- `MatchTolerance`: asymmetric tolerances, per vendor and marketplace (NULL = the default for all).
  Over-billing is tolerated only when it stays within BOTH `over_percent` (of the PO value of the
  invoiced units) and `over_absolute`; beyond either it raises claims. Under-billing beyond
  `under_percent`/`under_absolute` only warns (status `under_billed`).
- `MatchResult`: one per invoice line (`invoice_line` is unique); `status` is a `MatchStatus`; the
  numbers used are columns (po_cost, invoiced_cost, ordered/shipped/received/invoiced/previously
  invoiced/credited quantity, credited amount, shortage_units, price_claim, shortage_claim), with
  `tolerance` (JSON: the tolerance applied, as it was) and `computed_at` (a re-run leaves an unchanged
  line alone, so it is when its numbers last changed). `evidence` gathers them all in one dict (the API's
  `evidence`); `variance_reasons` is financesInvoices' `varianceReasons`
  ([{"variance_type": "PQV", "defect_types": ["OVERBILLING"]}]), derived from the numbers.
- `Deduction`: a claim against the vendor (`kind` a `DeductionKind`, `reason` a `DeductionReason`,
  `variance_type` PQV/PPV/OTHER), positive `amount` in `currency`. A `reversal` gives money back and
  points at the deduction it reverses (`reverses`). `remittance` is set when a payment run takes it;
  `settled_at` when that run is paid. `status` is a `DeductionStatus`.
- `ChargebackRate` (marketplace, category) and `DisputeWindow` (marketplace or NULL, kind): settings.
- `Dispute`: the vendor's dispute of one deduction (`number` 1, 2, ...), with `evidence` Documents.
- `PaymentRun` (retailer only) -> `Remittance` (one per vendor and marketplace) -> `RemittanceLine`
  (signed amounts: invoices paid positive, deductions, discounts and credit notes negative, reversals
  positive; the lines sum exactly to `Remittance.net_amount`). A `credit_note` line points at the credit
  note (`invoice`) and may net only part of it; the rest carries forward (see remittance_plan.py).
- Payment terms helpers: `terms_due_date`, `terms_discount_deadline`, `terms_discount` (days are counted
  in the marketplace's calendar: `vendor_portal.models.marketplace_today`).
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from purchase_orders.models import PaymentTerms
from vendor_portal.models.places import marketplace_today
from vendor_portal.money import CENT, ZERO, round_money
from vendor_portal.states import StateMachine
from vendor_portal.tenancy import VendorScopedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 6, "decimal_places": 2}


# Payment terms --------------------------------------------------------------------------------------
TERMS_DAYS = {PaymentTerms.NET_30: 30, PaymentTerms.NET_60: 60, PaymentTerms.NET_90: 90, PaymentTerms.NET_30_2_10: 30}
# Early-payment discount built into a terms code: (percent, days).
TERMS_DISCOUNT = {PaymentTerms.NET_30_2_10: (Decimal("2"), 10)}


def terms_due_date(invoice_date: datetime.date, terms: str) -> datetime.date:
    """Net 30/60/90 count from the invoice date; end of month is the last day of the month after it."""
    if terms == PaymentTerms.END_OF_MONTH:
        year, month = (invoice_date.year + 1, 1) if invoice_date.month == 12 else (invoice_date.year, invoice_date.month + 1)
        return datetime.date(year, month, calendar.monthrange(year, month)[1])
    return invoice_date + datetime.timedelta(days=TERMS_DAYS.get(terms, 60))


def terms_discount_deadline(*, invoice_date: datetime.date, terms: str, discount_days: int = 0) -> datetime.date | None:
    days = discount_days or TERMS_DISCOUNT.get(terms, (ZERO, 0))[1]
    return invoice_date + datetime.timedelta(days=days) if days else None


def terms_discount(
    *, amount: Decimal, invoice_date: datetime.date, terms: str, pay_date: datetime.date, discount_percent: Decimal = ZERO, discount_days: int = 0
) -> Decimal:
    """The early-payment discount earned when paying on `pay_date` (2/10 net 30: 2% within 10 days)."""
    percent = discount_percent or TERMS_DISCOUNT.get(terms, (ZERO, 0))[0]
    deadline = terms_discount_deadline(invoice_date=invoice_date, terms=terms, discount_days=discount_days)
    if not percent or deadline is None or pay_date > deadline:
        return ZERO
    return round_money(amount * percent / 100)


# Tolerances and match results -----------------------------------------------------------------------
class MatchTolerance(models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    over_percent = models.DecimalField(_("over-billing tolerance %"), **PERCENT, default=ZERO)
    over_absolute = models.DecimalField(_("over-billing tolerance amount"), **MONEY, default=ZERO)
    under_percent = models.DecimalField(_("under-billing warning %"), **PERCENT, default=ZERO)
    under_absolute = models.DecimalField(_("under-billing warning amount"), **MONEY, default=ZERO)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "marketplace"], name="uniq_match_tolerance", nulls_distinct=False),
            models.CheckConstraint(
                condition=Q(over_percent__gte=0, over_absolute__gte=0, under_percent__gte=0, under_absolute__gte=0),
                name="match_tolerance_not_negative",
            ),
        ]
        verbose_name = _("match tolerance")

    def __str__(self) -> str:
        return f"{self.vendor_id or '*'}/{self.marketplace_id or '*'} +{self.over_percent}%/{self.over_absolute}"


class MatchStatus(models.TextChoices):
    MATCHED = "matched", _("Matched")  # PO cost, receipt and invoice agree (within tolerance): pay by terms
    OVER_TOLERANCE = "over_tolerance", _("Over tolerance")  # billed above PO cost or received units: claims raised
    UNDER_BILLED = "under_billed", _("Under-billed")  # billed below the PO cost beyond tolerance: a warning only
    PENDING_RECEIPT = "pending_receipt", _("Waiting for receipt")  # nothing received yet: the invoice waits


class VarianceType(models.TextChoices):
    # financesInvoices VarianceReason.varianceType
    PQV = "PQV", _("Purchase quantity variance")
    PPV = "PPV", _("Purchase price variance")
    OTHER = "OTHER", _("Other")


def shortage_reason(*, shipped_quantity: int, previously_invoiced_quantity: int, invoiced_quantity: int) -> str:
    """PQV defect type: units billed that were shipped but not received are a shortage in transit."""
    return "SHORTAGES_IN_TRANSIT" if shipped_quantity >= previously_invoiced_quantity + invoiced_quantity else "OVERBILLING"


def price_reason(*, invoiced_cost: Decimal, po_cost: Decimal) -> str:
    """PPV defect type: a cent or less above the PO cost is rounding."""
    return "ROUNDING_ISSUES" if invoiced_cost - po_cost <= CENT else "PRODUCT_COST_NOT_REGISTERED"


NO_TOLERANCE = {"id": None, "over_percent": "0", "over_absolute": "0", "under_percent": "0", "under_absolute": "0"}


class MatchResult(models.Model):
    # Results are derived rows only the match engine writes, from the invoice line it has just joined, under
    # the invoice's lock; Django's on_delete deletes them with their line. Without database foreign keys a
    # sweep of 100,000 lines skips 200,000 deferred checks at commit (about 0.6 s; see bench/README.md).
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.CASCADE, related_name="match_results", db_constraint=False)
    invoice_line = models.OneToOneField("invoicing.InvoiceLine", on_delete=models.CASCADE, related_name="match_result", db_constraint=False)
    status = models.CharField(_("status"), max_length=20, choices=MatchStatus.choices)
    currency = models.CharField(_("currency"), max_length=3)
    po_cost = models.DecimalField(_("PO cost"), **MONEY)
    invoiced_cost = models.DecimalField(_("invoiced cost"), **MONEY)
    ordered_quantity = models.IntegerField(_("ordered"))
    shipped_quantity = models.IntegerField(_("shipped"), default=0)
    received_quantity = models.IntegerField(_("received"))
    invoiced_quantity = models.IntegerField(_("invoiced"))
    previously_invoiced_quantity = models.IntegerField(_("invoiced before"))
    shortage_units = models.IntegerField(_("units short"))
    # What accepted credit notes (quantity and price corrections) already took back from this line.
    credited_quantity = models.IntegerField(_("units credited"), default=0)
    credited_amount = models.DecimalField(_("price credited"), **MONEY, default=ZERO)
    price_claim = models.DecimalField(_("price claim"), **MONEY, default=ZERO)
    shortage_claim = models.DecimalField(_("shortage claim"), **MONEY, default=ZERO)
    tolerance = models.JSONField(_("tolerance applied"), default=dict)
    computed_at = models.DateTimeField(_("computed"))

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "invoice__vendor"
    tenancy_marketplace_field = "invoice__marketplace"

    class Meta:
        ordering = ["invoice_id", "invoice_line_id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=MatchStatus.values), name="match_result_status_valid")]
        verbose_name = _("match result")

    def __str__(self) -> str:
        return f"{self.invoice_line_id}: {self.status}"

    @property
    def matched_quantity(self) -> int:
        return self.invoiced_quantity - self.credited_quantity - self.shortage_units

    @property
    def price_variance(self) -> Decimal:
        return self.invoiced_cost - self.po_cost

    @property
    def variance_reasons(self) -> list[dict]:
        reasons = []
        if self.shortage_units > 0:
            reasons.append(
                {
                    "variance_type": "PQV",
                    "defect_types": [
                        shortage_reason(
                            shipped_quantity=self.shipped_quantity,
                            previously_invoiced_quantity=self.previously_invoiced_quantity,
                            invoiced_quantity=self.invoiced_quantity,
                        )
                    ],
                }
            )
        if self.invoiced_cost > self.po_cost:
            reasons.append({"variance_type": "PPV", "defect_types": [price_reason(invoiced_cost=self.invoiced_cost, po_cost=self.po_cost)]})
        return reasons

    @property
    def evidence(self) -> dict:
        """Every number the line was judged with, the tolerance applied and when."""
        return {
            "po_cost": str(self.po_cost),
            "invoiced_cost": str(self.invoiced_cost),
            "price_variance": str(self.price_variance),
            "ordered_quantity": self.ordered_quantity,
            "shipped_quantity": self.shipped_quantity,
            "received_quantity": self.received_quantity,
            "invoiced_quantity": self.invoiced_quantity,
            "previously_invoiced_quantity": self.previously_invoiced_quantity,
            "credited_quantity": self.credited_quantity,
            "credited_amount": str(self.credited_amount),
            "shortage_units": self.shortage_units,
            "price_claim": str(self.price_claim),
            "shortage_claim": str(self.shortage_claim),
            "tolerance": self.tolerance or NO_TOLERANCE,
            "currency": self.currency,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
        }


# Deductions -----------------------------------------------------------------------------------------
class DeductionKind(models.TextChoices):
    SHORTAGE_CLAIM = "shortage_claim", _("Shortage claim")  # PQV: billed more units than received
    PRICE_CLAIM = "price_claim", _("Price claim")  # PPV: billed above the PO cost
    CHARGEBACK = "chargeback", _("Chargeback")  # an operational fault (ASN, labels, delivery)
    COOP_ALLOWANCE = "coop_allowance", _("Co-op allowance")  # agreed in advance
    REVERSAL = "reversal", _("Reversal")  # money given back: a late receipt, a credit note or an upheld dispute


CLAIM_KINDS = (DeductionKind.SHORTAGE_CLAIM, DeductionKind.PRICE_CLAIM)


class DeductionReason(models.TextChoices):
    # PQV defect types (financesInvoices)
    OVERBILLING = "OVERBILLING", _("Overbilling")
    DUPLICATE_INVOICE = "DUPLICATE_INVOICE_DEFECT", _("Duplicate invoice")
    SHORTAGES_IN_TRANSIT = "SHORTAGES_IN_TRANSIT", _("Shortage in transit")
    UNRECOGNISED_ASIN = "UNRECOGNISED_ASIN", _("Unrecognised ASIN")
    # PPV defect types
    PRODUCT_COST_NOT_REGISTERED = "PRODUCT_COST_NOT_REGISTERED", _("Cost not registered")
    PRODUCT_COST_NOT_ACTIVE = "PRODUCT_COST_NOT_ACTIVE", _("Cost not active")
    ROUNDING_ISSUES = "ROUNDING_ISSUES", _("Rounding")
    DEALBUY = "DEALBUY", _("Deal cost not invoiced")
    OTHER = "OTHER", _("Other")
    # Chargeback categories
    ASN_MISSING = "asn_missing", _("ASN missing")
    ASN_LATE = "asn_late", _("ASN late")
    ASN_ACCURACY = "asn_accuracy", _("ASN accuracy")
    OVER_SHIPPED = "over_shipped", _("Unconfirmed or over-shipped units")
    LABEL_NON_COMPLIANCE = "label_non_compliance", _("Label non-compliance")
    LATE_DELIVERY = "late_delivery", _("Late delivery")
    CARTON_CONTENT = "carton_content", _("Carton content accuracy")
    NO_SHOW = "no_show", _("No-show")
    # Compliance rate card violations without an exact category above (compliance.models.VIOLATION_REASON)
    LATE_SHIPMENT = "late_shipment", _("Late shipment")
    OTIF = "otif", _("Not on time in full (OTIF)")
    NOT_FILLED = "not_filled", _("Units not filled")
    APPOINTMENT = "appointment", _("Late or missed appointment")
    # Co-op and reversals
    COOP_AGREEMENT = "coop_agreement", _("Co-op agreement")
    LATE_RECEIPT = "late_receipt", _("Units received later")
    PRICE_CORRECTED = "price_corrected", _("PO cost corrected")
    CREDITED = "credited", _("Credited by the vendor's credit note")
    DISPUTE_REVERSED = "dispute_reversed", _("Dispute approved")


CHARGEBACK_CATEGORIES = (
    DeductionReason.ASN_MISSING,
    DeductionReason.ASN_LATE,
    DeductionReason.ASN_ACCURACY,
    DeductionReason.OVER_SHIPPED,
    DeductionReason.LABEL_NON_COMPLIANCE,
    DeductionReason.LATE_DELIVERY,
    DeductionReason.CARTON_CONTENT,
    DeductionReason.NO_SHOW,
    DeductionReason.LATE_SHIPMENT,
    DeductionReason.OTIF,
    DeductionReason.NOT_FILLED,
    DeductionReason.APPOINTMENT,
)
# shipments.ComplianceEventKind -> chargeback category
COMPLIANCE_CATEGORY = {
    "asn_late": DeductionReason.ASN_LATE,
    "asn_missing": DeductionReason.ASN_MISSING,
    "over_shipped": DeductionReason.OVER_SHIPPED,
    "short_shipped": DeductionReason.ASN_ACCURACY,
    "appointment_missed": DeductionReason.NO_SHOW,
    "appointment_late": DeductionReason.LATE_DELIVERY,
    "label_missing": DeductionReason.LABEL_NON_COMPLIANCE,
    "label_unreadable": DeductionReason.LABEL_NON_COMPLIANCE,
}


class DeductionStatus(models.TextChoices):
    OPEN = "open", _("Open")  # raised; will be netted in the next payment run
    DISPUTED = "disputed", _("Disputed")  # the vendor disputes it; the retailer has not answered
    UPHELD = "upheld", _("Upheld")  # the dispute was denied: the deduction stands
    REVERSED = "reversed", _("Reversed")  # given back in full (dispute or late receipt)
    PARTLY_REVERSED = "partly_reversed", _("Partly reversed")  # part given back
    SETTLED = "settled", _("Settled")  # netted in a paid remittance, nothing pending on it


class DeductionQuerySet(VendorScopedQuerySet):
    def unsettled(self):
        return self.filter(remittance__isnull=True)


class Deduction(models.Model):
    # Written in bulk by the match: the vendor is indexed by deduction_by_vendor (which leads with it), and the
    # links most deductions leave empty are indexed only where set (see Meta).
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="deductions", db_index=False)
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=DeductionKind.choices)
    reason = models.CharField(_("reason"), max_length=40, choices=DeductionReason.choices)
    variance_type = models.CharField(_("variance type"), max_length=5, choices=VarianceType.choices, default=VarianceType.OTHER)
    amount = models.DecimalField(_("amount"), **MONEY)
    # What its reversals gave back so far (0 for a reversal itself): kept by whoever writes a reversal (the match
    # engine's SQL, a dispute's answer) in the same transaction, so lists and totals read it without a self-join.
    reversed_amount = models.DecimalField(_("reversed"), **MONEY, default=ZERO, db_default=ZERO)
    currency = models.CharField(_("currency"), max_length=3)
    description = models.CharField(_("description"), max_length=300, blank=True)
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="deductions")
    invoice_line = models.ForeignKey("invoicing.InvoiceLine", on_delete=models.PROTECT, null=True, blank=True, related_name="deductions")
    purchase_order = models.ForeignKey("purchase_orders.PurchaseOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="deductions")
    shipment = models.ForeignKey("shipments.Shipment", on_delete=models.PROTECT, null=True, blank=True, related_name="deductions", db_index=False)
    # Keeps Django's plain index: a migration dropping it would drop uniq_chargeback_per_event too (Django
    # finds the indexes to drop by column).
    compliance_event = models.ForeignKey("shipments.ComplianceEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="deductions")
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals", db_index=False)
    status = models.CharField(_("status"), max_length=20, choices=DeductionStatus.choices, default=DeductionStatus.OPEN)
    dispute_deadline = models.DateField(_("dispute by"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    remittance = models.ForeignKey("Remittance", on_delete=models.SET_NULL, null=True, blank=True, related_name="deductions", db_index=False)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeductionQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    REFERENCE_PREFIX = {
        DeductionKind.SHORTAGE_CLAIM: "SC",
        DeductionKind.PRICE_CLAIM: "PC",
        DeductionKind.CHARGEBACK: "CB",
        DeductionKind.COOP_ALLOWANCE: "CO",
        DeductionKind.REVERSAL: "RV",
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deduction_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=DeductionKind.values), name="deduction_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=DeductionStatus.values), name="deduction_status_valid"),
            models.CheckConstraint(condition=Q(kind=DeductionKind.REVERSAL) | Q(reverses__isnull=True), name="deduction_only_reversal_reverses"),
            models.CheckConstraint(
                condition=Q(reversed_amount__gte=0, reversed_amount__lte=models.F("amount")), name="deduction_reversed_within_amount"
            ),
            # One claim of each kind per invoice line: the match engine upserts on this key.
            models.UniqueConstraint(
                fields=["invoice_line", "kind"], condition=Q(kind__in=["shortage_claim", "price_claim"]), name="uniq_claim_per_invoice_line"
            ),
            models.UniqueConstraint(fields=["compliance_event"], condition=Q(kind="chargeback"), name="uniq_chargeback_per_event"),
        ]
        indexes = [
            # The vendor's list, and (index-only: the columns it sums) the payment summary's deductions by month.
            models.Index(fields=["vendor", "-created_at"], name="deduction_by_vendor", include=["kind", "currency", "amount", "marketplace"]),
            models.Index(fields=["-created_at", "-id"], name="deduction_list_retailer"),
            models.Index(fields=["vendor", "-id"], name="deduction_api_by_vendor"),  # the API's list, newest id first
            # The vendor's home count and list filter "still disputable": open claims by their dispute deadline.
            models.Index(fields=["vendor", "dispute_deadline"], name="deduction_disputable", condition=Q(status="open") & ~Q(kind="reversal")),
            models.Index(fields=["vendor", "remittance"], name="deduction_unsettled", condition=Q(remittance__isnull=True)),
            models.Index(fields=["shipment"], name="deduction_by_shipment", condition=Q(shipment__isnull=False)),
            models.Index(fields=["reverses"], name="deduction_by_reversed", condition=Q(reverses__isnull=False)),
            models.Index(fields=["remittance"], name="deduction_by_remittance", condition=Q(remittance__isnull=False)),
        ]
        verbose_name = _("deduction")

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.REFERENCE_PREFIX.get(self.kind, 'DD')}-{self.pk:06d}" if self.pk else ""

    @property
    def sign(self) -> int:
        """+1 when the money goes to the vendor (a reversal), -1 when it is taken."""
        return 1 if self.kind == DeductionKind.REVERSAL else -1

    @property
    def remaining_amount(self):
        """What still stands after its reversals."""
        return self.amount - self.reversed_amount

    @property
    def dispute_days_left(self) -> int | None:
        """Days until its dispute window closes (0: the last day, negative: closed), in its marketplace's
        calendar; None when there is nothing to dispute (a reversal, disputed now, reversed in full)."""
        if self.kind == DeductionKind.REVERSAL or self.dispute_deadline is None:
            return None
        if self.status in (DeductionStatus.DISPUTED, DeductionStatus.REVERSED):
            return None
        return (self.dispute_deadline - marketplace_today(self.marketplace)).days


class DeductionMonth(models.Model):
    """What deductions came to per vendor, marketplace, month (in UTC), kind and currency: the payment summary's
    months read these few rows instead of every deduction of the period.

    A database trigger (migration 0008) appends a row per statement and group whenever deductions are inserted,
    changed (an amount grown, a date, a kind) or deleted, with the signed change in count and amount; a month's
    totals are the sum of its rows. Appending, not updating one row per month, keeps concurrent writers of the
    same vendor (the match engine, a dispute's answer) from waiting on each other, and no code path can forget it.
    """

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="+", db_index=False)
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+", db_index=False)
    month = models.DateField(_("month"))  # its first day, in UTC
    kind = models.CharField(_("kind"), max_length=20, choices=DeductionKind.choices)
    currency = models.CharField(_("currency"), max_length=3)
    count = models.IntegerField(_("count"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    class Meta:
        indexes = [models.Index(fields=["vendor", "month"], name="deduction_month_by_vendor")]
        verbose_name = _("deductions of a month")

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.month:%Y-%m} {self.kind} {self.count} {self.amount} {self.currency}"


class ChargebackRate(models.Model):
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("category"), max_length=40, choices=[(c.value, c.label) for c in CHARGEBACK_CATEGORIES])
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "category"], name="uniq_chargeback_rate"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="chargeback_rate_positive"),
        ]
        verbose_name = _("chargeback rate")

    def __str__(self) -> str:
        return f"{self.marketplace_id} {self.category} {self.amount} {self.currency}"


class DisputeWindow(models.Model):
    """How long (days from the deduction) and how often a deduction of `kind` may be disputed."""

    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("deduction kind"), max_length=20, choices=DeductionKind.choices)
    days = models.PositiveIntegerField(_("days"), default=30)
    max_disputes = models.PositiveIntegerField(_("disputes allowed"), default=2)

    DEFAULT_DAYS = 30
    DEFAULT_MAX = 2

    class Meta:
        constraints = [models.UniqueConstraint(fields=["marketplace", "kind"], name="uniq_dispute_window", nulls_distinct=False)]
        verbose_name = _("dispute window")

    def __str__(self) -> str:
        return f"{self.marketplace_id or '*'} {self.kind}: {self.days} days, {self.max_disputes}x"


# Disputes -------------------------------------------------------------------------------------------
class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")  # waiting for the retailer's answer
    UPHELD = "upheld", _("Denied")  # the deduction is upheld: the dispute is denied
    REVERSED = "reversed", _("Reversed")  # the deduction is given back in full
    PARTLY_REVERSED = "partly_reversed", _("Partly reversed")  # part of it given back


class Dispute(models.Model):
    deduction = models.ForeignKey(Deduction, on_delete=models.PROTECT, related_name="disputes")
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("dispute"))  # 1st, 2nd, ... dispute of this deduction
    reason = models.TextField(_("reason"))
    evidence = models.ManyToManyField("vendor_portal.Document", blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    amount_reversed = models.DecimalField(_("amount reversed"), **MONEY, default=ZERO)
    reversal = models.ForeignKey(Deduction, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answer_note = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_marketplace_field = "deduction__marketplace"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["deduction", "number"], name="uniq_dispute_number"),
            models.UniqueConstraint(fields=["deduction"], condition=Q(status="open"), name="one_open_dispute_per_deduction"),
            models.CheckConstraint(condition=Q(status__in=DisputeStatus.values), name="dispute_status_valid"),
            models.CheckConstraint(condition=Q(amount_reversed__gte=0), name="dispute_amount_not_negative"),
        ]
        indexes = [
            # Accounts payable's queue (open disputes, oldest first) and every dispute, newest first.
            models.Index(fields=["created_at", "id"], name="dispute_queue", condition=Q(status="open")),
            models.Index(fields=["-created_at", "-id"], name="dispute_recent"),
        ]
        verbose_name = _("dispute")

    def __str__(self) -> str:
        return f"{self.deduction} #{self.number}"


# Payment runs and remittances -----------------------------------------------------------------------
class PaymentRunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being put together
    PENDING_APPROVAL = "pending_approval", _("Pending approval")  # a second person must approve
    APPROVED = "approved", _("Approved")  # approved; the payment can be sent
    PAID = "paid", _("Paid")  # sent: invoices paid, deductions settled, remittances issued
    CANCELLED = "cancelled", _("Cancelled")  # turned down or withdrawn: its invoices and deductions are free again


class PaymentRunQuerySet(VendorScopedQuerySet):
    def visible_to(self, scope):
        # Retailer-only: a vendor sees its remittances, never the run.
        if scope is None or not scope.is_retailer:
            return self.none()
        return self.all()


class PaymentRun(StateMachine, models.Model):
    number = models.CharField(_("number"), max_length=30, unique=True)
    pay_date = models.DateField(_("pay date"))
    status = models.CharField(_("status"), max_length=20, choices=PaymentRunStatus.choices, default=PaymentRunStatus.DRAFT)
    approval_request = models.ForeignKey("vendor_portal.ApprovalRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentRunQuerySet.as_manager()

    state_field = "status"
    TRANSITIONS = {
        PaymentRunStatus.DRAFT: {PaymentRunStatus.PENDING_APPROVAL, PaymentRunStatus.CANCELLED},
        PaymentRunStatus.PENDING_APPROVAL: {PaymentRunStatus.APPROVED, PaymentRunStatus.CANCELLED},
        PaymentRunStatus.APPROVED: {PaymentRunStatus.PAID, PaymentRunStatus.CANCELLED},
        PaymentRunStatus.PAID: set(),
        PaymentRunStatus.CANCELLED: set(),
    }

    class Meta:
        ordering = ["-pay_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PaymentRunStatus.values), name="payment_run_status_valid"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("created_by")), name="payment_run_not_self_approved"
            ),
        ]
        verbose_name = _("payment run")

    def __str__(self) -> str:
        return self.number


class RemittanceQuerySet(VendorScopedQuerySet):
    def visible_to(self, scope):
        queryset = super().visible_to(scope)
        if scope is not None and not scope.is_retailer:
            queryset = queryset.filter(run__status=PaymentRunStatus.PAID)  # vendors meet a remittance once it is paid
        return queryset


class Remittance(models.Model):
    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="remittances")
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="remittances")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("remittance number"), max_length=40, unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    gross_paid = models.DecimalField(_("invoices paid"), **MONEY, default=ZERO)
    deductions_total = models.DecimalField(_("deductions"), **MONEY, default=ZERO)
    reversals_total = models.DecimalField(_("reversals"), **MONEY, default=ZERO)
    discounts_total = models.DecimalField(_("early-payment discounts"), **MONEY, default=ZERO)
    credit_notes_total = models.DecimalField(_("credit notes"), **MONEY, default=ZERO)
    net_amount = models.DecimalField(_("net paid"), **MONEY, default=ZERO)
    pay_date = models.DateField(_("pay date"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    document = models.ForeignKey("vendor_portal.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RemittanceQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    class Meta:
        ordering = ["-pay_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "vendor", "marketplace"], name="uniq_remittance_per_run_vendor"),
            # net = gross - deductions + reversals - discounts - credit notes, and never negative (the rest carries over)
            # The amounts have two decimal places and numeric is exact: the rounding to the cent changes nothing.
            models.CheckConstraint(
                condition=Q(
                    net_amount=Round(
                        models.F("gross_paid")
                        - models.F("deductions_total")
                        + models.F("reversals_total")
                        - models.F("discounts_total")
                        - models.F("credit_notes_total"),
                        2,
                    )
                ),
                name="remittance_net_adds_up",
            ),
            models.CheckConstraint(condition=Q(credit_notes_total__gte=0), name="remittance_credit_notes_not_negative"),
            models.CheckConstraint(condition=Q(net_amount__gte=0), name="remittance_net_not_negative"),
        ]
        indexes = [models.Index(fields=["vendor", "-pay_date"], name="remittance_by_vendor")]
        verbose_name = _("remittance")

    def __str__(self) -> str:
        return self.number

    @property
    def document_key(self) -> str:
        return f"remittances/{self.pk}/remittance-{self.number}.pdf"


class RemittanceLineKind(models.TextChoices):
    INVOICE_PAID = "invoice_paid", _("Invoice paid")
    DEDUCTION = "deduction", _("Deduction")
    REVERSAL = "reversal", _("Reversal")
    DISCOUNT = "discount", _("Early-payment discount")
    CREDIT_NOTE = "credit_note", _("Credit note")  # a vendor's credit note netted (in full or in part)


class RemittanceLine(models.Model):
    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="lines")
    sequence = models.PositiveIntegerField(_("line"))
    kind = models.CharField(_("kind"), max_length=20, choices=RemittanceLineKind.choices)
    reference = models.CharField(_("reference"), max_length=60)
    description = models.CharField(_("description"), max_length=300, blank=True)
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="remittance_lines")
    deduction = models.ForeignKey(Deduction, on_delete=models.PROTECT, null=True, blank=True, related_name="remittance_lines")
    amount = models.DecimalField(_("amount"), **MONEY)  # signed: what it adds to the payment

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "remittance__vendor"
    tenancy_marketplace_field = "remittance__marketplace"

    class Meta:
        ordering = ["remittance_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["remittance", "sequence"], name="uniq_remittance_line_sequence"),
            models.CheckConstraint(condition=Q(kind__in=RemittanceLineKind.values), name="remittance_line_kind_valid"),
        ]
        verbose_name = _("remittance line")

    def __str__(self) -> str:
        return f"{self.remittance_id}/{self.sequence} {self.reference} {self.amount}"
