from rest_framework import serializers

from ..models import ViolationKind
from ..services.forecast import STATUS_LABELS, VERB_LABELS


class ComplianceForecastActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=list(VERB_LABELS),
        source="verb",
        help_text="ship, confirm (in full), confirm_on_time, submit_asn, deliver (in full), arrive (in the booked slot), deliver_as_asn "
        "or deliver_labelled (every carton with a readable label; its units are cartons).",
    )
    due = serializers.DateField(help_text="The last day it can be done without the fee.")
    units = serializers.IntegerField(help_text="Units in eaches; cartons for deliver_labelled.")
    purchase_order = serializers.CharField(source="purchase_order_number", allow_blank=True)
    shipment = serializers.CharField(source="shipment_identifier", allow_blank=True)
    fee_avoided = serializers.DecimalField(source="fee", max_digits=14, decimal_places=2)
    appointment = serializers.IntegerField(source="appointment_id", allow_null=True, help_text="The appointment id, for an arrive action.")


class ComplianceWaiverProjectionSerializer(serializers.Serializer):
    measure = serializers.CharField(source="waiver.measure")
    comparison = serializers.CharField(source="waiver.comparison")
    threshold = serializers.DecimalField(source="waiver.threshold", max_digits=9, decimal_places=4)
    trailing_weeks = serializers.IntegerField(source="waiver.trailing_weeks")
    window_start = serializers.DateField(source="start")
    value_now = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, help_text="The trailing rate with what is counted so far.")
    value_if_done = serializers.DecimalField(
        max_digits=9, decimal_places=4, allow_null=True, help_text="At the week's end, if every open item still doable is done in time."
    )
    value_if_not = serializers.DecimalField(
        max_digits=9, decimal_places=4, allow_null=True, help_text="At the week's end, if none of the open items is done in time."
    )
    holds_if_done = serializers.BooleanField()
    holds_if_not = serializers.BooleanField()


class ComplianceForecastSerializer(serializers.Serializer):
    marketplace = serializers.CharField(source="marketplace.code")
    week_start = serializers.DateField(source="week", help_text="The Monday of the week (UTC, the scorecard's weeks).")
    violation = serializers.ChoiceField(choices=ViolationKind.choices, source="rule.violation")
    rate_card_version = serializers.IntegerField(source="rule.rate_card.version")
    status = serializers.ChoiceField(
        choices=list(STATUS_LABELS), help_text="on_track, at_risk (a fee still avoidable), charging (a fee no longer avoidable) or waived."
    )
    measure = serializers.CharField(source="rule.measure")
    projected_value = serializers.DecimalField(source="value", max_digits=9, decimal_places=4, allow_null=True)
    threshold = serializers.DecimalField(source="rule.threshold", max_digits=9, decimal_places=4)
    expected_fee = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    keeps_waiver = serializers.BooleanField(help_text="Doing the actions keeps the rule's waiver, not only their own fees.")
    summary = serializers.CharField(allow_blank=True)
    actions = ComplianceForecastActionSerializer(many=True)
    waivers = ComplianceWaiverProjectionSerializer(
        many=True, help_text="Each waiver of the rule, projected to the week's end (a fee on course only)."
    )
