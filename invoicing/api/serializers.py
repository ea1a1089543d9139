from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vendor_portal.api.output import PlannedListSerializer

from ..models import ChargeKind, CreditNoteReason, Invoice, InvoiceCharge, InvoiceLine, InvoiceState, InvoiceTax, InvoiceType


class InvoiceLineSerializer(serializers.ModelSerializer):
    po_line_sequence = serializers.IntegerField(source="purchase_order_line.sequence", read_only=True, allow_null=True, default=None)

    class Meta:
        model = InvoiceLine
        fields = [
            "sequence",
            "purchase_order_number",
            "po_line_sequence",
            "credited_line",
            "asin",
            "vendor_sku",
            "title",
            "quantity",
            "unit_of_measure",
            "unit_size",
            "unit_cost",
            "line_amount",
            "tax_type",
            "tax_rate",
            "tax_amount",
            "id",
        ]


class InvoiceChargeSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceCharge
        fields = ["kind", "charge_type", "description", "amount", "tax_type", "tax_rate", "tax_amount"]


class InvoiceTaxSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceTax
        fields = ["tax_type", "rate", "taxable_amount", "amount"]


HEADER = [
    "id",
    "number",
    "invoice_type",
    "state",
    "invoice_date",
    "due_date",
    "currency",
    "marketplace",
    "vendor",
    "source",
    "purchase_order_number",
    "shipment_id",
    "shipment_identifier",
    "items_subtotal",
    "charges_total",
    "allowances_total",
    "tax_total",
    "grand_total",
    "submitted_at",
    "rejection_reason",
    "approval_request",
]


class InvoiceListSerializer(serializers.ModelSerializer):
    marketplace = serializers.CharField(source="marketplace.code")
    vendor = serializers.CharField(source="vendor.code")
    purchase_order_number = serializers.CharField(source="purchase_order.number", default=None)
    line_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Invoice
        fields = [*HEADER, "line_count"]
        list_serializer_class = PlannedListSerializer


class InvoiceDetailSerializer(InvoiceListSerializer):
    reference_invoice_number = serializers.CharField(source="reference_invoice.number", default=None, allow_null=True)
    lines = InvoiceLineSerializer(many=True)
    charges = InvoiceChargeSerializer(many=True)
    taxes = InvoiceTaxSerializer(many=True)

    class Meta:
        model = Invoice
        fields = [
            *HEADER,
            "payment_terms",
            "discount_percent",
            "discount_due_days",
            "remit_to_party_id",
            "remit_to_address",
            "ship_from_party_id",
            "ship_from_address",
            "bill_to_party_id",
            "bill_to_address",
            "ship_to_party_id",
            "remit_to_tax_id",
            "bill_to_tax_id",
            "reference_invoice_number",
            "credit_reason",
            "credit_reference",
            "lines",
            "charges",
            "taxes",
        ]


# Inputs: documented here; api/inputs.py reads the body into the services' input field by field.
class LineInputSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(min_value=1, required=False)
    purchase_order_number = serializers.CharField(required=False, help_text="Required on every line of an Invoice.")
    po_line_sequence = serializers.IntegerField(required=False, help_text="The PO line; or give asin / vendor_sku.")
    asin = serializers.CharField(required=False)
    vendor_sku = serializers.CharField(required=False)
    quantity = serializers.IntegerField(min_value=1)
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text="Defaults to the PO net cost.")
    tax_type = serializers.CharField(required=False)
    tax_rate = serializers.DecimalField(max_digits=7, decimal_places=4, required=False)
    tax_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text="Defaults to amount × rate.")
    credited_line = serializers.IntegerField(required=False, help_text="Credit notes: the id of the credited invoice line.")


class ChargeInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChargeKind.choices)
    charge_type = serializers.CharField(help_text="Amazon's ChargeDetails / AllowanceDetails type, e.g. Freight, Discount.")
    description = serializers.CharField(required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax_type = serializers.CharField(required=False)
    tax_rate = serializers.DecimalField(max_digits=7, decimal_places=4, required=False)
    tax_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)


