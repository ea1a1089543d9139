"""Shapes of /api/v1/ deductions, disputes, payments (remittances), payment runs and the payment summary.

snake_case; money is a decimal string beside its `currency`. Deductions and match results carry
financesInvoices' facts: `variance_type` (PQV/PPV/OTHER) and `variance_reasons`
([{"variance_type", "defect_types"}]), `matching_context` (matched quantity/amount, quantity and price
variance, paid quantity/amount)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shipments.api.serializers import JobSerializer
from vendor_portal.api.output import OutputSerializer
from vendor_portal.models import JobStatus
from vendor_portal.money import round_money

from ..models import DeductionKind, DeductionReason, DeductionStatus, DisputeStatus, RemittanceLineKind, VarianceType

MONEY = {"max_digits": 16, "decimal_places": 2}
ID = {"min_value": 1, "max_value": 2**63 - 1}


# Query parameters: checked, so a wrong value is a 400 naming the parameter, never ignored or a 500.
class DeductionFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DeductionKind.values, required=False)
    status = serializers.ChoiceField(choices=DeductionStatus.values, required=False)
    reason = serializers.ChoiceField(choices=DeductionReason.values, required=False, help_text="A defect type or chargeback category.")
    variance_type = serializers.ChoiceField(choices=VarianceType.values, required=False)
    marketplace = serializers.CharField(required=False, max_length=10, help_text="Marketplace code, e.g. US.")
    invoice = serializers.IntegerField(required=False, **ID, help_text="Invoice id.")
    invoice_number = serializers.CharField(required=False, max_length=40)
    purchase_order = serializers.CharField(required=False, max_length=20, help_text="PO number.")
    unsettled = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="true: not yet netted in a payment run.")
    disputable = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="true: open to a dispute today.")
    created_after = serializers.DateField(required=False)
    created_before = serializers.DateField(required=False)
    vendor = serializers.CharField(required=False, max_length=20, help_text="Vendor code (retailer only).")


class DisputeFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DisputeStatus.values, required=False)


class RemittanceFilterSerializer(serializers.Serializer):
    marketplace = serializers.CharField(required=False, max_length=10, help_text="Marketplace code.")
    pay_date_from = serializers.DateField(required=False)
    pay_date_to = serializers.DateField(required=False)
    run = serializers.IntegerField(required=False, **ID, help_text="Payment run id (retailer only).")
    vendor = serializers.CharField(required=False, max_length=20, help_text="Vendor code (retailer only).")


class PaymentSummaryFilterSerializer(serializers.Serializer):
    marketplace = serializers.CharField(required=False, max_length=10, help_text="Marketplace code.")
    period_start = serializers.DateField(required=False, help_text="Default: the first day of the month eleven months before period_end.")
    period_end = serializers.DateField(required=False, help_text="Default: today.")
    vendor = serializers.CharField(required=False, max_length=20, help_text="Vendor code (retailer only).")

    def validate(self, data):
        if data.get("period_start") and data.get("period_end") and data["period_start"] > data["period_end"]:
            raise serializers.ValidationError({"period_end": _("The period ends before it starts.")}, code="invalid_period")
        return data


class MatchResultFilterSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(**ID, help_text="Invoice id.")


class PaymentRunPreviewFilterSerializer(serializers.Serializer):
    pay_date = serializers.DateField(required=False, help_text="Default: today. Not in the past, at most a year ahead.")
    marketplace = serializers.CharField(
        required=False, max_length=10, help_text="A marketplace code: only its invoices, deductions and credit notes."
    )
    vendor = serializers.CharField(required=False, max_length=20, help_text="A vendor code: only that vendor's remittances.")


def variance_reasons(deduction) -> list[dict]:
    if deduction.variance_type in (VarianceType.PQV, VarianceType.PPV):
        return [{"variance_type": deduction.variance_type, "defect_types": [deduction.reason]}]
    return []


class VarianceReasonSerializer(serializers.Serializer):
    variance_type = serializers.ChoiceField(choices=VarianceType.choices)
    defect_types = serializers.ListField(child=serializers.CharField())


class DeductionSerializer(OutputSerializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    vendor = serializers.CharField(source="vendor.code")
    marketplace = serializers.CharField(source="marketplace.code")
    kind = serializers.CharField()
    reason = serializers.CharField()
    reason_label = serializers.CharField(source="get_reason_display")
    variance_type = serializers.CharField()
    variance_reasons = serializers.SerializerMethodField()
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    reversed_amount = serializers.SerializerMethodField()
    remaining_amount = serializers.SerializerMethodField()
    status = serializers.CharField()
    description = serializers.CharField()
    invoice_id = serializers.IntegerField(allow_null=True)
    invoice_number = serializers.SerializerMethodField()
    invoice_line_id = serializers.IntegerField(allow_null=True)
    purchase_order_number = serializers.SerializerMethodField()
    shipment_id = serializers.IntegerField(allow_null=True)
    reverses_id = serializers.IntegerField(allow_null=True)
    reverses_reference = serializers.SerializerMethodField()
    dispute_deadline = serializers.DateField(allow_null=True)
    disputable = serializers.SerializerMethodField()
    remittance_number = serializers.SerializerMethodField()
    settled_at = serializers.DateTimeField(allow_null=True)
    evidence = serializers.JSONField()
    created_at = serializers.DateTimeField()

    def get_variance_reasons(self, obj) -> list[dict]:
        return VarianceReasonSerializer(variance_reasons(obj), many=True).data

    def get_reversed_amount(self, obj) -> str:
        return f"{obj.reversed_amount:.2f}"

    def get_remaining_amount(self, obj) -> str:
        return f"{obj.remaining_amount:.2f}"

    def get_invoice_number(self, obj) -> str | None:
        return obj.invoice.number if obj.invoice_id else None

    def get_purchase_order_number(self, obj) -> str | None:
        return obj.purchase_order.number if obj.purchase_order_id else None

    def get_reverses_reference(self, obj) -> str | None:
        return obj.reverses.reference if obj.reverses_id else None

    def get_disputable(self, obj) -> bool:
        days_left = obj.dispute_days_left  # in its marketplace's calendar, as the screens count it
        return days_left is not None and days_left >= 0

    def get_remittance_number(self, obj) -> str | None:
        return obj.remittance.number if obj.remittance_id else None


class EvidenceDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj) -> str:
        return f"/api/v1/documents/{obj.pk}/download"


class DisputeSerializer(OutputSerializer):
    id = serializers.IntegerField()
    deduction_id = serializers.IntegerField()
    deduction_reference = serializers.CharField(source="deduction.reference")
    number = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField()
    amount_reversed = serializers.DecimalField(**MONEY)
    currency = serializers.CharField(source="deduction.currency")
    reversal_id = serializers.IntegerField(allow_null=True)
    answer_note = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    evidence = EvidenceDocumentSerializer(many=True, source="evidence.all")


class DisputeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)
    evidence = serializers.ListField(child=serializers.FileField(), required=False, help_text="PDF, JPEG or PNG, at most 5 MB each, 10 files.")
    packet = serializers.IntegerField(
        required=False,
        allow_null=True,
        **ID,
        help_text=(
            "The dispute packet's document id (`document.id` of GET .../dispute-packet/): the dispute is filed with the packet and "
            "the files attached to the deduction, as the screen's *File dispute* does. It must be the packet of this dispute."
        ),
    )


# The evidence locker and the dispute packet -----------------------------------------------------------
# The API resource that shows an evidence item's source record, by its model label (none: no such endpoint).
SOURCE_URL_NAMES = {
    "shipments.shipment": "shipment-detail",
    "shipments.receipt": "receipt-detail",
    "appointments.appointment": "appointment-api-detail",
    "invoicing.invoice": "invoice-detail",
    "reconciliation.deduction": "deduction-detail",
    "vendor_portal.auditevent": "audit-event-detail",
}


class EvidenceSourceSerializer(serializers.Serializer):
    type = serializers.CharField(
        help_text="The source record's kind: shipments.shipment, shipments.receipt, shipments.complianceevent, appointments.appointment, "
        "invoicing.invoice, reconciliation.deduction, reconciliation.matchresult or vendor_portal.auditevent (an ASN transmission)."
    )
    id = serializers.IntegerField()
    url = serializers.CharField(
        allow_null=True, help_text="Its /api/v1/ resource, when the API has one (your role or scopes decide if you may read it)."
    )


class EvidenceItemSerializer(serializers.Serializer):
    """One item of the locker (reconciliation.evidence.EvidenceItem), as the deduction's page lists it."""

    kind = serializers.CharField(
        help_text="compliance_event, asn_transmission, bill_of_lading, label_render, packing_list, appointment, "
        "carton_scan, receipt, invoice, match or attachment."
    )
    kind_label = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    occurred_at = serializers.DateTimeField(allow_null=True, help_text="When it happened (ISO 8601 with the offset); null: no time known.")
    source = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(help_text="The file, where the item is a stored document.")

    @extend_schema_field(EvidenceSourceSerializer(allow_null=True))
    def get_source(self, item) -> dict | None:
        if not item.source_type or item.source_id is None:
            return None
        name = SOURCE_URL_NAMES.get(item.source_type)
        url = reverse(name, args=[item.source_id]) if name else None
        return {"type": item.source_type, "id": item.source_id, "url": url}

    @extend_schema_field(EvidenceDocumentSerializer(allow_null=True))
    def get_document(self, item) -> dict | None:
        return EvidenceDocumentSerializer(item.document).data if item.document is not None else None

    def get_download_url(self, item) -> str | None:
        return reverse("document-download", args=[item.document.pk]) if item.document is not None else None


