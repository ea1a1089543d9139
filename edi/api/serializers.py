from rest_framework import serializers

from ..models import Interchange, TransactionRecord


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
            "id", "vendor", "direction", "status", "source", "filename", "control_number", "sender", "receiver", "set_ids",
            "size", "created_at", "problems", "transactions", "acknowledgement_id", "duplicate_of_id",
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
