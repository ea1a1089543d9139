from rest_framework import serializers

from vendor_portal.api.errors import ApiErrorSerializer

from ..models import Interchange, TradingPartner, TransactionRecord


class TransactionRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = TransactionRecord
        fields = ["set_id", "group_control_number", "control_number", "status", "reference", "object_type", "object_id", "errors"]


class EdiAcknowledgementSerializer(serializers.ModelSerializer):
    content = serializers.CharField(help_text="The 997 (and TA1) interchange as sent.")

    class Meta:
        model = Interchange
        fields = ["id", "control_number", "status", "set_ids", "created_at", "content"]


class InterchangeSerializer(serializers.ModelSerializer):
    sender = serializers.SerializerMethodField()
    receiver = serializers.SerializerMethodField()
    vendor = serializers.CharField(source="vendor.code")
    transactions = TransactionRecordSerializer(many=True)
    acknowledgement_id = serializers.IntegerField(allow_null=True)
    duplicate_of_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Interchange
        fields = [
            "id",
            "vendor",
            "direction",
            "status",
            "source",
            "filename",
            "control_number",
            "sender",
            "receiver",
            "set_ids",
            "size",
            "created_at",
            "problems",
            "transactions",
            "acknowledgement_id",
            "duplicate_of_id",
        ]

    def get_sender(self, obj) -> str:
        return f"{obj.sender_qualifier}:{obj.sender_id}" if obj.sender_id else ""

    def get_receiver(self, obj) -> str:
        return f"{obj.receiver_qualifier}:{obj.receiver_id}" if obj.receiver_id else ""


class InterchangeResultSerializer(InterchangeSerializer):
    """The answer to an upload: the interchange, each set's outcome, and the 997 we sent back."""

    acknowledgement = EdiAcknowledgementSerializer(allow_null=True)

    class Meta(InterchangeSerializer.Meta):
        fields = [*InterchangeSerializer.Meta.fields, "acknowledgement"]


class InterchangeUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The X12 interchange. Or send it as the raw body with Content-Type text/plain.")


class InterchangeRejectedSerializer(InterchangeResultSerializer):
    """Nothing was applied: the interchange, the 997 that says so, and each problem in the API's error shape."""

    errors = ApiErrorSerializer(many=True, read_only=True)

    class Meta(InterchangeResultSerializer.Meta):
        fields = [*InterchangeResultSerializer.Meta.fields, "errors"]


class TradingPartnerSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code")

    class Meta:
        model = TradingPartner
        fields = ["id", "vendor", "name", "isa_qualifier", "isa_id", "gs_application_id", "is_active", "created_at"]


class TradingPartnerInputSerializer(serializers.Serializer):
    isa_qualifier = serializers.CharField(
        max_length=2, default="ZZ", help_text="ISA05: ZZ mutually defined, 01 DUNS, 08 UCC EDI communications id, 12 phone."
    )
    isa_id = serializers.CharField(max_length=15, help_text="ISA06: the id your EDI system sends from.")
    gs_application_id = serializers.CharField(max_length=15, required=False, allow_blank=True, help_text="GS02, when it differs from the ISA id.")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TradingPartnerChangeSerializer(serializers.Serializer):
    is_active = serializers.BooleanField(help_text="false: its files are refused and no 850s are sent to it.")
