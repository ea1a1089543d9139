"""/api/v1/webhooks/: subscriptions, deliveries, rotation, pings and resends, for vendor admins and tokens."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import api_token, vendor_user
from tests.webhooks.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory
from tests.webhooks.receiver import Receiver
from vendor_portal.models import AuditEvent, Notification
from vendor_portal.roles import Role
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db
NEW = {"url": "https://erp.example.com/hooks", "events": ["purchase_order.created", "payment.sent"], "description": "SAP"}


@pytest.fixture
def admin_client(api_client, vendor):
    api_client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    return api_client


def _audit_actions(subscription_id) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="webhooks.webhooksubscription", object_id=str(subscription_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_create_shows_the_secret_once_and_never_again(admin_client):
    response = admin_client.post("/api/v1/webhooks/", NEW, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and len(secret) >= 6 + 43
    assert response["Location"] == f"/api/v1/webhooks/{body['id']}/"
    assert body["events"] == NEW["events"] and body["is_active"] is True and body["created_by"] == "acme-vendor-admin"
    detail = admin_client.get(f"/api/v1/webhooks/{body['id']}/")
    listing = admin_client.get("/api/v1/webhooks/")
    for later in (detail, listing):
        assert later.status_code == 200
        assert secret not in later.content.decode() and '"secret"' not in later.content.decode()
    audit = json.dumps(list(AuditEvent.objects.values("before", "after")))
    assert secret not in audit


def test_retry_with_the_same_idempotency_key_creates_one_subscription(admin_client):
    first = admin_client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="create-hook-1")
    again = admin_client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="create-hook-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert WebhookSubscription.objects.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"url": "http://erp.example.com/hooks"}, "url"),
        ({"url": "https://user:pw@erp.example.com/hooks"}, "url"),
        ({"url": "https://10.0.0.8/hooks"}, "url"),
        ({"url": "https://[::1]:8443/hooks"}, "url"),
        ({"url": "ftp://erp.example.com/"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["purchase_order.exploded"]}, "events[0]"),
    ],
)
def test_invalid_subscription_is_refused_naming_the_field(admin_client, settings, change, field):
    settings.WEBHOOKS_ALLOW_LOCAL_HTTP = False
    response = admin_client.post("/api/v1/webhooks/", {**NEW, **change}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert not WebhookSubscription.objects.exists()


def test_local_http_receivers_are_allowed_only_where_the_setting_allows_them(admin_client, settings):
    local = {**NEW, "url": "http://127.0.0.1:9000/hooks"}
    settings.WEBHOOKS_ALLOW_LOCAL_HTTP = False
    assert admin_client.post("/api/v1/webhooks/", local, format="json").status_code == 400
    settings.WEBHOOKS_ALLOW_LOCAL_HTTP = True
    assert admin_client.post("/api/v1/webhooks/", local, format="json").status_code == 201
    assert admin_client.post("/api/v1/webhooks/", {**local, "url": "http://localhost:9000/"}, format="json").status_code == 201


def test_every_subscription_change_is_audited(admin_client):
    created = admin_client.post("/api/v1/webhooks/", NEW, format="json").json()
    url = f"/api/v1/webhooks/{created['id']}/"
    assert admin_client.patch(url, {"events": ["asn.accepted"]}, format="json").json()["events"] == ["asn.accepted"]
    assert admin_client.patch(url, {"is_active": False}, format="json").json()["is_active"] is False
    assert admin_client.put(url, {**NEW, "description": "SAP prod"}, format="json").json()["is_active"] is True
    assert admin_client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret").status_code == 200
    assert admin_client.delete(url).status_code == 204
    assert _audit_actions(created["id"]) == [
        "webhook_subscription.create",
        "webhook_subscription.change",
        "webhook_subscription.change",
        "webhook_subscription.change",
        "webhook_subscription.rotate_secret",
        "webhook_subscription.delete",
    ]
    change = AuditEvent.objects.filter(action="webhook_subscription.change").order_by("id").first()
    assert change.before["events"] == NEW["events"] and change.after["events"] == ["asn.accepted"]
    assert change.channel == "api" and change.actor_label == "acme-vendor-admin"
    assert not WebhookSubscription.objects.exists()


def test_a_patch_that_changes_nothing_writes_no_audit_row(admin_client):
    created = admin_client.post("/api/v1/webhooks/", NEW, format="json").json()
    assert admin_client.patch(f"/api/v1/webhooks/{created['id']}/", {"description": "SAP"}, format="json").status_code == 200
    assert _audit_actions(created["id"]) == ["webhook_subscription.create"]


def test_rotated_secret_signs_the_next_deliveries_and_the_old_one_no_longer_verifies(admin_client, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        created = admin_client.post("/api/v1/webhooks/", {**NEW, "url": receiver.url}, format="json").json()
        rotated = admin_client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret")
        assert rotated.status_code == 200
        new_secret = rotated.json()["secret"]
        assert new_secret != created["secret"]
        receiver.secret = created["secret"]
        with django_capture_on_commit_callbacks(execute=True):
            first = admin_client.post(f"/api/v1/webhooks/{created['id']}/ping")
        receiver.secret = new_secret
        with django_capture_on_commit_callbacks(execute=True):
            second = admin_client.post(f"/api/v1/webhooks/{created['id']}/ping")
    assert first.status_code == second.status_code == 202
    assert [request["valid"] for request in receiver.requests] == [False, True]
    assert receiver.requests[1]["json"]["event"] == "ping"
    refused = WebhookDelivery.objects.get(pk=first.json()["id"])
    assert refused.response_status_code == 401 and refused.status == "failed" and refused.attempts == 1  # a ping is not retried
    assert not Notification.objects.exists()
    assert WebhookDelivery.objects.get(pk=second.json()["id"]).status == "succeeded"


def test_ping_of_an_inactive_subscription_is_a_conflict(admin_client, vendor):
    subscription = WebhookSubscriptionFactory(vendor=vendor, is_active=False)
    response = admin_client.post(f"/api/v1/webhooks/{subscription.pk}/ping")
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_state"


def test_resend_starts_a_new_cycle_with_the_same_event_id(admin_client, vendor, django_capture_on_commit_callbacks):
    with Receiver(secret="whsec_s") as receiver:
        subscription = WebhookSubscriptionFactory(vendor=vendor, url=receiver.url, secret="whsec_s")
        failed = WebhookDeliveryFactory(subscription=subscription, payload={"id": "x", "event": "purchase_order.created", "data": {"n": 1}})
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(f"/api/v1/webhook-deliveries/{failed.pk}/resend")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["resend_of"] == failed.pk and body["event_id"] == str(failed.event_id) and body["id"] != failed.pk
    assert receiver.requests[0]["headers"]["X-Portal-Delivery"] == str(failed.event_id)
    assert receiver.requests[0]["json"]["data"] == {"n": 1}
    resent = WebhookDelivery.objects.get(pk=body["id"])
    assert resent.status == "succeeded" and resent.attempts == 1
    failed.refresh_from_db()
    assert failed.status == "failed" and failed.attempts == 6  # the first cycle's record is kept as it was
    [event] = AuditEvent.objects.filter(action="webhook_delivery.resend")
    assert event.object_id == str(resent.pk) and event.after["resend_of"] == failed.pk


def test_a_delivery_still_being_attempted_cannot_be_resent(admin_client, vendor):
    pending = WebhookDeliveryFactory(subscription=WebhookSubscriptionFactory(vendor=vendor), status="pending", attempts=1)
    response = admin_client.post(f"/api/v1/webhook-deliveries/{pending.pk}/resend")
    assert response.status_code == 409
    assert WebhookDelivery.objects.count() == 1


def test_deliveries_list_filters_by_status_in_constant_queries(admin_client, vendor):
    subscription = WebhookSubscriptionFactory(vendor=vendor)
    WebhookDeliveryFactory(subscription=subscription, status="succeeded", response_status_code=200, last_error="")
    url = f"/api/v1/webhooks/{subscription.pk}/deliveries/"
    admin_client.get(url)  # warm the session and scope caches
    with CaptureQueriesContext(connection) as few:
        assert len(admin_client.get(url).json()["results"]) == 1
    WebhookDeliveryFactory.create_batch(15, subscription=subscription)
    with CaptureQueriesContext(connection) as many:
        results = admin_client.get(url).json()["results"]
    assert len(results) == 16 and len(many) == len(few)
    failed = admin_client.get(url, {"status": "failed"}).json()["results"]
    assert len(failed) == 15 and {d["status"] for d in failed} == {"failed"}
    assert failed[0]["attempt_log"] == [] and failed[0]["last_error"] == "HTTP 500"
    assert admin_client.get(url, {"status": "lost"}).status_code == 400


def test_subscription_list_runs_in_constant_queries(admin_client, vendor, other_vendor):
    WebhookSubscriptionFactory(vendor=vendor)
    admin_client.get("/api/v1/webhooks/")
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/api/v1/webhooks/")
    WebhookSubscriptionFactory.create_batch(10, vendor=vendor, created_by=vendor_user(vendor, Role.VENDOR_ADMIN, username="maker"))
    WebhookSubscriptionFactory(vendor=other_vendor)
    with CaptureQueriesContext(connection) as many:
        results = admin_client.get("/api/v1/webhooks/").json()["results"]
    assert len(results) == 11 and len(many) == len(few)


def test_another_vendors_subscriptions_and_deliveries_are_404(api_client, vendor, other_vendor):
    theirs = WebhookSubscriptionFactory(vendor=vendor, description="ACME-SECRET")
    delivery = WebhookDeliveryFactory(subscription=theirs)
    api_client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN))
    base = f"/api/v1/webhooks/{theirs.pk}/"
    for method, url in [
        ("get", base),
        ("patch", base),
        ("put", base),
        ("delete", base),
        ("get", base + "deliveries/"),
        ("post", f"/api/v1/webhooks/{theirs.pk}/rotate-secret"),
        ("post", f"/api/v1/webhooks/{theirs.pk}/ping"),
        ("get", f"/api/v1/webhook-deliveries/{delivery.pk}/"),
        ("post", f"/api/v1/webhook-deliveries/{delivery.pk}/resend"),
    ]:
        response = getattr(api_client, method)(url, NEW if method in ("put", "patch") else None, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    assert "ACME-SECRET" not in api_client.get("/api/v1/webhooks/").content.decode()
    theirs.refresh_from_db()
    assert theirs.is_active and theirs.secret.startswith("whsec_test") and WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("role", [Role.VENDOR_OPS, Role.VENDOR_FINANCE, Role.INTEGRATOR])
def test_only_vendor_admins_manage_webhooks(api_client, vendor, role):
    api_client.force_login(vendor_user(vendor, role))
    assert api_client.get("/api/v1/webhooks/").status_code == 403
    assert api_client.post("/api/v1/webhooks/", NEW, format="json").status_code == 403


def test_a_token_without_the_webhooks_scope_is_refused(api_client, vendor):
    _, raw = api_token(vendor, scopes=["orders:read", "orders:write", "payments:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/webhooks/").status_code == 403
    assert api_client.post("/api/v1/webhooks/", NEW, format="json").status_code == 403


def test_a_token_with_the_webhooks_scope_manages_its_vendors_subscriptions(api_client, vendor, other_vendor):
    token, raw = api_token(vendor, scopes=["webhooks"])
    WebhookSubscriptionFactory(vendor=other_vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    created = api_client.post("/api/v1/webhooks/", NEW, format="json")
    assert created.status_code == 201 and created.json()["created_by"] is None
    assert [s["id"] for s in api_client.get("/api/v1/webhooks/").json()["results"]] == [created.json()["id"]]
    event = AuditEvent.objects.get(action="webhook_subscription.create")
    assert event.actor_token == token and event.channel == "api"


def test_the_schema_documents_the_webhook_endpoints(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in [
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{id}/",
        "/api/v1/webhooks/{id}/deliveries/",
        "/api/v1/webhooks/{id}/rotate-secret",
        "/api/v1/webhooks/{id}/ping",
        "/api/v1/webhook-deliveries/{id}/resend",
    ]:
        assert path in paths, path
    assert "Created" in paths["/api/v1/webhooks/"]["post"]["responses"]["201"]["content"]["application/json"]["examples"]


def test_rotation_that_keeps_the_old_secret_signs_with_both_until_it_expires(admin_client, django_capture_on_commit_callbacks):
    """A receiver still on the old secret keeps accepting deliveries during the rollover; one on the new secret too.
    Once it expires, only the new secret signs."""
    with Receiver() as receiver:
        created = admin_client.post("/api/v1/webhooks/", {**NEW, "url": receiver.url}, format="json").json()
        rotated = admin_client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret", {"keep_old_for_hours": 24}, format="json")
        assert rotated.status_code == 200, rotated.json()
        body = rotated.json()
        assert body["previous_secret_expires_at"] is not None and body["secret"] != created["secret"]
        for secret in (created["secret"], body["secret"]):
            receiver.secret = secret
            with django_capture_on_commit_callbacks(execute=True):
                admin_client.post(f"/api/v1/webhooks/{created['id']}/ping")
        assert [request["valid"] for request in receiver.requests] == [True, True]
        assert receiver.requests[0]["headers"]["X-Portal-Signature"].count("v1=") == 2

        WebhookSubscription.objects.filter(pk=created["id"]).update(previous_secret_until=timezone.now() - datetime.timedelta(seconds=1))
        receiver.secret = created["secret"]
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(f"/api/v1/webhooks/{created['id']}/ping")
    assert receiver.requests[2]["valid"] is False and receiver.requests[2]["headers"]["X-Portal-Signature"].count("v1=") == 1
    assert admin_client.get(f"/api/v1/webhooks/{created['id']}/").json()["previous_secret_expires_at"] is None

    # A rotation without it (a leaked secret) ends any rollover at once; more than 72 hours is refused.
    too_long = admin_client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret", {"keep_old_for_hours": 100}, format="json")
    assert too_long.status_code == 400 and too_long.json()["errors"][0]["field"] == "keep_old_for_hours"
    admin_client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret", {"keep_old_for_hours": 24}, format="json")
    admin_client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret")
    subscription = WebhookSubscription.objects.get(pk=created["id"])
    assert subscription.previous_secret == "" and subscription.previous_secret_until is None


def test_a_stock_standard_webhooks_receiver_verifies_deliveries_with_the_secret_the_portal_shows(admin_client, django_capture_on_commit_callbacks):
    """An integrator pastes the secret shown on creation (and on rotation) into `standardwebhooks.Webhook` and
    verifies the raw body with the headers as received, whatever their case (HTTP/2 and gateways lower-case them)."""
    standardwebhooks = pytest.importorskip("standardwebhooks")
    with Receiver() as receiver:
        created = admin_client.post("/api/v1/webhooks/", {**NEW, "url": receiver.url}, format="json").json()
        receiver.secret = created["secret"]
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(f"/api/v1/webhooks/{created['id']}/ping")
        rotated = admin_client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret", {"keep_old_for_hours": 24}, format="json").json()
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(f"/api/v1/webhooks/{created['id']}/ping")
    alone, rollover = receiver.requests
    assert alone["valid"] and rollover["valid"]  # the portal's own signature still comes along
    delivery = WebhookDelivery.objects.filter(subscription_id=created["id"]).order_by("id").first()
    assert alone["headers"]["webhook-id"] == str(delivery.event_id) == alone["headers"]["X-Portal-Delivery"]
    assert alone["headers"]["webhook-timestamp"] == alone["headers"]["X-Portal-Timestamp"]
    assert alone["headers"]["webhook-signature"].startswith("v1,") and " " not in alone["headers"]["webhook-signature"]
    lower_cased = {name.lower(): value for name, value in alone["headers"].items()}
    for headers in (alone["headers"], lower_cased):
        assert standardwebhooks.Webhook(created["secret"]).verify(alone["body"], headers) == alone["json"]
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(rotated["secret"]).verify(alone["body"], alone["headers"])
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(created["secret"]).verify(alone["body"].replace(b"ping", b"pong"), alone["headers"])

    # During a rollover the header carries both signatures, space-separated: the old and the new secret verify.
    assert len(rollover["headers"]["webhook-signature"].split(" ")) == 2
    for secret in (created["secret"], rotated["secret"]):
        assert standardwebhooks.Webhook(secret).verify(rollover["body"], rollover["headers"])["event"] == "ping"
