from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shipments.models import (
    Carton,
    DimensionUnit,
    Measured,
    Pallet,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    TransportMethod,
    TransportMode,
    WeightUnit,
)
from vendor_portal.api.fields import DocumentDateField, QuantityField
from vendor_portal.api.output import PlannedListSerializer
from vendor_portal.models import Document, Job


class ShipmentLineSerializer(serializers.ModelSerializer):
    purchase_order_number = serializers.CharField(source="purchase_order_line.purchase_order.number", read_only=True)
    sequence = serializers.IntegerField(source="purchase_order_line.sequence", read_only=True)
    vendor_sku = serializers.CharField(source="purchase_order_line.vendor_sku", read_only=True)

    class Meta:
        model = ShipmentLine
        fields = ["id", "purchase_order_line", "purchase_order_number", "sequence", "vendor_sku", "quantity"]


class ShipmentSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code", read_only=True)
    marketplace = serializers.CharField(source="marketplace.code", read_only=True)
    ship_to = serializers.CharField(source="ship_to.code", read_only=True)
    ship_from = serializers.CharField(source="ship_from.code", read_only=True, default=None, allow_null=True)
    lines = ShipmentLineSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "shipment_identifier",
            "state",
            "vendor",
            "marketplace",
            "ship_to",
            "ship_from",
            "transport_mode",
            "transport_method",
            "carrier_scac",
            "carrier_name",
            "ship_date",
            "estimated_arrival",
            "bol_number",
            "pro_number",
            "cartons_per_pallet",
            "weight_unit",
            "dimension_unit",
            "gross_weight",
            "asn_type",
            "asn_revision",
            "submitted_at",
            "receiving_started_at",
            "received_at",
            "cancelled_at",
            "created_at",
            "lines",
        ]
        list_serializer_class = PlannedListSerializer


class ShipmentAnswerSerializer(ShipmentSerializer):
    """The answer to a write: the shipment, and what is allowed but worth knowing (e.g. past the cutoff)."""

    warnings = serializers.ListField(child=serializers.CharField(), read_only=True, default=list)

    class Meta(ShipmentSerializer.Meta):
        fields = [*ShipmentSerializer.Meta.fields, "warnings"]


class ShipmentListSerializer(ShipmentSerializer):
    carton_count = serializers.IntegerField(read_only=True)
    pallet_count = serializers.IntegerField(read_only=True)

    class Meta(ShipmentSerializer.Meta):
        fields = [f for f in ShipmentSerializer.Meta.fields if f != "lines"] + ["carton_count", "pallet_count"]


class ShipPlanLineInputSerializer(serializers.Serializer):
    purchase_order_line = serializers.IntegerField()
    quantity = QuantityField()


class ShipPlanInputSerializer(serializers.Serializer):
    ship_to = serializers.CharField(max_length=8, help_text="DC code")
    shipment_identifier = serializers.CharField(max_length=40)
    ship_date = DocumentDateField()
    estimated_arrival = DocumentDateField(required=False, allow_null=True)
    transport_mode = serializers.ChoiceField(choices=TransportMode.choices, default=TransportMode.LTL)
    transport_method = serializers.ChoiceField(choices=TransportMethod.choices, default=TransportMethod.ROAD)
    carrier_scac = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")
    carrier_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    bol_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    pro_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    ship_from = serializers.CharField(max_length=20, required=False, allow_blank=True, default="", help_text="ship-from address code")
    cartons_per_pallet = QuantityField(default=0)
    weight_unit = serializers.ChoiceField(
        choices=WeightUnit.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Cartons and pallets weighed in; omitted: kept (a new plan: lb in the US, else kg).",
    )
    dimension_unit = serializers.ChoiceField(
        choices=DimensionUnit.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Cartons and pallets measured in; omitted: kept (a new plan: in in the US, else cm).",
    )
    lines = ShipPlanLineInputSerializer(many=True, allow_empty=False)


class ReplaceInputSerializer(serializers.Serializer):
    lines = ShipPlanLineInputSerializer(many=True)
    carrier_scac = serializers.CharField(max_length=4, required=False, allow_blank=True)
    carrier_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    estimated_arrival = DocumentDateField(required=False, allow_null=True)
    bol_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    pro_number = serializers.CharField(max_length=40, required=False, allow_blank=True)


class CartonItemSerializer(serializers.Serializer):
    shipment_line = serializers.IntegerField()
    purchase_order_number = serializers.CharField()
    sequence = serializers.IntegerField()
    vendor_sku = serializers.CharField()
    quantity = serializers.IntegerField()


class CartonSerializer(serializers.ModelSerializer):
    pallet = serializers.IntegerField(
        source="pallet.index", read_only=True, default=None, allow_null=True, help_text="pallet index; null for loose cartons"
    )
    items = serializers.SerializerMethodField()

    class Meta:
        model = Carton
        fields = ["index", "sscc", "pallet", "tracking_number", "items", *Measured.MEASUREMENT_FIELDS]

    @extend_schema_field(CartonItemSerializer(many=True))
    def get_items(self, carton) -> list[dict]:
        return [
            {
                "shipment_line": item.shipment_line_id,
                "purchase_order_number": item.shipment_line.purchase_order_line.purchase_order.number,
                "sequence": item.shipment_line.purchase_order_line.sequence,
                "vendor_sku": item.shipment_line.purchase_order_line.vendor_sku,
                "quantity": item.quantity,
            }
            for item in carton.items.all()
        ]


