"""Every write of the webhooks app, and the delivery of events to vendors' receivers.

The domain's services publish typed events (vendor_portal/events.py); `webhook_deliveries_for_events`,
subscribed inside the publishing transaction for every event type webhooks/payloads.py maps, writes a
delivery per event and subscription listening to it (an outbox: it commits or rolls back with the change).
Deliveries leave only after the commit. A worker sends each attempt (`webhook_delivery_attempt`), and a
beat job (`webhook_deliveries_due`) picks up retries and attempts whose worker died.
"""

from __future__ import annotations

import base64
import datetime
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
import urllib.parse
import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal import events as domain_events
from vendor_portal.errors import DomainValidationError, InvalidTransitionError, NotFoundError
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot, to_jsonable
from vendor_portal.services.notifications import notify_vendor_roles

from . import payloads, signing
from .models import PING_EVENT, DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription

AUDITED_FIELDS = ["url", "events", "description", "is_active", "secret_set_at", "previous_secret_until"]  # never a secret itself
MAX_ROLLOVER_HOURS = 72  # how long a rotated-out secret may keep signing
SECRET_PREFIX = signing.SECRET_PREFIX
USER_AGENT = "VendorPortal-Webhooks/1"
TIMEOUT_SECONDS = 10
# Wait before attempt 2, 3, ...: six attempts over about 2 h 40 min, then the delivery fails.
RETRY_DELAYS = [
    datetime.timedelta(seconds=30),
    datetime.timedelta(minutes=2),
    datetime.timedelta(minutes=8),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A claimed attempt is retried after this long if its worker never reported back (it died).
CLAIM_LEASE = datetime.timedelta(minutes=2)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
URL_MAX_LENGTH = 500
# Ports a receiver may listen on: https's, and http's where plain http is allowed (this machine only, in
# development). Anything else would let a subscription probe other services.
HTTPS_PORTS = {None, 443}
HTTP_PORTS = {None, 80}
# IPv6 forms that carry an IPv4 address inside (NAT64, IPv4-compatible): refused whatever they embed,
# since `is_global` judges the IPv6 wrapper, not the address behind it.
IPV6_TRANSITION_NETWORKS = [ipaddress.ip_network(net) for net in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96")]


# Validation --------------------------------------------------------------------------------------
def _local_http_allowed() -> bool:
    return getattr(settings, "WEBHOOKS_ALLOW_LOCAL_HTTP", False)


def webhook_url_errors(url: str) -> list[str]:
    """Why `url` may not receive webhooks (empty when it may): https only, no credentials, no private
    address; plain http only to this machine, and only where WEBHOOKS_ALLOW_LOCAL_HTTP is set."""
    if len(url) > URL_MAX_LENGTH:
        return [_("Use a URL of at most %(max)d characters.") % {"max": URL_MAX_LENGTH}]
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  raises ValueError for a malformed port
    except ValueError:
        return [_("Enter a valid URL, e.g. https://erp.example.com/portal-webhooks.")]
    if not host or parts.scheme not in ("http", "https") or any(c.isspace() for c in url):
        return [_("Enter a valid URL, e.g. https://erp.example.com/portal-webhooks.")]
    if parts.username or parts.password:
        return [_("Do not put credentials in the URL: deliveries are signed with the subscription's secret.")]
    local = host in LOCAL_HOSTS
    if local and not _local_http_allowed():
        return [_("Webhooks cannot be sent to this machine.")]
    if parts.scheme == "http" and not local:
        return [_("Use an https:// URL: webhooks carry your business data.")]
    if not local and parts.port not in (HTTPS_PORTS if parts.scheme == "https" else HTTP_PORTS):
        return [_("Use the standard port (443 for https): webhooks are not sent to other ports.")]
    if not local and _is_literal_address(host) and not _is_public_address(host):
        return [_("Webhooks cannot be sent to a private or reserved network address.")]
    return []


def _is_literal_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False  # a name: checked when it is resolved, before each delivery
    return True


def _is_public_address(address: str) -> bool:
    """A global unicast address, and not an IPv6 form wrapping an IPv4 one (mapped, 6to4, Teredo, NAT64)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0].strip("[]"))
    except ValueError:
        return False
    if ip.version == 6 and (ip.ipv4_mapped or ip.sixtofour or ip.teredo or any(ip in net for net in IPV6_TRANSITION_NETWORKS)):
        return False
    return ip.is_global


def _clean_url(url) -> str:
    url = (url or "").strip()
    errors = webhook_url_errors(url)
    if errors:
        raise DomainValidationError(errors[0], field="url")
    return url


def _clean_events(events) -> list[str]:
    events = list(dict.fromkeys(events or []))
    if not events:
        raise DomainValidationError(_("Choose at least one event."), field="events")
    unknown = sorted(set(map(str, events)) - set(WebhookEvent.values))
    if unknown:
        raise DomainValidationError(
            _("Unknown event(s): %(events)s. Known events: %(known)s.") % {"events": ", ".join(unknown), "known": ", ".join(WebhookEvent.values)},
            field="events",
        )
    return [str(event) for event in events]


def _new_secret() -> str:
    # Standard base64 (not the URL-safe alphabet): the Standard Webhooks libraries decode it as the signing key.
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _locked_subscription(scope, subscription_id) -> WebhookSubscription:
    subscription = WebhookSubscription.objects.visible_to(scope).select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFoundError(_("No such webhook subscription."))
    return subscription


# Subscriptions -----------------------------------------------------------------------------------
def webhook_subscription_create(
    *, vendor, url: str, events: list[str], actor: Actor, description: str = "", is_active: bool = True
) -> tuple[WebhookSubscription, str]:
    """Create a subscription and return it with its secret, which is shown only this once."""
    url, events = _clean_url(url), _clean_events(events)
    secret = _new_secret()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            vendor=vendor,
            url=url,
            events=events,
            description=(description or "").strip(),
            secret=secret,
            secret_set_at=timezone.now(),
            is_active=is_active,
            created_by=actor.user,
        )
        audit_record(actor=actor, action="webhook_subscription.create", obj=subscription, after=snapshot(subscription, AUDITED_FIELDS))
    return subscription, secret


def webhook_subscription_update(
    *,
    scope,
    subscription_id: int,
    actor: Actor,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    changes = {}
    if url is not None:
        changes["url"] = _clean_url(url)
    if events is not None:
        changes["events"] = _clean_events(events)
    if description is not None:
        changes["description"] = description.strip()
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    with transaction.atomic():
        subscription = _locked_subscription(scope, subscription_id)
        before = snapshot(subscription, AUDITED_FIELDS)
        changed = [name for name, value in changes.items() if getattr(subscription, name) != value]
        if not changed:
            return subscription
        for name in changed:
            setattr(subscription, name, changes[name])
        subscription.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action="webhook_subscription.change", obj=subscription, before=before, after=snapshot(subscription, AUDITED_FIELDS))
    return subscription


def webhook_subscription_delete(*, scope, subscription_id: int, actor: Actor) -> None:
    """Delete a subscription with its delivery log; the audit trail keeps what it was."""
    with transaction.atomic():
        subscription = _locked_subscription(scope, subscription_id)
        audit_record(actor=actor, action="webhook_subscription.delete", obj=subscription, before=snapshot(subscription, AUDITED_FIELDS))
        subscription.delete()


def webhook_subscription_rotate_secret(*, scope, subscription_id: int, actor: Actor, keep_old_for_hours: int = 0) -> tuple[WebhookSubscription, str]:
    """Replace the secret and return the new one, shown only this once. With `keep_old_for_hours` (up to 72)
    the old secret keeps signing deliveries, as a second signature, for that long: receivers switch over
    without refusing any. Without it (a leaked secret) the old one stops at once, and so does any earlier
    secret still in its rollover."""
    if not isinstance(keep_old_for_hours, int) or isinstance(keep_old_for_hours, bool) or not 0 <= keep_old_for_hours <= MAX_ROLLOVER_HOURS:
        raise DomainValidationError(
            _("Keep the old secret for 0 to %(max)s hours.") % {"max": MAX_ROLLOVER_HOURS},
            field="keep_old_for_hours",
        )
    with transaction.atomic():
        subscription = _locked_subscription(scope, subscription_id)
        before = snapshot(subscription, AUDITED_FIELDS)
        now = timezone.now()
        if keep_old_for_hours:
            subscription.previous_secret = subscription.secret
            subscription.previous_secret_until = now + datetime.timedelta(hours=keep_old_for_hours)
        else:
            subscription.previous_secret, subscription.previous_secret_until = "", None
        subscription.secret = _new_secret()
        subscription.secret_set_at = now
        subscription.save(update_fields=["secret", "secret_set_at", "previous_secret", "previous_secret_until", "updated_at"])
        audit_record(
            actor=actor, action="webhook_subscription.rotate_secret", obj=subscription, before=before, after=snapshot(subscription, AUDITED_FIELDS)
        )
    return subscription, subscription.secret


def webhook_subscription_ping(*, scope, subscription_id: int, actor: Actor) -> WebhookDelivery:
    """Send a `ping` event to one subscription, whatever events it listens to, to test the receiver."""
    with transaction.atomic():
        subscription = _locked_subscription(scope, subscription_id)
        if not subscription.is_active:
            raise InvalidTransitionError(_("This subscription is inactive: activate it to send a test event."))
        data = {"subscription": subscription.pk, "message": "Test event from the Vendor Portal."}
        [delivery] = _create_deliveries([subscription], vendor=subscription.vendor, event=PING_EVENT, data=data)
        audit_record(
            actor=actor, action="webhook_subscription.ping", obj=subscription, after={"delivery": delivery.pk, "event_id": delivery.event_id}
        )
    return delivery


# Events and deliveries ---------------------------------------------------------------------------
DELIVERY_BATCH = 2000  # rows per INSERT: a 10,000-claim match writes its deliveries in a few statements


def webhook_deliveries_for_events(batch: list[domain_events.Event]) -> list[WebhookDelivery]:
    """The outbox: for a batch of domain events of one type, a delivery per event and active subscription of
    its vendor listening to its webhook event, all with the payload webhooks/payloads.py defines for it.

    Subscribed IN_TRANSACTION (webhooks/apps.py): the deliveries commit or roll back with the change and
    leave after the commit. One query finds the batch's subscribers, whatever its size; the deliveries are
    inserted in batches of DELIVERY_BATCH."""
    payload = payloads.payload_for(batch[0]) if batch else None
    vendor_ids = {event.vendor_id for event in batch if event.vendor_id is not None}
    if payload is None or not vendor_ids:
        return []
    listening: dict[int, list[int]] = {}
    codes: dict[int, str] = {}
    for subscription_id, vendor_id, code, subscribed in (
        WebhookSubscription.objects.filter(vendor_id__in=vendor_ids, is_active=True)
        .order_by("pk")
        .values_list("pk", "vendor_id", "vendor__code", "events")
    ):
        if payload.event in (subscribed or []):
            listening.setdefault(vendor_id, []).append(subscription_id)
            codes[vendor_id] = code
    if not listening:
        return []
    now = timezone.now()
    created_at = now.isoformat()
    deliveries = []
    for event in batch:
        subscription_ids = listening.get(event.vendor_id)
        if not subscription_ids:
            continue
        event_id = uuid.uuid4()
        # An event's fields are plain values (vendor_portal/events.py): its data is JSON as it is.
        body = {
            "id": str(event_id),
            "event": payload.event,
            "version": payloads.VERSION,
            "created_at": created_at,
            "vendor": codes[event.vendor_id],
            "data": payload.data(event),
        }
        deliveries.extend(
            WebhookDelivery(
                subscription_id=subscription_id, vendor_id=event.vendor_id, event=payload.event, event_id=event_id, payload=body, next_attempt_at=now
            )
            for subscription_id in subscription_ids
        )
    deliveries = WebhookDelivery.objects.bulk_create(deliveries, batch_size=DELIVERY_BATCH)
    _deliver_on_commit([delivery.pk for delivery in deliveries])
    return deliveries


def webhook_emit(*, vendor, event: str, data: dict) -> list[WebhookDelivery]:
    """Queue `event` with this `data` for every active subscription of `vendor` listening to it (the domain's
    events go through `webhook_deliveries_for_events`; this is for a payload built by hand).

    Call it inside the transaction of the change it reports: deliveries leave after the commit and
    never for a rolled-back change. Costs one query when nobody subscribes."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(vendor=vendor, is_active=True).only("id", "vendor_id", "events")
        if event in subscription.events
    ]
    if not subscriptions:
        return []
    return _create_deliveries(subscriptions, vendor=vendor, event=event, data=data)


def _create_deliveries(subscriptions, *, vendor, event: str, data: dict) -> list[WebhookDelivery]:
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "event": event,
        "version": payloads.VERSION,
        "created_at": now.isoformat(),
        "vendor": vendor.code,
        "data": to_jsonable(data),
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription=subscription, vendor=vendor, event=event, event_id=event_id, payload=payload, next_attempt_at=now)
            for subscription in subscriptions
        ]
    )
    _deliver_on_commit([delivery.pk for delivery in deliveries])
    return deliveries