class TaxInputSerializer(serializers.Serializer):
    tax_type = serializers.CharField()
    rate = serializers.DecimalField(max_digits=7, decimal_places=4, required=False)
    taxable_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class InvoiceInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    invoice_type = serializers.ChoiceField(choices=InvoiceType.choices, required=False)
    invoice_date = serializers.DateField(required=False)
    marketplace = serializers.CharField(required=False, help_text="Defaults to the first PO's marketplace.")
    currency = serializers.CharField(required=False, help_text="Defaults to the first PO's currency.")
    payment_terms = serializers.CharField(required=False)
    reference_invoice_number = serializers.CharField(required=False, help_text="Credit notes only.")
    credit_reason = serializers.ChoiceField(choices=CreditNoteReason.choices, required=False)
    lines = LineInputSerializer(many=True)
    charges = ChargeInputSerializer(many=True, required=False)
    taxes = TaxInputSerializer(many=True, required=False, help_text="Header taxes; derived from the lines when left out.")
    grand_total = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text="Stated total; computed when left out.")


class PreflightInputSerializer(serializers.Serializer):
    invoice_id = serializers.IntegerField(help_text="A stored invoice; or send a whole draft payload instead.")


class FromPurchaseOrderSerializer(serializers.Serializer):
    po_number = serializers.CharField()
    number = serializers.CharField(required=False, help_text="Invoice number; INV-<PO number> when left out.")


class FromShipmentSerializer(serializers.Serializer):
    shipment_id = serializers.IntegerField()
    number = serializers.CharField(required=False)


class CreditNoteLineInputSerializer(serializers.Serializer):
    credited_line = serializers.IntegerField(help_text="The id of the credited invoice line.")
    quantity = serializers.IntegerField(required=False, help_text="Defaults to the line's quantity.")
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text="Defaults to the line's cost.")


@extend_schema_field(CreditNoteLineInputSerializer(many=True))
class CreditNoteLinesField(serializers.ListField):
    child = serializers.DictField()


class CreditNoteInputSerializer(serializers.Serializer):
    number = serializers.CharField(required=False)
    reason = serializers.ChoiceField(choices=CreditNoteReason.choices, required=False)
    reference = serializers.CharField(required=False)
    lines = CreditNoteLinesField(required=False, help_text="Omit to credit every line in full.")


class ApproveInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"], default="approve")
    note = serializers.CharField(required=False, allow_blank=True)


class DecisionInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[s for s in InvoiceState.choices if s[0] not in ("draft", "pending_approval", "submitted")])
    reason = serializers.CharField(required=False, allow_blank=True)


class PreflightLineSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    sequence = serializers.IntegerField()
    purchase_order_number = serializers.CharField()
    asin = serializers.CharField()
    vendor_sku = serializers.CharField()
    po_cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    invoiced_cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    received_quantity = serializers.IntegerField(allow_null=True)
    previously_invoiced_quantity = serializers.IntegerField(allow_null=True)
    invoiced_quantity = serializers.IntegerField()
    shortage_units = serializers.IntegerField()
    awaiting_receipt = serializers.BooleanField(help_text="Nothing received on the PO line yet: no claim, the invoice would wait on hold.")
    awaiting_units = serializers.IntegerField()
    price_claim = serializers.DecimalField(max_digits=14, decimal_places=2)
    shortage_claim = serializers.DecimalField(max_digits=14, decimal_places=2)
    warnings = serializers.ListField(child=serializers.CharField())


class PreflightSerializer(serializers.Serializer):
    currency = serializers.CharField()
    grand_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    price_claim_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    shortage_claim_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    claims_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    awaiting_receipt_units = serializers.IntegerField(help_text="Invoiced units the DC has not received yet (no claim: the invoice would wait).")
    expected_payment = serializers.DecimalField(max_digits=14, decimal_places=2)
    lines = PreflightLineSerializer(many=True)
    errors = serializers.ListField(child=serializers.DictField(), help_text="Hard-check errors: submission would be refused.")
