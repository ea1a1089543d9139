"""/api/v1/webhooks/: the vendor's webhook subscriptions, their delivery logs, secret rotation, test pings
and resends. Vendor admins, or tokens with the "webhooks" scope. Writes go through webhooks.services.
/api/v1/webhooks/event-types documents every event's payload (webhooks/payloads.py), for anyone signed in."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from vendor_portal.api.base import PortalAPIView, ScopedGenericViewSet
from vendor_portal.api.errors import documented_error
from vendor_portal.errors import DomainValidationError

from .. import services
from ..models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from ..payloads import BY_EVENT, PAYLOADS
from ..permissions import MANAGE_WEBHOOKS
from .examples import CREATE_REQUEST, DELIVERY, FORBIDDEN, NOT_FOUND, SECRET, SUBSCRIPTION, event_type
from .serializers import (
    RotateSecretInputSerializer,
    WebhookDeliverySerializer,
    WebhookEventTypeSerializer,
    WebhookSubscriptionInputSerializer,
    WebhookSubscriptionSerializer,
    WebhookSubscriptionWithSecretSerializer,
)

TAGS = ["Webhooks"]
ERROR_EXAMPLES = {
    400: documented_error(
        str(_("Validation errors, each naming its field.")),
        OpenApiExample(
            "Plain http",
            value={"errors": [{"code": "invalid", "message": "Use an https:// URL: webhooks carry your business data.", "field": "url"}]},
        ),
    ),
    403: documented_error(str(_("Only vendor admins, or tokens with the webhooks scope.")), FORBIDDEN),
    404: documented_error(str(_("No such subscription, or another vendor's.")), NOT_FOUND),
}
CONFLICT = documented_error(
    str(_("Not possible now: the delivery is still being attempted, or the subscription is inactive.")),
    OpenApiExample(
        "Still pending",
        value={
            "errors": [
                {
                    "code": "invalid_state",
                    "message": "This delivery is still being attempted: resend it once it has succeeded or failed.",
                    "field": None,
                }
            ]
        },
    ),
)
ROLLOVER_TOO_LONG = documented_error(
    str(_("The old secret can keep signing for 0 to 72 hours.")),
    OpenApiExample(
        "Too long",
        value={"errors": [{"code": "max_value", "message": "Ensure this value is less than or equal to 72.", "field": "keep_old_for_hours"}]},
    ),
)
ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=str(_("The subscription's id.")))
DELIVERY_ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=str(_("The delivery's id.")))


def _with_secret(subscription, secret: str) -> dict:
    subscription.secret_shown_once = secret
    return WebhookSubscriptionWithSecretSerializer(subscription).data


class WebhookSubscriptionViewSet(ScopedGenericViewSet):
    queryset = WebhookSubscription.objects.select_related("created_by")
    serializer_class = WebhookSubscriptionSerializer
    actions = {"*": MANAGE_WEBHOOKS}
    filter_backends = []

    def _input(self, partial=False) -> dict:
        serializer = WebhookSubscriptionInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        tags=TAGS,
        summary="List webhook subscriptions",
        description="The vendor's subscriptions, newest first, without their secrets.",
        responses={200: WebhookSubscriptionSerializer(many=True), 403: ERROR_EXAMPLES[403]},
        examples=[OpenApiExample("A page (one row shown)", response_only=True, value=SUBSCRIPTION)],
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebhookSubscriptionSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Subscribe a URL to events",
        description=(
            "Creates the subscription and answers with its signing `secret`, shown only in this answer (a retry with the "
            "same Idempotency-Key replays the answer without it: rotate the secret if the first answer was lost). Every delivery is a POST of `{id, event, created_at, vendor, data}` signed in "
            '`X-Portal-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>` with `X-Portal-Timestamp`, and the '
            "Standard Webhooks way too (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`): "
            "`standardwebhooks.Webhook(secret).verify(body, headers)` accepts it. Only https:// URLs."
        ),
        request=WebhookSubscriptionInputSerializer,
        responses={201: WebhookSubscriptionWithSecretSerializer, 400: ERROR_EXAMPLES[400], 403: ERROR_EXAMPLES[403]},
        examples=[CREATE_REQUEST, OpenApiExample("Created", response_only=True, status_codes=["201"], value={**SUBSCRIPTION, "secret": SECRET})],
    )
    def create(self, request):
        data = self._input()
        if request.scope.vendor is None:
            raise DomainValidationError(_("Only a vendor's admins or tokens can subscribe to webhooks."))
        subscription, secret = services.webhook_subscription_create(
            vendor=request.scope.vendor,
            url=data["url"],
            events=data["events"],
            description=data["description"],
            is_active=data["is_active"],
            actor=self.actor,
        )
        response = Response(_with_secret(subscription, secret), status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/webhooks/{subscription.pk}/"
        return response

    @extend_schema(
        tags=TAGS,
        summary="A webhook subscription",
        parameters=[ID_PARAMETER],
        responses={200: WebhookSubscriptionSerializer, 404: ERROR_EXAMPLES[404]},
        examples=[OpenApiExample("Subscription", response_only=True, value=SUBSCRIPTION)],
    )
    def retrieve(self, request, pk):
        return Response(WebhookSubscriptionSerializer(self.get_object()).data)

    def _update(self, request, pk, partial):
        subscription = self.get_object()  # another vendor's subscription is a 404 before any validation
        data = self._input(partial=partial)
        if partial:
            data = {name: value for name, value in data.items() if name in request.data}
        subscription = services.webhook_subscription_update(scope=request.scope, subscription_id=subscription.pk, actor=self.actor, **data)
        return Response(WebhookSubscriptionSerializer(subscription).data)

    @extend_schema(
        tags=TAGS,
        summary="Replace a webhook subscription",
        parameters=[ID_PARAMETER],
        request=WebhookSubscriptionInputSerializer,
        responses={200: WebhookSubscriptionSerializer, **ERROR_EXAMPLES},
        examples=[CREATE_REQUEST, OpenApiExample("Subscription", response_only=True, value=SUBSCRIPTION)],
    )
    def update(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(
        tags=TAGS,
        summary="Change a webhook subscription",
        description="Change its URL, events or description, or pause it with `is_active: false` (pending deliveries then fail).",
        parameters=[ID_PARAMETER],
        request=WebhookSubscriptionInputSerializer,
        responses={200: WebhookSubscriptionSerializer, **ERROR_EXAMPLES},
        examples=[
            OpenApiExample("Pause", request_only=True, value={"is_active": False}),
            OpenApiExample("Subscription", response_only=True, value={**SUBSCRIPTION, "is_active": False}),
        ],
    )
    def partial_update(self, request, pk):
        return self._update(request, pk, partial=True)

    @extend_schema(
        tags=TAGS,
        summary="Delete a webhook subscription",
        description="Deletes it with its delivery log: no body in the answer (204). Send an Idempotency-Key to retry safely.",
        parameters=[ID_PARAMETER],
        request=None,
        responses={
            204: OpenApiResponse(description=str(_("Deleted; nothing more will be delivered to its URL."))),
            403: ERROR_EXAMPLES[403],
            404: ERROR_EXAMPLES[404],
        },
    )
    def destroy(self, request, pk):
        subscription = self.get_object()
        services.webhook_subscription_delete(scope=request.scope, subscription_id=subscription.pk, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=TAGS,
        summary="Deliveries of a subscription",
        description="Newest first, each with its status, attempts, last response code or error, next attempt and the log of every attempt.",
        parameters=[
            ID_PARAMETER,
            OpenApiParameter("status", OpenApiTypes.STR, enum=DeliveryStatus.values, description=str(_("Only deliveries in this status."))),
        ],
        responses={200: WebhookDeliverySerializer(many=True), 400: ERROR_EXAMPLES[400], 404: ERROR_EXAMPLES[404]},
        examples=[OpenApiExample("A page (one row shown)", response_only=True, value=DELIVERY)],
    )
    def deliveries(self, request, pk):
        subscription = self.get_object()
        deliveries = WebhookDelivery.objects.visible_to(request.scope).filter(subscription=subscription)
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in DeliveryStatus.values:
                raise DomainValidationError(_("Use one of: %(values)s.") % {"values": ", ".join(DeliveryStatus.values)}, field="status")
            deliveries = deliveries.filter(status=wanted)
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Rotate the signing secret",
        description=(
            "Replaces the secret and answers with the new one, shown only in this answer. Deliveries from now on are signed "
            "with it. With `keep_old_for_hours` (1 to 72) they carry the old secret's signature too until "
            "`previous_secret_expires_at` (`X-Portal-Signature: v1=<new>,v1=<old>`, `webhook-signature: v1,<new> v1,<old>`), so a receiver can switch over without "
            "refusing any; without it (an empty body) the old secret stops at once."
        ),
        parameters=[ID_PARAMETER],
        request=RotateSecretInputSerializer,
        responses={200: WebhookSubscriptionWithSecretSerializer, 400: ROLLOVER_TOO_LONG, 404: ERROR_EXAMPLES[404]},
        examples=[
            OpenApiExample("Keep the old secret for a day", request_only=True, value={"keep_old_for_hours": 24}),
            OpenApiExample(
                "Rotated", response_only=True, value={**SUBSCRIPTION, "secret": SECRET, "previous_secret_expires_at": "2026-11-28T09:00:00Z"}
            ),
        ],
    )
    def rotate_secret(self, request, pk):
        subscription = self.get_object()
        wanted = RotateSecretInputSerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        subscription, secret = services.webhook_subscription_rotate_secret(
            scope=request.scope,
            subscription_id=subscription.pk,
            actor=self.actor,
            keep_old_for_hours=wanted.validated_data["keep_old_for_hours"],
        )
        return Response(_with_secret(subscription, secret))

    @extend_schema(
        tags=TAGS,
        summary="Send a test event",
        description='Queues a `ping` event (`data`: `{"subscription": id, "message": ...}`) to this subscription, whatever events it listens to. It gets a single attempt, without retries: follow the returned delivery to see the outcome.',
        parameters=[ID_PARAMETER],
        request=None,
        responses={202: WebhookDeliverySerializer, 404: ERROR_EXAMPLES[404], 409: CONFLICT},
        examples=[
            OpenApiExample(
                "Queued",
                response_only=True,
                status_codes=["202"],
                value={**DELIVERY, "event": "ping", "attempts": 0, "attempt_log": [], "response_status_code": None, "last_error": ""},
            )
        ],
    )
    def ping(self, request, pk):
        subscription = self.get_object()
        delivery = services.webhook_subscription_ping(scope=request.scope, subscription_id=subscription.pk, actor=self.actor)
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryViewSet(ScopedGenericViewSet):
    queryset = WebhookDelivery.objects.all()
    serializer_class = WebhookDeliverySerializer
    actions = {"*": MANAGE_WEBHOOKS}
    filter_backends = []

    @extend_schema(
        tags=TAGS,
        summary="A webhook delivery",
        parameters=[DELIVERY_ID_PARAMETER],
        responses={200: WebhookDeliverySerializer, 404: ERROR_EXAMPLES[404]},
        examples=[OpenApiExample("Delivery", response_only=True, value=DELIVERY)],
    )
    def retrieve(self, request, pk):
        return Response(WebhookDeliverySerializer(self.get_object()).data)

    @extend_schema(
        tags=TAGS,
        summary="Resend a delivery",
        description="Starts a new cycle of attempts for a delivery that succeeded or failed: the same event id and body, fresh attempts and retries. Answers with the new delivery.",
        parameters=[DELIVERY_ID_PARAMETER],
        request=None,
        responses={202: WebhookDeliverySerializer, 404: ERROR_EXAMPLES[404], 409: CONFLICT},
        examples=[
            OpenApiExample(
                "Queued",
                response_only=True,
                status_codes=["202"],
                value={**DELIVERY, "id": 312, "resend_of": 311, "attempts": 0, "attempt_log": [], "response_status_code": None, "last_error": ""},
            )
        ],
    )
    def resend(self, request, pk):
        original = self.get_object()
        delivery = services.webhook_delivery_resend(scope=request.scope, delivery_id=original.pk, actor=self.actor)
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookEventTypeListView(PortalAPIView):
    """The catalogue of webhook events and their payloads: documentation, readable by anyone signed in or with a token."""

    actions = {"GET": None}

    @extend_schema(
        tags=TAGS,
        summary="Webhook events and their payloads",
        operation_id="webhook_event_types",
        description=(
            "Every event a subscription can list, with when it is sent and the JSON Schema (2020-12) of the `data` its deliveries "
            "carry, so a receiver can generate its types. Each delivery is a POST of `{id, event, version, created_at, vendor, data}`: "
            "`id` is the event's id (deduplicate on it; resends keep it), `version` the payload's version (2: `data` has "
            "`object_type`, `object_id`, `reference`, `state`, `previous_state`, `channel` and the event's own fields; version 1 "
            "had `action` and `changes` instead). Adding a field keeps the version; removing or changing one raises it."
        ),
        responses={
            200: WebhookEventTypeSerializer(many=True),
            403: documented_error(str(_("Signed-in people with a role in the portal, and API tokens, may read it.")), FORBIDDEN),
        },
        examples=[
            OpenApiExample("The invoice event (one of the list)", response_only=True, value=event_type(BY_EVENT[WebhookEvent.INVOICE_STATE_CHANGED]))
        ],
    )
    def get(self, request):
        return Response(WebhookEventTypeSerializer([event_type(payload) for payload in PAYLOADS], many=True).data)