def _deliver_on_commit(delivery_ids: list[int]) -> None:
    from .tasks import deliver_webhook

    def enqueue():
        for delivery_id in delivery_ids:
            deliver_webhook.delay(delivery_id)

    # robust: if the broker is down the change still stands; the beat sweep sends the deliveries later.
    transaction.on_commit(enqueue, robust=True)


def webhook_delivery_resend(*, scope, delivery_id: int, actor: Actor) -> WebhookDelivery:
    """Start a new cycle of attempts for a finished delivery: same event id and body, fresh attempts."""
    with transaction.atomic():
        original = WebhookDelivery.objects.visible_to(scope).select_for_update().filter(pk=delivery_id).first()
        if original is None:
            raise NotFoundError(_("No such webhook delivery."))
        subscription = WebhookSubscription.objects.get(pk=original.subscription_id)
        if original.status == DeliveryStatus.PENDING or WebhookDelivery.objects.filter(resend_of=original, status=DeliveryStatus.PENDING).exists():
            raise InvalidTransitionError(_("This delivery is still being attempted: resend it once it has succeeded or failed."))
        if not subscription.is_active:
            raise InvalidTransitionError(_("This subscription is inactive: activate it before resending."))
        resend = WebhookDelivery.objects.create(
            subscription=subscription,
            vendor_id=original.vendor_id,
            event=original.event,
            event_id=original.event_id,
            payload=original.payload,
            next_attempt_at=timezone.now(),
            resend_of=original,
        )
        audit_record(
            actor=actor,
            action="webhook_delivery.resend",
            obj=resend,
            after={"resend_of": original.pk, "event": original.event, "event_id": original.event_id, "subscription": subscription.pk},
        )
        _deliver_on_commit([resend.pk])
    return resend


