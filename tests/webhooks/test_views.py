"""/settings/webhooks/: a vendor admin's screens for subscriptions, their delivery log and resends."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import vendor_user
from tests.webhooks.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory
from tests.webhooks.receiver import Receiver
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    return client


def test_admin_creates_a_subscription_and_sees_its_secret_only_once(admin):
    response = admin.post(
        "/settings/webhooks/", {"url": "https://erp.example.com/hooks", "events": ["purchase_order.created", "payment.sent"], "description": "SAP"}
    )
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    page = response.content.decode()
    assert 'data-testid="new-secret"' in page and subscription.secret in page
    assert subscription.events == ["purchase_order.created", "payment.sent"]
    assert AuditEvent.objects.filter(action="webhook_subscription.create", channel="web").count() == 1
    for url in ("/settings/webhooks/", f"/settings/webhooks/{subscription.pk}/"):
        later = admin.get(url).content.decode()
        assert subscription.secret not in later and "https://erp.example.com/hooks" in later


def test_invalid_url_is_shown_next_to_the_field(admin):
    response = admin.post("/settings/webhooks/", {"url": "http://erp.example.com/hooks", "events": ["payment.sent"]})
    assert response.status_code == 200
    assert "https://" in response.context["form"].errors["url"][0]
    assert not WebhookSubscription.objects.exists()


def test_detail_shows_the_delivery_log_and_resend_starts_a_new_cycle(admin, vendor, django_capture_on_commit_callbacks):
    with Receiver(secret="whsec_s") as receiver:
        subscription = WebhookSubscriptionFactory(vendor=vendor, url=receiver.url, secret="whsec_s")
        failed = WebhookDeliveryFactory(
            subscription=subscription,
            last_error="HTTP 503: maintenance",
            response_status_code=503,
            attempt_log=[{"at": "2026-11-27T09:00:00+00:00", "status_code": 503, "error": "HTTP 503: maintenance", "duration_ms": 12}],
        )
        page = admin.get(f"/settings/webhooks/{subscription.pk}/").content.decode()
        assert 'class="status failed"' in page and "HTTP 503: maintenance" in page and "503" in page
        assert f'action="/settings/webhooks/deliveries/{failed.pk}/resend/"' in page
        with django_capture_on_commit_callbacks(execute=True):
            response = admin.post(f"/settings/webhooks/deliveries/{failed.pk}/resend/")
    assert response.status_code == 302 and response["Location"] == f"/settings/webhooks/{subscription.pk}/"
    resent = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert resent.resend_of == failed and resent.status == "succeeded" and len(receiver.requests) == 1
    page = admin.get(f"/settings/webhooks/{subscription.pk}/").content.decode()
    assert 'class="status succeeded"' in page


def test_admin_edits_deactivates_rotates_and_deletes_a_subscription(admin, vendor):
    subscription = WebhookSubscriptionFactory(vendor=vendor, events=["payment.sent"])
    base = f"/settings/webhooks/{subscription.pk}/"
    response = admin.post(base, {"url": "https://erp2.example.com/hooks", "events": ["asn.accepted"], "description": "New ERP"})
    assert response.status_code == 302
    assert admin.post(base + "active/", {"active": "0"}).status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, subscription.events, subscription.is_active) == ("https://erp2.example.com/hooks", ["asn.accepted"], False)
    old_secret = subscription.secret
    rotated = admin.post(base + "rotate-secret/")
    subscription.refresh_from_db()
    assert subscription.secret != old_secret and subscription.secret in rotated.content.decode()
    assert admin.post(base + "delete/").status_code == 302
    assert not WebhookSubscription.objects.exists()
    actions = list(
        AuditEvent.objects.filter(object_id=str(subscription.pk), object_type="webhooks.webhooksubscription")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "webhook_subscription.change",
        "webhook_subscription.change",
        "webhook_subscription.rotate_secret",
        "webhook_subscription.delete",
    ]


def test_rotating_on_screen_can_keep_the_old_secret_signing_for_a_while(admin, vendor):
    subscription = WebhookSubscriptionFactory(vendor=vendor, events=["payment.sent"])
    old_secret = subscription.secret
    base = f"/settings/webhooks/{subscription.pk}/"
    page = admin.post(base + "rotate-secret/", {"keep_old_for_hours": "24"}).content.decode()
    subscription.refresh_from_db()
    assert subscription.previous_secret == old_secret and subscription.previous_secret_expires_at is not None
    assert 'data-testid="secret-rollover"' in page and subscription.secret in page
    refused = admin.post(base + "rotate-secret/", {"keep_old_for_hours": "999"}, follow=True)
    assert "Keep the old secret for 0 to 72 hours." in refused.content.decode()
    subscription.refresh_from_db()
    assert subscription.previous_secret == old_secret  # nothing changed


def test_ping_from_the_screen_reaches_the_receiver(admin, vendor, django_capture_on_commit_callbacks):
    with Receiver(secret="whsec_s") as receiver:
        subscription = WebhookSubscriptionFactory(vendor=vendor, url=receiver.url, secret="whsec_s", events=["payment.sent"])
        with django_capture_on_commit_callbacks(execute=True):
            assert admin.post(f"/settings/webhooks/{subscription.pk}/ping/").status_code == 302
    assert receiver.requests[0]["valid"] and receiver.requests[0]["json"]["event"] == "ping"


def test_another_vendors_subscription_is_404_on_every_screen(client, vendor, other_vendor):
    theirs = WebhookSubscriptionFactory(vendor=vendor, description="ACME-SECRET")
    delivery = WebhookDeliveryFactory(subscription=theirs)
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN))
    for url in [
        f"/settings/webhooks/{theirs.pk}/",
        f"/settings/webhooks/{theirs.pk}/active/",
        f"/settings/webhooks/{theirs.pk}/rotate-secret/",
        f"/settings/webhooks/{theirs.pk}/ping/",
        f"/settings/webhooks/{theirs.pk}/delete/",
        f"/settings/webhooks/deliveries/{delivery.pk}/resend/",
    ]:
        assert client.post(url, {"active": "0", "url": "https://x.example.com/", "events": ["asn.accepted"]}).status_code == 404, url
    assert client.get(f"/settings/webhooks/{theirs.pk}/").status_code == 404
    assert "ACME-SECRET" not in client.get("/settings/webhooks/").content.decode()
    theirs.refresh_from_db()
    assert theirs.is_active and theirs.url.startswith("https://erp") and WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("role", [Role.VENDOR_OPS, Role.VENDOR_FINANCE, Role.INTEGRATOR])
def test_webhook_screens_are_for_vendor_admins_only(client, vendor, role):
    subscription = WebhookSubscriptionFactory(vendor=vendor)
    client.force_login(vendor_user(vendor, role))
    assert client.get("/settings/webhooks/").status_code == 403
    assert client.get(f"/settings/webhooks/{subscription.pk}/").status_code == 403
    assert 'href="/settings/webhooks/"' not in client.get("/").content.decode()


def test_navigation_offers_webhooks_to_admins(admin):
    assert 'href="/settings/webhooks/"' in admin.get("/").content.decode()


def test_detail_page_runs_in_constant_queries(admin, vendor):
    subscription = WebhookSubscriptionFactory(vendor=vendor)
    WebhookDeliveryFactory(subscription=subscription)
    url = f"/settings/webhooks/{subscription.pk}/"
    admin.get(url)
    with CaptureQueriesContext(connection) as few:
        admin.get(url)
    WebhookDeliveryFactory.create_batch(20, subscription=subscription)
    with CaptureQueriesContext(connection) as many:
        assert admin.get(url).status_code == 200
    assert len(many) == len(few)
