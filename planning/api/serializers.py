"""Shapes of the forecast and promotion API. Input serializers check types and ranges only; the rules live
in planning.services, so the screens, the upload and this API agree."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vendor_portal.api.fields import DocumentDateField
from vendor_portal.api.output import OutputSerializer
from vendor_portal.models import Marketplace, Vendor

from ..models import AvailabilitySource, ForecastSource, PromotionState, PromotionType
from ..services.availability import MAX_AVAILABILITY_ROWS, AvailabilityRow
from ..services.forecasts import MAX_FORECAST_ROWS, ForecastRow
from ..services.promotions import MAX_PROMOTION_LINES, LineCommitment, PromotionLineInput

MAX_UNITS = 10_000_000


def units(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def money(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


# Forecasts ------------------------------------------------------------------------------------------
class ForecastSerializer(OutputSerializer):
    id = serializers.IntegerField()
    vendor = serializers.CharField(source="vendor.code")
    product_id = serializers.IntegerField()
    vendor_sku = serializers.CharField(source="product.vendor_sku")
    asin = serializers.CharField(source="product.asin")
    title = serializers.CharField(source="product.title")
    marketplace = serializers.CharField(source="marketplace.code")
    week_start = serializers.DateField(help_text="The Monday the week starts on, in the marketplace's time zone.")
    week_starts_at = serializers.SerializerMethodField(help_text="Midnight of week_start in the marketplace's time zone, with its offset.")
    mean = units(help_text="Mean forecast units for the week.")
    p70 = units(help_text="70th percentile: 70% chance demand is at most this.")
    p80 = units()
    p90 = units()
    version = serializers.IntegerField(source="publication.version", help_text="The vendor's forecast publication these numbers come from.")
    published_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_week_starts_at(self, obj) -> str:
        return obj.week_starts_at.isoformat()


class ForecastRowInputSerializer(serializers.Serializer):
    vendor_sku = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    asin = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    marketplace = serializers.CharField(max_length=2, help_text="Marketplace code, e.g. US.")
    week_start = DocumentDateField(help_text="A Monday, this week or up to 25 weeks ahead in the marketplace's time zone.")
    mean = units(min_value=Decimal("0"))
    p70 = units(min_value=Decimal("0"))
    p80 = units(min_value=Decimal("0"))
    p90 = units(min_value=Decimal("0"))

    def validate(self, attrs):
        if not attrs.get("vendor_sku") and not attrs.get("asin"):
            raise serializers.ValidationError({"vendor_sku": [_("Give the vendor SKU or the ASIN.")]})
        return attrs


class ForecastPublishSerializer(serializers.Serializer):
    vendor = serializers.SlugRelatedField(slug_field="code", queryset=Vendor.objects.filter(is_active=True), help_text="Vendor code, e.g. ACME.")
    dry_run = serializers.BooleanField(default=False, help_text="Check everything and report what would change; save nothing.")
    forecasts = ForecastRowInputSerializer(many=True, allow_empty=False, max_length=MAX_FORECAST_ROWS)

    def rows(self) -> list[ForecastRow]:
        return [ForecastRow(**row, ref=f"forecasts[{i}]") for i, row in enumerate(self.validated_data["forecasts"])]


class ForecastPublicationSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Null on a dry run.")
    vendor = serializers.CharField()
    version = serializers.IntegerField(allow_null=True, help_text="Null on a dry run.")
    source = serializers.ChoiceField(choices=ForecastSource.choices)
    dry_run = serializers.BooleanField()
    published_at = serializers.DateTimeField(allow_null=True)
    published_by = serializers.CharField()
    row_count = serializers.IntegerField()
    new_count = serializers.IntegerField(help_text="Weeks that had no forecast yet.")
    replaced_count = serializers.IntegerField(help_text="Weeks whose earlier numbers this publication replaces.")
    week_from = serializers.DateField()
    week_to = serializers.DateField()


# Promotions -----------------------------------------------------------------------------------------
class PromotionLineSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    product_id = serializers.IntegerField()
    vendor_sku = serializers.CharField(source="product.vendor_sku")
    asin = serializers.CharField(source="product.asin")
    title = serializers.CharField(source="product.title")
    promotional_price = money()
    currency = serializers.CharField(source="promotion.currency")
    expected_units = serializers.IntegerField()
    vendor_funding_per_unit = money()
    expected_funding = money(help_text="vendor_funding_per_unit × expected_units.")
    committed_units = serializers.IntegerField(allow_null=True, help_text="Null until the vendor confirms.")
    committed_funding = money(help_text="vendor_funding_per_unit × committed_units.")
    commitment_note = serializers.CharField()


class PromotionListSerializer(OutputSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    vendor = serializers.CharField(source="vendor.code")
    marketplace = serializers.CharField(source="marketplace.code")
    promotion_type = serializers.ChoiceField(choices=PromotionType.choices)
    start_date = serializers.DateField(help_text="First day of the deal, in the marketplace's time zone.")
    end_date = serializers.DateField(help_text="Last day of the deal (inclusive).")
    starts_at = serializers.SerializerMethodField()
    ends_at = serializers.SerializerMethodField()
    currency = serializers.CharField()
    state = serializers.ChoiceField(choices=PromotionState.choices)
    shared_at = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    awaiting_vendor = serializers.SerializerMethodField(help_text="Shared, unanswered, and the deal has not started.")
    line_count = serializers.IntegerField()
    total_expected_units = serializers.IntegerField()
    total_committed_units = serializers.IntegerField(allow_null=True)
    total_expected_funding = money()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_starts_at(self, obj) -> str:
        return obj.starts_at.isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_ends_at(self, obj) -> str:
        return obj.ends_at.isoformat()

    def get_awaiting_vendor(self, obj) -> bool:
        return obj.state == PromotionState.SHARED and not obj.has_started()

    def to_representation(self, instance):
        for name in ("line_count", "total_expected_units", "total_expected_funding"):
            if getattr(instance, name, None) is None:
                setattr(instance, name, 0)
        if not hasattr(instance, "total_committed_units"):
            instance.total_committed_units = None
        return super().to_representation(instance)


class PromotionDetailSerializer(PromotionListSerializer):
    buyer_note = serializers.CharField()
    decline_reason = serializers.CharField()
    cancel_reason = serializers.CharField()
    confirmation_revision = serializers.IntegerField(help_text="How many times the vendor confirmed (revisions count).")
    responded_by = serializers.CharField(source="responded_by_label")
    total_committed_funding = money()
    next_states = serializers.SerializerMethodField(help_text="The states this promotion may move to from here.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    lines = PromotionLineSerializer(many=True, source="lines.all")

    def get_next_states(self, obj) -> list[str]:
        return sorted(str(state) for state in obj.TRANSITIONS[obj.state] if state != obj.state)

    def to_representation(self, instance):
        from ..selectors import promotion_totals

        for name, value in promotion_totals(instance).items():
            setattr(instance, name, value)
        return super().to_representation(instance)


class PromotionLineInputSerializer(serializers.Serializer):
    vendor_sku = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    asin = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    promotional_price = money(min_value=Decimal("0.01"), help_text="Per unit, in the marketplace's currency.")
    expected_units = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)
    vendor_funding_per_unit = money(min_value=Decimal("0.00"), default=Decimal("0.00"))

    def validate(self, attrs):
        if not attrs.get("vendor_sku") and not attrs.get("asin"):
            raise serializers.ValidationError({"vendor_sku": [_("Give the vendor SKU or the ASIN.")]})
        return attrs


class PromotionInputSerializer(serializers.Serializer):
    vendor = serializers.SlugRelatedField(slug_field="code", queryset=Vendor.objects.filter(is_active=True), help_text="Vendor code, e.g. ACME.")
    marketplace = serializers.SlugRelatedField(slug_field="code", queryset=Marketplace.objects.all(), help_text="Marketplace code, e.g. US.")
    name = serializers.CharField(max_length=200)
    promotion_type = serializers.ChoiceField(choices=PromotionType.choices)
    start_date = DocumentDateField()
    end_date = DocumentDateField()
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="", help_text="Optional; must be the marketplace's.")
    buyer_note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    lines = PromotionLineInputSerializer(many=True, allow_empty=False, max_length=MAX_PROMOTION_LINES)

    def line_inputs(self) -> list[PromotionLineInput]:
        return [PromotionLineInput(**line, ref=f"lines[{i}]") for i, line in enumerate(self.validated_data["lines"])]


class PromotionChangeSerializer(PromotionInputSerializer):
    """A draft's changes: any header field; `lines`, when given, replace every line."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields.pop("vendor")

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send the fields to change."))
        return attrs


class PromotionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CommitmentSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(min_value=1)
    committed_units = serializers.IntegerField(min_value=0, max_value=MAX_UNITS, help_text="0 up to the line's expected units.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PromotionConfirmationSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("confirm", _("Confirm")), ("decline", _("Decline"))])
    lines = CommitmentSerializer(many=True, required=False, max_length=MAX_PROMOTION_LINES, help_text="For confirm: every line, once.")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="", help_text="For decline: why.")

    def validate(self, attrs):
        if attrs["decision"] == "confirm" and not attrs.get("lines"):
            raise serializers.ValidationError({"lines": [_("Give the committed units of every line.")]})
        if attrs["decision"] == "decline" and not attrs.get("reason", "").strip():
            raise serializers.ValidationError({"reason": [_("Say why you decline.")]})
        return attrs

    def commitments(self) -> list[LineCommitment]:
        return [LineCommitment(**line, ref=f"lines[{i}]") for i, line in enumerate(self.validated_data.get("lines", []))]


# Availability ---------------------------------------------------------------------------------------
class AvailabilitySerializer(OutputSerializer):
    id = serializers.IntegerField()
    vendor = serializers.CharField(source="vendor.code")
    product_id = serializers.IntegerField()
    vendor_sku = serializers.CharField(source="product.vendor_sku")
    asin = serializers.CharField(source="product.asin")
    ship_from = serializers.CharField(source="ship_from.code", help_text="The code of the vendor's ship-from warehouse.")
    on_hand = serializers.IntegerField(help_text="Eaches in the warehouse.")
    available = serializers.IntegerField(help_text="Of on_hand, the eaches the vendor can ship to the retailer.")
    reported_at = serializers.DateTimeField()