def webhook_deliveries_due(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due: retries, and attempts whose worker died."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Make the next attempt of a due delivery. Returns None when there is nothing to do (not due, finished,
    or another worker claimed this attempt first)."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.select_related("subscription", "vendor").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING or delivery.next_attempt_at is None or delivery.next_attempt_at > now:
        return None
    attempt = delivery.attempts + 1
    # Compare-and-set: only one worker moves the counter from n to n+1, so an attempt is sent once.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts, next_attempt_at__lte=now
    ).update(attempts=attempt, next_attempt_at=now + CLAIM_LEASE)
    if not claimed:
        return None
    subscription = delivery.subscription
    if not subscription.is_active:
        return _finish(delivery, attempt, status=DeliveryStatus.FAILED, log_entry=None, error=_("The subscription was deactivated."))

    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    signing_secrets = subscription.signing_secrets(timezone.now())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Portal-Event": delivery.event,
        "X-Portal-Delivery": str(delivery.event_id),
        "X-Portal-Timestamp": str(timestamp),
        # During a rollover both the new and the old secret sign: a receiver accepts either (see signing.verify).
        "X-Portal-Signature": ",".join(signing.sign(secret, timestamp, body) for secret in signing_secrets),
        # The same delivery signed the Standard Webhooks way, for receivers using its libraries (webhooks/signing.py).
        "webhook-id": str(delivery.event_id),
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signing.standard_sign(secret, delivery.event_id, timestamp, body) for secret in signing_secrets),
    }
    started = time.monotonic()
    status_code, error = _post(subscription.url, body, headers)
    log_entry = {
        "at": now.isoformat(),
        "status_code": status_code,
        "error": error,
        "duration_ms": round((time.monotonic() - started) * 1000),
    }
    if status_code is not None and 200 <= status_code < 300:
        return _finish(delivery, attempt, status=DeliveryStatus.SUCCEEDED, log_entry=log_entry, status_code=status_code)
    if delivery.event == PING_EVENT:  # a test gets one attempt: the admin watching the log wants the answer now
        return _finish(delivery, attempt, status=DeliveryStatus.FAILED, log_entry=log_entry, status_code=status_code, error=error)
    if attempt >= MAX_ATTEMPTS:
        return _finish(delivery, attempt, status=DeliveryStatus.FAILED, log_entry=log_entry, status_code=status_code, error=error, notify=True)
    retry_at = timezone.now() + RETRY_DELAYS[attempt - 1]
    return _finish(delivery, attempt, status=DeliveryStatus.PENDING, log_entry=log_entry, status_code=status_code, error=error, retry_at=retry_at)


