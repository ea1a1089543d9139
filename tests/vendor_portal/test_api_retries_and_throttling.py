"""Every write accepts an Idempotency-Key (one representative write per app): a retry with the same key
answers the first answer again and creates no row anywhere. A token over its rate gets 429 + Retry-After."""

import pytest
from django.apps import apps

from tests.amazon_api.acks import ACKNOWLEDGEMENTS, acknowledgement, body
from tests.factories import VendorAccountFactory, marketplace
from tests.invoicing.factories import shipped_po
from tests.invoicing.test_api import draft_body
from tests.purchase_orders.factories import purchase_order_with_lines
from tests.shipments.factories import confirmed_purchase_order, ship_from
from tests.shipments.test_api import _plan_body
from vendor_portal.api.base import without_secrets
from vendor_portal.api.throttling import TokenRateThrottle

pytestmark = pytest.mark.django_db

PORTAL_APPS = {"vendor_portal", "purchase_orders", "shipments", "invoicing", "webhooks", "amazon_api", "edi", "reconciliation"}


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models() if model._meta.app_label in PORTAL_APPS}


def confirm_purchase_order(vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    return f"/api/v1/purchase-orders/{po.number}/confirmation", {"accept_all": True}


def create_ship_plan(vendor):
    ship_from(vendor)
    return "/api/v1/shipments", _plan_body(confirmed_purchase_order(vendor, lines=1, quantity=30))


def create_invoice(vendor):
    return "/api/v1/invoices/", draft_body(shipped_po(vendor))


def subscribe_webhook(vendor):
    return "/api/v1/webhooks/", {"url": "https://erp.example.com/hooks", "events": ["purchase_order.created"]}


def acknowledge_on_the_amazon_door(vendor):
    VendorAccountFactory(vendor=vendor, marketplace=marketplace("US"), vendor_code="ACMEUS")
    return ACKNOWLEDGEMENTS, body(acknowledgement(purchase_order_with_lines(vendor, lines=1)))


@pytest.mark.parametrize("write", [confirm_purchase_order, create_ship_plan, create_invoice, subscribe_webhook, acknowledge_on_the_amazon_door])
def test_a_retry_with_the_same_idempotency_key_replays_the_answer_and_creates_nothing(
    token_client, vendor, write, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    path, data = write(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        first = token_client.post(path, data, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code < 300, first.json()
    before = row_counts()
    with django_capture_on_commit_callbacks(execute=True):
        again = token_client.post(path, data, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    # the same answer, but a secret shown once (a webhook's) is not kept for replays
    assert (again.status_code, again.json()) == (first.status_code, without_secrets(first.json()))
    assert again["Idempotent-Replayed"] == "true"
    assert row_counts() == before


def test_the_same_key_with_a_different_body_is_refused(token_client, vendor):
    path, data = subscribe_webhook(vendor)
    token_client.post(path, data, format="json", HTTP_IDEMPOTENCY_KEY="retry-2")
    before = row_counts()
    other = token_client.post(path, {**data, "description": "changed"}, format="json", HTTP_IDEMPOTENCY_KEY="retry-2")
    assert other.status_code == 422 and other.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert row_counts() == before


@pytest.fixture
def two_per_minute(monkeypatch):
    # DRF reads the rates once onto the throttle class; the test rate goes there.
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_a_token_over_its_rate_gets_429_with_retry_after_on_the_portal_api(token_client, two_per_minute):
    responses = [token_client.get("/api/v1/purchase-orders/") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    throttled = responses[-1]
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["errors"][0]["code"] == "throttled"
    assert "x-amzn-RateLimit-Limit" not in throttled


def test_a_token_over_its_rate_gets_429_with_amazons_rate_header_on_the_vendor_door(vendor_token, api_client, two_per_minute):
    api_client.credentials(HTTP_X_AMZ_ACCESS_TOKEN=vendor_token[1])
    responses = [api_client.get("/vendor/orders/v1/purchaseOrders") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    throttled = responses[-1]
    assert int(throttled["Retry-After"]) > 0
    assert throttled["x-amzn-RateLimit-Limit"] == str(round(2 / 60, 4))
    assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