class AvailabilityRowInputSerializer(serializers.Serializer):
    vendor_sku = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    asin = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    ship_from = serializers.CharField(
        max_length=20, help_text="The code of one of the vendor's ship-from warehouses (GET /api/v1/ship-from-addresses/)."
    )
    on_hand = serializers.IntegerField(min_value=0, max_value=999_999_999)
    available = serializers.IntegerField(min_value=0, max_value=999_999_999, help_text="At most on_hand.")

    def validate(self, attrs):
        if not attrs.get("vendor_sku") and not attrs.get("asin"):
            raise serializers.ValidationError({"vendor_sku": [_("Give the vendor SKU or the ASIN.")]})
        return attrs


class AvailabilityReportInputSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False, help_text="Check everything; save nothing.")
    items = AvailabilityRowInputSerializer(many=True, allow_empty=False, max_length=MAX_AVAILABILITY_ROWS)

    def rows(self) -> list[AvailabilityRow]:
        return [AvailabilityRow(**row, ref=f"items[{i}]") for i, row in enumerate(self.validated_data["items"])]


class AvailabilityReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Null on a dry run.")
    vendor = serializers.CharField()
    source = serializers.ChoiceField(choices=AvailabilitySource.choices)
    dry_run = serializers.BooleanField()
    reported_at = serializers.DateTimeField(allow_null=True)
    reported_by = serializers.CharField()
    row_count = serializers.IntegerField()