class DisputePacketSerializer(serializers.Serializer):
    """The deduction's newest dispute packet: the job that builds it and, once it succeeded, the PDF/A."""

    dispute_number = serializers.IntegerField(help_text="The dispute the packet is for (1 for the first).")
    status = serializers.ChoiceField(choices=JobStatus.choices, help_text="The job's status: the document is there once it succeeded.")
    job = JobSerializer()
    document = EvidenceDocumentSerializer(allow_null=True)
    download_url = serializers.CharField(allow_null=True)
    dispute_id = serializers.IntegerField(allow_null=True, help_text="The dispute filed with this packet, once it was filed.")


class DisputeAnswerSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[DisputeStatus.UPHELD, DisputeStatus.REVERSED, DisputeStatus.PARTLY_REVERSED])
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True, help_text="Required for partly_reversed.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


LINE_KINDS = ", ".join(RemittanceLineKind.values)


class RemittanceLineSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    kind = serializers.CharField(help_text=f"One of {LINE_KINDS}. Amounts are signed: what the line adds to the payment.")
    reference = serializers.CharField()
    description = serializers.CharField()
    invoice_id = serializers.IntegerField(allow_null=True)
    deduction_id = serializers.IntegerField(allow_null=True)
    amount = serializers.DecimalField(**MONEY)


