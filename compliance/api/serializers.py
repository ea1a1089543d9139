from rest_framework import serializers

from ..models import ViolationKind
from ..services.forecast import STATUS_LABELS, VERB_LABELS


class ComplianceForecastActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(VERB_LABELS), source="verb", help_text="ship, confirm (in full) or submit_asn.")
    due = serializers.DateField(help_text="The last day it can be done without the fee.")
    units = serializers.IntegerField()
    purchase_order = serializers.CharField(source="purchase_order_number", allow_blank=True)
    shipment = serializers.CharField(source="shipment_identifier", allow_blank=True)
    fee_avoided = serializers.DecimalField(source="fee", max_digits=14, decimal_places=2)


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