def _finish(delivery, attempt, *, status, log_entry, status_code=None, error="", retry_at=None, notify=False) -> WebhookDelivery | None:
    fields = {
        "status": status,
        "response_status_code": status_code,
        "last_error": (error or "")[:500],
        "next_attempt_at": retry_at,
        "attempt_log": delivery.attempt_log + ([log_entry] if log_entry else []),
    }
    if status == DeliveryStatus.SUCCEEDED:
        fields["delivered_at"] = timezone.now()
    with transaction.atomic():
        # Still our claim: the attempt counter has not moved since.
        updated = WebhookDelivery.objects.filter(pk=delivery.pk, attempts=attempt, status=DeliveryStatus.PENDING).update(**fields)
        if updated and notify:
            notify_vendor_roles(
                vendor=delivery.vendor,
                roles=[Role.VENDOR_ADMIN],
                kind="webhook_failed",
                title=_("Webhook delivery failed: %(event)s to %(url)s") % {"event": delivery.event, "url": delivery.subscription.url},
                body=_("%(attempts)d attempts failed; last error: %(error)s. You can resend it from the subscription's page.")
                % {"attempts": attempt, "error": fields["last_error"] or "-"},
                url=reverse("webhook_detail", kwargs={"pk": delivery.subscription_id}),
            )
    if not updated:
        return None  # deleted with its subscription meanwhile
    delivery.refresh_from_db()
    return delivery


