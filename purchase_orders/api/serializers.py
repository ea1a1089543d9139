"""Shapes of the purchase-order API. Input serializers check types and ranges only; every business rule
lives in purchase_orders.services, so the screens, this API, the Amazon door and EDI agree."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from planning.services.availability import confirmation_warnings
from vendor_portal.api.output import OutputSerializer
from vendor_portal.models import Marketplace, Vendor, Warehouse

from ..models import (
    PaymentMethod,
    PaymentTerms,
    PurchaseOrderState,
    PurchaseOrderType,
    RejectionReason,
    UnitOfMeasure,
)
from ..selectors import purchase_order_totals
from ..services.confirmations import LineConfirmation
from ..services.orders import LineChange, LineInput, PurchaseOrderInput

MAX_LINES = 1000
MAX_QUANTITY = 1_000_000


def money(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


# Output ------------------------------------------------------------------------------------------
class PurchaseOrderLineSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    asin = serializers.CharField()
    vendor_sku = serializers.CharField()
    title = serializers.CharField()
    unit_of_measure = serializers.ChoiceField(choices=UnitOfMeasure.choices)
    unit_size = serializers.IntegerField()
    backorder_allowed = serializers.BooleanField()
    net_cost = money(help_text="Per unit of measure, in the PO's currency.")
    list_price = money(allow_null=True)
    line_total = money(help_text="net_cost × ordered_quantity.")
    ordered_quantity = serializers.IntegerField()
    accepted_quantity = serializers.IntegerField()
    backordered_quantity = serializers.IntegerField()
    rejected_quantity = serializers.IntegerField()
    cancelled_quantity = serializers.IntegerField(help_text="Taken off the line by the buyer.")
    shipped_quantity = serializers.IntegerField()
    received_quantity = serializers.IntegerField()
    damaged_quantity = serializers.IntegerField()
    invoiced_quantity = serializers.IntegerField()
    open_to_ship = serializers.IntegerField()
    rejection_reason = serializers.CharField()
    backorder_date = serializers.DateField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)


class PurchaseOrderAcknowledgementLineSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    accepted = serializers.IntegerField()
    backordered = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejection_reason = serializers.CharField(allow_blank=True)
    backorder_date = serializers.DateField(allow_null=True)


class PurchaseOrderAcknowledgementSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    channel = serializers.CharField()
    submitted_by = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField()
    scheduled_ship_date = serializers.DateField(allow_null=True)
    scheduled_delivery_date = serializers.DateField(allow_null=True)
    lines = PurchaseOrderAcknowledgementLineSerializer(many=True)

    def get_submitted_by(self, obj) -> str | None:
        return obj.submitted_by.get_username() if obj.submitted_by_id else None


class PurchaseOrderListSerializer(OutputSerializer):
    """One row of the list: header, codes, and line totals the list query annotates."""

    number = serializers.CharField()
    vendor = serializers.CharField(source="vendor.code")
    marketplace = serializers.CharField(source="marketplace.code")
    ship_to = serializers.CharField(source="ship_to.code")
    state = serializers.ChoiceField(choices=PurchaseOrderState.choices)
    order_type = serializers.ChoiceField(choices=PurchaseOrderType.choices)
    order_date = serializers.DateTimeField()
    ship_window_start = serializers.DateTimeField()
    ship_window_end = serializers.DateTimeField()
    delivery_window_start = serializers.DateTimeField(allow_null=True)
    delivery_window_end = serializers.DateTimeField(allow_null=True)
    currency = serializers.CharField()
    payment_terms = serializers.ChoiceField(choices=PaymentTerms.choices)
    confirmation_due_at = serializers.DateTimeField()
    needs_confirmation = serializers.SerializerMethodField()
    has_unconfirmed_changes = serializers.BooleanField(help_text="Changed by the buyer since the vendor's last confirmation.")
    changed_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    promised_ship_date = serializers.DateField(allow_null=True)
    estimated_ship_date = serializers.DateField(allow_null=True)
    line_count = serializers.IntegerField()
    total_ordered_quantity = serializers.IntegerField()
    total_accepted_quantity = serializers.IntegerField()
    total_cost = serializers.DecimalField(max_digits=16, decimal_places=2)

    def get_needs_confirmation(self, obj) -> bool:
        return obj.state == PurchaseOrderState.NEW


class PurchaseOrderDetailSerializer(PurchaseOrderListSerializer):
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    deal_code = serializers.CharField()
    promised_delivery_date = serializers.DateField(allow_null=True)
    estimated_delivery_date = serializers.DateField(allow_null=True)
    is_confirmable = serializers.BooleanField(help_text="A confirmation can still be given or revised (nothing shipped yet).")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    lines = PurchaseOrderLineSerializer(many=True, source="lines.all")
    acknowledgements = PurchaseOrderAcknowledgementSerializer(
        many=True, source="acknowledgements.all", help_text="Every confirmation revision, newest first."
    )
    availability_warnings = serializers.SerializerMethodField(
        help_text="Lines accepted above what the vendor last reported available to ship (GET /api/v1/availability/): "
        "a warning, the confirmation stands. Products nobody reported are not warned about."
    )

    def get_availability_warnings(self, instance) -> list[str]:
        return confirmation_warnings(instance, list(instance.lines.all()))

    def to_representation(self, instance):
        # The detail has its lines loaded: totals come from them, not from list annotations.
        for name, value in purchase_order_totals(instance).items():
            setattr(instance, name, value)
        return super().to_representation(instance)


class PurchaseOrderConfirmationHistorySerializer(serializers.Serializer):
    number = serializers.CharField()
    state = serializers.ChoiceField(choices=PurchaseOrderState.choices)
    is_confirmable = serializers.BooleanField()
    promised_ship_date = serializers.DateField(allow_null=True, help_text="The first ship date given; never changes.")
    promised_delivery_date = serializers.DateField(allow_null=True)
    estimated_ship_date = serializers.DateField(allow_null=True, help_text="The latest ship date given.")
    estimated_delivery_date = serializers.DateField(allow_null=True)
    revisions = PurchaseOrderAcknowledgementSerializer(many=True, source="acknowledgements.all")


# Input -------------------------------------------------------------------------------------------
class PurchaseOrderLineInputSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(min_value=1, max_value=99999)
    vendor_sku = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    asin = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    ordered_quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_of_measure = serializers.ChoiceField(choices=UnitOfMeasure.choices, default=UnitOfMeasure.EACHES)
    unit_size = serializers.IntegerField(min_value=1, max_value=10000, default=1, help_text="Eaches per case when ordered in cases.")
    net_cost = money(
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        default=None,
        help_text="Per unit of measure. Omitted: the catalogue cost in effect on the order date (× unit_size for cases).",
    )
    list_price = money(min_value=Decimal("0.00"), required=False, allow_null=True, default=None)
    backorder_allowed = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if not attrs.get("vendor_sku") and not attrs.get("asin"):
            raise serializers.ValidationError({"vendor_sku": [_("Give the vendor SKU or the ASIN.")]})
        return attrs


class PurchaseOrderCreateSerializer(serializers.Serializer):
    vendor = serializers.SlugRelatedField(slug_field="code", queryset=Vendor.objects.filter(is_active=True), help_text="Vendor code, e.g. ACME.")
    marketplace = serializers.SlugRelatedField(slug_field="code", queryset=Marketplace.objects.all(), help_text="Marketplace code, e.g. US.")
    number = serializers.CharField(max_length=20, help_text="Unique across the retailer: letters, digits and -.")
    ship_to = serializers.SlugRelatedField(slug_field="code", queryset=Warehouse.objects.all(), help_text="DC code, e.g. ABE2.")
    order_type = serializers.ChoiceField(choices=PurchaseOrderType.choices, default=PurchaseOrderType.REGULAR)
    order_date = serializers.DateTimeField(required=False, help_text="Defaults to now; the confirmation deadline counts from it.")
    ship_window_start = serializers.DateTimeField()
    ship_window_end = serializers.DateTimeField()
    delivery_window_start = serializers.DateTimeField(required=False, allow_null=True, default=None)
    delivery_window_end = serializers.DateTimeField(required=False, allow_null=True, default=None)
    payment_terms = serializers.ChoiceField(choices=PaymentTerms.choices, default=PaymentTerms.NET_60)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices, default=PaymentMethod.INVOICE)
    deal_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    lines = PurchaseOrderLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)

    def to_input(self) -> PurchaseOrderInput:
        data = dict(self.validated_data)
        lines = [LineInput(**line, ref=f"lines[{i}]") for i, line in enumerate(data.pop("lines"))]
        return PurchaseOrderInput(lines=lines, **data)


class PurchaseOrderLineChangeSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(min_value=1)
    ordered_quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, required=False, help_text="The new quantity.")
    cancel = serializers.BooleanField(default=False, help_text="Cancel the whole line.")

    def validate(self, attrs):
        if attrs.get("cancel") == ("ordered_quantity" in attrs):
            raise serializers.ValidationError({"ordered_quantity": [_("Give either the new ordered_quantity or cancel: true.")]})
        return attrs


class PurchaseOrderChangeSerializer(serializers.Serializer):
    ship_window_start = serializers.DateTimeField(required=False)
    ship_window_end = serializers.DateTimeField(required=False)
    delivery_window_start = serializers.DateTimeField(required=False, allow_null=True)
    delivery_window_end = serializers.DateTimeField(required=False, allow_null=True)
    lines = PurchaseOrderLineChangeSerializer(many=True, required=False, max_length=MAX_LINES)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send the dates or lines to change."))
        return attrs

    def to_kwargs(self) -> dict:
        data = dict(self.validated_data)
        data["lines"] = [LineChange(**line, ref=f"lines[{i}]") for i, line in enumerate(data.pop("lines", []))]
        return data


class PurchaseOrderLineConfirmationSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(min_value=1)
    accepted = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, default=0)
    backordered = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, default=0)
    rejected = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, default=0)
    rejection_reason = serializers.ChoiceField(choices=RejectionReason.choices, required=False, allow_blank=True, default="")
    backorder_date = serializers.DateField(required=False, allow_null=True, default=None, help_text="When backordered units will be available.")


class PurchaseOrderConfirmationSerializer(serializers.Serializer):
    scheduled_ship_date = serializers.DateField(required=False, allow_null=True, default=None, help_text="Inside the ship window.")
    scheduled_delivery_date = serializers.DateField(required=False, allow_null=True, default=None, help_text="Inside the delivery window.")
    accept_all = serializers.BooleanField(default=False, help_text="Accept every open line in full instead of listing lines.")
    lines = PurchaseOrderLineConfirmationSerializer(many=True, required=False, max_length=MAX_LINES)

    def validate(self, attrs):
        if attrs["accept_all"] and attrs.get("lines"):
            raise serializers.ValidationError({"accept_all": [_("Send either accept_all or lines, not both.")]})
        if not attrs["accept_all"] and not attrs.get("lines"):
            raise serializers.ValidationError({"lines": [_("Confirm every line, or send accept_all: true.")]})
        return attrs

    def confirmations(self) -> list[LineConfirmation]:
        return [LineConfirmation(**line, ref=f"lines[{i}]") for i, line in enumerate(self.validated_data.get("lines", []))]


class PurchaseOrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# Bulk upload (CSV / XLSX) -------------------------------------------------------------------------
class PurchaseOrderUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV or XLSX, one row per PO line, columns as in /purchase-orders/upload/template.csv."))
    dry_run = serializers.BooleanField(
        default=True, help_text=_("true (the default) checks the file and saves nothing; false creates every PO, all or none.")
    )


class UploadedPurchaseOrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    vendor = serializers.CharField()
    marketplace = serializers.CharField()
    ship_to = serializers.CharField()
    line_count = serializers.IntegerField()
    units = serializers.IntegerField()
    total = money()
    currency = serializers.CharField()


class PurchaseOrderUploadResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    file_name = serializers.CharField()
    row_count = serializers.IntegerField()
    po_count = serializers.IntegerField()
    line_count = serializers.IntegerField()
    ignored_columns = serializers.ListField(child=serializers.CharField(), help_text=_("Columns the portal does not read."))
    purchase_orders = UploadedPurchaseOrderSerializer(many=True)
    created = serializers.ListField(child=serializers.CharField(), help_text=_("Numbers of the POs created; empty on a dry run."))