class PalletSerializer(serializers.ModelSerializer):
    carton_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Pallet
        fields = ["index", "sscc", "carton_count", *Measured.MEASUREMENT_FIELDS]


class MeasurementInputSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=1, help_text="the carton's (or pallet's) number in the shipment")
    weight = serializers.DecimalField(
        max_digits=9, decimal_places=3, required=False, allow_null=True, help_text="gross weight; null: back to the estimate"
    )
    weight_unit = serializers.ChoiceField(choices=WeightUnit.choices, required=False, help_text="omitted: the plan's")
    length = serializers.DecimalField(max_digits=8, decimal_places=2, required=False, allow_null=True)
    width = serializers.DecimalField(max_digits=8, decimal_places=2, required=False, allow_null=True)
    height = serializers.DecimalField(max_digits=8, decimal_places=2, required=False, allow_null=True)
    dimension_unit = serializers.ChoiceField(choices=DimensionUnit.choices, required=False, help_text="omitted: the plan's")


class MeasurementsInputSerializer(serializers.Serializer):
    cartons = MeasurementInputSerializer(many=True, default=list)
    pallets = MeasurementInputSerializer(many=True, default=list)


class MeasurementsSerializer(serializers.Serializer):
    cartons = CartonSerializer(many=True)
    pallets = PalletSerializer(many=True)


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "kind", "key", "title", "content_type", "size", "sha256", "created_at", "download_url"]

    def get_download_url(self, document) -> str:
        return reverse("document-download", kwargs={"pk": document.pk})


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    result = DocumentSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "percent",
            "progress_done",
            "progress_total",
            "message",
            "target_type",
            "target_id",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "result",
        ]


class ReceiptLineSerializer(serializers.ModelSerializer):
    carton_sscc = serializers.CharField(source="carton.sscc", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ReceiptLine
        fields = ["shipment_line", "carton_sscc", "quantity", "damaged_quantity"]


class ReceiptSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    shipment_identifier = serializers.CharField(source="shipment.shipment_identifier", read_only=True)
    lines = ReceiptLineSerializer(many=True, read_only=True)

    class Meta:
        model = Receipt
        fields = ["id", "shipment", "shipment_identifier", "warehouse", "received_at", "note", "lines"]


class ReceivedLineInputSerializer(serializers.Serializer):
    shipment_line = serializers.IntegerField()
    quantity = QuantityField()
    damaged = QuantityField(default=0)


class ReceiptInputSerializer(serializers.Serializer):
    shipment = serializers.IntegerField()
    scanned_ssccs = serializers.ListField(child=serializers.CharField(max_length=20), default=list)
    damaged_ssccs = serializers.ListField(child=serializers.CharField(max_length=20), default=list)
    lines = ReceivedLineInputSerializer(many=True, default=list)
    complete = serializers.BooleanField(default=False, help_text="finish receiving: over/short becomes final")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PackingListUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class CartonMoveInputSerializer(serializers.Serializer):
    from_carton = serializers.IntegerField(min_value=1)
    to_carton = serializers.IntegerField(min_value=1, required=False, allow_null=True, help_text="omit for a new carton")
    shipment_line = serializers.IntegerField()
    quantity = QuantityField(min_value=1)


class CartonTrackingSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=1)
    tracking_number = serializers.CharField(max_length=40, allow_blank=True)


class CartonTrackingInputSerializer(serializers.Serializer):
    cartons = CartonTrackingSerializer(many=True, allow_empty=False)


CARTON_EXCEPTION_CHOICES = [
    ("missing", "missing: a carton of a scanned pallet was not on it; its units are taken back"),
    ("damaged", "damaged: every unit of the received carton is booked damaged"),
    ("label_missing", "label_missing: the received carton had no SSCC label (a compliance event; may be charged back)"),
    ("label_unreadable", "label_unreadable: the carton's SSCC label would not scan and was keyed in (a compliance event; may be charged back)"),
]


class CartonExceptionInputSerializer(serializers.Serializer):
    shipment = serializers.IntegerField()
    sscc = serializers.CharField(max_length=40, help_text="the carton's SSCC, as scanned or keyed")
    exception = serializers.ChoiceField(choices=CARTON_EXCEPTION_CHOICES)


class CartonExceptionSerializer(serializers.Serializer):
    shipment = serializers.IntegerField()
    shipment_identifier = serializers.CharField()
    sscc = serializers.CharField()
    carton = serializers.IntegerField(help_text="the carton's number in the shipment")
    exception = serializers.CharField(help_text="what was reported")
    received = serializers.BooleanField(help_text="the carton counts as received")
    damaged = serializers.BooleanField()
    label_fault = serializers.ChoiceField(
        choices=["label_missing", "label_unreadable"], allow_null=True, help_text="the label fault on the vendor's compliance record, if any"
    )