# Sending -----------------------------------------------------------------------------------------
class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address the name was resolved to once and checked, never resolving it again: a DNS
    answer that changes between the check and the connection (rebinding) cannot lead the request inside."""

    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        # The certificate is checked against the name in the URL (SNI too), not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST the body; returns (HTTP status or None, error text or ""). A redirect is an answer, not a hop:
    following it could lead a signed body anywhere, even inside our network."""
    refused, address = _destination(url)
    if refused:
        return None, refused
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme == "https"
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, parts.port or (443 if https else 80), address=address, timeout=TIMEOUT_SECONDS)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        if 200 <= response.status < 300:
            return response.status, ""
        detail = response.read(300).decode("utf-8", "replace").strip()
        return response.status, f"HTTP {response.status}" + (f": {detail}" if detail else "")
    except (OSError, http.client.HTTPException, ValueError) as failure:
        return None, str(failure) or failure.__class__.__name__
    finally:
        connection.close()


def _destination(url: str) -> tuple[str, str]:
    """(why the URL is refused, "") or ("", the one checked address to connect to): a URL no longer allowed,
    or a name resolving to any private or reserved address, is refused."""
    errors = webhook_url_errors(url)
    if errors:
        return str(errors[0]), ""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if host in LOCAL_HOSTS:
        return "", host  # development only (WEBHOOKS_ALLOW_LOCAL_HTTP)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]
    except OSError as failure:
        return _("Cannot resolve %(host)s: %(error)s") % {"host": host, "error": failure}, ""
    if not addresses:
        return _("Cannot resolve %(host)s.") % {"host": host}, ""
    if not all(_is_public_address(address) for address in addresses):
        return _("Refused: %(host)s resolves to a private or reserved network address.") % {"host": host}, ""
    return "", addresses[0].split("%")[0]
