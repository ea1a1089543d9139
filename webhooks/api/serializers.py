from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as it is read: never with its secret."""

    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "events",
            "description",
            "is_active",
            "secret_set_at",
            "previous_secret_expires_at",
            "created_by",
            "created_at",
            "updated_at",
        ]

    previous_secret_expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=_("After a rotation that keeps the old secret: until when deliveries also carry its signature. Null otherwise."),
    )


class RotateSecretInputSerializer(serializers.Serializer):
    keep_old_for_hours = serializers.IntegerField(
        min_value=0,
        max_value=72,
        required=False,
        default=0,
        help_text=_(
            "How long the old secret keeps signing too (a second signature), so receivers switch without refusing "
            "deliveries. 0, the default, stops it at once: what a leaked secret needs."
        ),
    )


class WebhookSubscriptionWithSecretSerializer(WebhookSubscriptionSerializer):
    """The answer to a creation or a rotation: the only time the secret is shown."""

    secret = serializers.CharField(source="secret_shown_once", help_text=_("Shown only in this answer: store it now to verify signatures."))

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookSubscriptionInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text=_("https:// URL that receives the POSTs."))
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)


class AttemptSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    duration_ms = serializers.IntegerField()


class WebhookDeliverySerializer(serializers.ModelSerializer):
    subscription = serializers.PrimaryKeyRelatedField(read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempt_log = AttemptSerializer(many=True)
    resend_of = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event",
            "event_id",
            "status",
            "attempts",
            "response_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "resend_of",
            "payload",
            "attempt_log",
        ]


class WebhookEventTypeSerializer(serializers.Serializer):
    """One public webhook event: what `data` a delivery of it carries (webhooks/payloads.py)."""

    event = serializers.ChoiceField(choices=WebhookEvent.choices, help_text=_("The name subscriptions list and deliveries carry."))
    label = serializers.CharField()
    version = serializers.IntegerField(help_text=_("The payload's version, also in every delivery's envelope."))
    description = serializers.CharField(help_text=_("When it is sent."))
    schema = serializers.JSONField(help_text=_("JSON Schema (2020-12) of the delivery's `data`."))
