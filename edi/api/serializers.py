from rest_framework import serializers

from shipments.api.serializers import JobSerializer

from ..models import Interchange, Syntax, TradingPartner, TransactionRecord
from ..selectors import interchange_problem_page


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


class InterchangeSummarySerializer(InterchangeSerializer):
    """An interchange as a list shows it: metadata, how many sets and problems and the first problem; never the
    raw file, the problems or the sets themselves (the interchange's own URL and /problems/ have them)."""

    class Meta(InterchangeSerializer.Meta):
        fields = [f for f in InterchangeSerializer.Meta.fields if f not in ("problems", "transactions")] + [
            "set_count",
            "problem_count",
            "first_problem",
        ]


class InterchangeResultSerializer(InterchangeSerializer):
    """One interchange: each set's outcome, the first page of its problems (all of them, a page at a time,
    at /problems/), and the 997 we sent back."""

    problems = serializers.SerializerMethodField(help_text="The first 100 problems; `problem_count` says how many there are.")
    acknowledgement = EdiAcknowledgementSerializer(allow_null=True)

    class Meta(InterchangeSerializer.Meta):
        fields = [*InterchangeSerializer.Meta.fields, "set_count", "problem_count", "acknowledgement"]

    def get_problems(self, obj) -> list[dict]:
        return interchange_problem_page(interchange=obj).problems


class ProblemPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many problems the interchange has.")
    page = serializers.IntegerField()
    next = serializers.CharField(allow_null=True, help_text="The next page's URL, null on the last.")
    previous = serializers.CharField(allow_null=True)
    results = serializers.ListField(
        child=serializers.DictField(), help_text="level, code, message, group, set, segment, position, element, bad_value"
    )


class InterchangeUploadJobSerializer(JobSerializer):
    """202 to an upload: the job that reads and applies the interchange (poll it at /api/v1/jobs/<id>/),
    and the interchange it works on (its status is "received" until the job is done)."""

    interchange_id = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "interchange_id"]

    def get_interchange_id(self, obj) -> int:
        return int(obj.target_id)


class InterchangeUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The X12 interchange. Or send it as the raw body with Content-Type text/plain.")


class TradingPartnerSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code")

    class Meta:
        model = TradingPartner
        fields = ["id", "vendor", "name", "syntax", "isa_qualifier", "isa_id", "gs_application_id", "gln", "is_active", "created_at"]


class TradingPartnerInputSerializer(serializers.Serializer):
    syntax = serializers.ChoiceField(choices=Syntax.choices, default=Syntax.X12, help_text="What the portal sends this partner: X12 or EDIFACT D96A.")
    isa_qualifier = serializers.CharField(
        max_length=2, default="ZZ", help_text="ISA05: ZZ mutually defined, 01 DUNS, 08 UCC EDI communications id, 12 phone."
    )
    isa_id = serializers.CharField(max_length=15, required=False, allow_blank=True, help_text="X12, ISA06: the id your EDI system sends from.")
    gln = serializers.CharField(
        max_length=13, required=False, allow_blank=True, help_text="EDIFACT, UNB sender (qualifier 14): your 13-digit global location number."
    )
    gs_application_id = serializers.CharField(max_length=15, required=False, allow_blank=True, help_text="GS02, when it differs from the ISA id.")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TradingPartnerChangeSerializer(serializers.Serializer):
    is_active = serializers.BooleanField(help_text="false: its files are refused and no 850s are sent to it.")