class RemittanceSerializer(OutputSerializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    vendor = serializers.CharField(source="vendor.code")
    marketplace = serializers.CharField(source="marketplace.code")
    pay_date = serializers.DateField()
    paid_at = serializers.DateTimeField(allow_null=True)
    currency = serializers.CharField()
    gross_paid = serializers.DecimalField(**MONEY)
    deductions_total = serializers.DecimalField(**MONEY)
    reversals_total = serializers.DecimalField(**MONEY)
    discounts_total = serializers.DecimalField(**MONEY)
    credit_notes_total = serializers.DecimalField(**MONEY)
    net_amount = serializers.DecimalField(**MONEY)
    document_url = serializers.SerializerMethodField()
    lines = RemittanceLineSerializer(many=True, source="lines.all")

    def get_document_url(self, obj) -> str:
        return f"/api/v1/payments/{obj.pk}/document"


class RemittanceSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    vendor = serializers.CharField(source="vendor.code")
    marketplace = serializers.CharField(source="marketplace.code")
    currency = serializers.CharField()
    net_amount = serializers.DecimalField(**MONEY)


class PaymentRunSerializer(OutputSerializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    pay_date = serializers.DateField()
    status = serializers.CharField()
    approval_request_id = serializers.IntegerField(allow_null=True)
    created_by = serializers.CharField(source="created_by.username")
    approved_by = serializers.SerializerMethodField()
    approved_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    remittances = RemittanceSummarySerializer(many=True, source="remittances.all")

    def get_approved_by(self, obj) -> str | None:
        return obj.approved_by.username if obj.approved_by_id else None


class PaymentRunInputSerializer(serializers.Serializer):
    pay_date = serializers.DateField(help_text="Not in the past, at most a year ahead.")
    marketplace = serializers.CharField(required=False, allow_blank=True, max_length=10, help_text="A marketplace code to pay only its invoices.")


class _PreviewInvoice(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    invoice_date = serializers.DateField()
    due_date = serializers.DateField(allow_null=True)
    amount = serializers.DecimalField(**MONEY)
    discount = serializers.DecimalField(**MONEY, help_text="The early-payment discount taken on it.")


class _PreviewDeduction(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    reason = serializers.CharField()
    description = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    reverses_reference = serializers.CharField(allow_null=True)


class _PreviewCreditNote(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    invoice_date = serializers.DateField()
    credited_invoice = serializers.CharField(allow_null=True)
    open_amount = serializers.DecimalField(**MONEY, help_text="Not yet netted before this run.")
    applied_amount = serializers.DecimalField(**MONEY, help_text="Netted by this run.")
    carried_forward = serializers.DecimalField(**MONEY, help_text="Left for the next runs.")


class PaymentRunPreviewRemittanceSerializer(serializers.Serializer):
    vendor = serializers.CharField(source="vendor.code")
    marketplace = serializers.CharField(source="marketplace.code")
    currency = serializers.CharField()
    gross_paid = serializers.DecimalField(**MONEY)
    deductions_total = serializers.DecimalField(**MONEY)
    reversals_total = serializers.DecimalField(**MONEY)
    discounts_total = serializers.DecimalField(**MONEY)
    credit_notes_total = serializers.DecimalField(**MONEY)
    net_amount = serializers.DecimalField(**MONEY)
    credit_carried_forward = serializers.DecimalField(**MONEY, help_text="Credit notes left to net in later runs.")
    invoices = _PreviewInvoice(many=True, help_text="Invoices due by the pay date, paid in full.")
    deductions = _PreviewDeduction(many=True, help_text="Deductions netted.")
    reversals = _PreviewDeduction(many=True, help_text="Reversals paid back.")
    credit_notes = _PreviewCreditNote(many=True, help_text="Open credit notes, netted in full, in part or not at all.")
    carried_over = _PreviewDeduction(many=True, help_text="Deductions that do not fit this payment: netted in a later run.")
    lines = RemittanceLineSerializer(many=True, help_text="The remittance lines the run would write; they sum to net_amount.")


class _RemittanceTotals(serializers.Serializer):
    """The sums of remittances in one currency: what a run would pay (preview) or what was paid (summary)."""

    currency = serializers.CharField()
    remittances = serializers.IntegerField()
    gross_paid = serializers.DecimalField(**MONEY)
    deductions_total = serializers.DecimalField(**MONEY)
    reversals_total = serializers.DecimalField(**MONEY)
    discounts_total = serializers.DecimalField(**MONEY)
    credit_notes_total = serializers.DecimalField(**MONEY)
    net_amount = serializers.DecimalField(**MONEY)


class _PreviewTotal(_RemittanceTotals):
    pass


class _PreviewHeld(serializers.Serializer):
    vendor = serializers.CharField(source="vendor.code")
    marketplace = serializers.CharField(source="marketplace.code")
    currency = serializers.CharField()
    net_amount = serializers.DecimalField(**MONEY)
    reason = serializers.CharField(help_text="new_bank_details: the vendor's bank details changed within the payment hold.")
    held_until = serializers.DateTimeField()


class PaymentRunPreviewSerializer(serializers.Serializer):
    pay_date = serializers.DateField()
    remittances = PaymentRunPreviewRemittanceSerializer(many=True)
    totals = _PreviewTotal(many=True, help_text="Per currency.")
    held = _PreviewHeld(
        many=True, required=False, help_text="Remittances a run on this date does not pay yet (held: new bank details); paid in the first run after."
    )


class PaymentRunDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class MatchRunInputSerializer(serializers.Serializer):
    invoice_id = serializers.IntegerField(required=False, allow_null=True, **ID, help_text="Omit to match every open invoice and raise chargebacks.")


class MatchSummarySerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    claims_raised = serializers.IntegerField()
    claims_updated = serializers.IntegerField()
    reversals = serializers.IntegerField()
    approved_for_payment = serializers.IntegerField()
    on_hold = serializers.IntegerField()


class MatchResultSerializer(serializers.Serializer):
    invoice_id = serializers.IntegerField()
    invoice_line_id = serializers.IntegerField()
    sequence = serializers.IntegerField(source="invoice_line.sequence")
    status = serializers.CharField()
    currency = serializers.CharField()
    po_cost = serializers.DecimalField(**MONEY)
    invoiced_cost = serializers.DecimalField(**MONEY)
    ordered_quantity = serializers.IntegerField()
    received_quantity = serializers.IntegerField()
    invoiced_quantity = serializers.IntegerField()
    previously_invoiced_quantity = serializers.IntegerField()
    price_claim = serializers.DecimalField(**MONEY)
    shortage_claim = serializers.DecimalField(**MONEY)
    credited_quantity = serializers.IntegerField(help_text="Units accepted credit notes (quantity corrections) took back from the line.")
    credited_amount = serializers.DecimalField(**MONEY, help_text="What accepted credit notes (price corrections) took back from the line.")
    matching_context = serializers.SerializerMethodField()
    evidence = serializers.JSONField()
    computed_at = serializers.DateTimeField()

    def get_matching_context(self, obj) -> dict:
        """financesInvoices MatchingContext, in snake_case."""
        matched = obj.matched_quantity
        return {
            "matched_quantity": matched,
            "matched_amount": {"amount": str(round_money(obj.invoiced_cost * matched)), "currency": obj.currency},
            "quantity_variance": obj.shortage_units,
            "price_variance": {"amount": str(round_money(obj.invoiced_cost - obj.po_cost)), "currency": obj.currency},
            "variance_reasons": obj.variance_reasons,
        }


class _CurrencyAmount(serializers.Serializer):
    currency = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class _OpenInvoices(_CurrencyAmount):
    state = serializers.CharField()


class _Aging(_CurrencyAmount):
    bucket = serializers.CharField()


class _Paid(_RemittanceTotals):
    pass


class _DeductionMonth(_CurrencyAmount):
    month = serializers.DateField()
    kind = serializers.CharField()


class _DeductionKind(_CurrencyAmount):
    kind = serializers.CharField()


class _Unsettled(serializers.Serializer):
    currency = serializers.CharField()
    deductions = serializers.DecimalField(**MONEY)
    reversals = serializers.DecimalField(**MONEY)
    net = serializers.DecimalField(**MONEY)


class _CashWeek(_CurrencyAmount):
    week_start = serializers.DateField()


class PaymentSummarySerializer(serializers.Serializer):
    today = serializers.DateField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    currencies = serializers.ListField(child=serializers.CharField())
    open_invoices = _OpenInvoices(many=True)
    aging = _Aging(many=True)
    paid = _Paid(many=True)
    open_credit_notes = _CurrencyAmount(many=True, help_text="Credit notes accepted and not yet netted in full: the amount left to net.")
    deductions_by_month = _DeductionMonth(many=True)
    deductions_by_kind = _DeductionKind(many=True)
    unsettled_deductions = _Unsettled(many=True)
    open_disputes = _CurrencyAmount(many=True)
    cash_expected_by_week = _CashWeek(many=True)
