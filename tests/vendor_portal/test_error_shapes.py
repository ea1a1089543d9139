"""One error shape per door whatever went wrong and whatever the settings: the portal API answers
{"errors": [{"code", "message", "field"}]}, the Amazon door {"errors": [{"code", "message", "details"}]},
for a refused idempotency key, an unknown path, an unknown host or a crash, with DEBUG on or off; the
screens keep their HTML pages."""

from unittest import mock

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.amazon_api.acks import ACKNOWLEDGEMENTS, acknowledgement, body
from tests.audit_check import audit_exempt
from tests.factories import VendorAccountFactory, marketplace
from tests.invoicing.factories import shipped_po
from tests.invoicing.test_api import draft_body
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

AMAZON_ORDERS = "/vendor/orders/v1/purchaseOrders"
API_ORDERS = "/api/v1/purchase-orders/"


@pytest.fixture
def acknowledge(vendor):
    VendorAccountFactory(vendor=vendor, marketplace=marketplace("US"), vendor_code="ACMEUS")
    return body(acknowledgement(purchase_order_with_lines(vendor, lines=1)))


def amazon_shaped(response, status: int, code: str) -> list[dict]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert errors and all(set(error) <= {"code", "message", "details"} and error["code"] == code for error in errors), errors
    return errors


def api_shaped(response, status: int, code: str) -> list[dict]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert errors and all(set(error) == {"code", "message", "field"} for error in errors) and errors[0]["code"] == code, errors
    return errors


# Idempotency-Key refusals -------------------------------------------------------------------------------
def test_a_reused_idempotency_key_on_the_amazon_door_answers_in_amazons_shape(token_client, acknowledge):
    assert token_client.post(ACKNOWLEDGEMENTS, acknowledge, format="json", HTTP_IDEMPOTENCY_KEY="ack-1").status_code == 202
    changed = {**acknowledge, "acknowledgements": [{**acknowledge["acknowledgements"][0], "acknowledgementDate": "2026-01-01T00:00:00Z"}]}

    response = token_client.post(ACKNOWLEDGEMENTS, changed, format="json", HTTP_IDEMPOTENCY_KEY="ack-1")

    [error] = amazon_shaped(response, 422, "InvalidInput")
    assert error["details"] == "field: Idempotency-Key" and "already used" in error["message"]


def test_a_request_still_in_flight_on_the_amazon_door_is_a_409_in_amazons_shape(token_client, acknowledge):
    assert token_client.post(ACKNOWLEDGEMENTS, acknowledge, format="json", HTTP_IDEMPOTENCY_KEY="ack-2").status_code == 202
    with audit_exempt():
        IdempotencyRecord.objects.filter(key="ack-2").update(response_status=None, response_body=None)

    response = token_client.post(ACKNOWLEDGEMENTS, acknowledge, format="json", HTTP_IDEMPOTENCY_KEY="ack-2")

    [error] = amazon_shaped(response, 409, "InvalidInput")
    assert "still being processed" in error["message"]


def test_a_too_long_idempotency_key_on_the_amazon_door_is_a_400_in_amazons_shape(token_client, acknowledge):
    response = token_client.post(ACKNOWLEDGEMENTS, acknowledge, format="json", HTTP_IDEMPOTENCY_KEY="k" * 201)
    [error] = amazon_shaped(response, 400, "InvalidInput")
    assert error["details"] == "field: Idempotency-Key"


def test_the_portal_api_keeps_its_own_shape_for_idempotency_refusals(token_client, vendor):
    path = f"/api/v1/purchase-orders/{purchase_order_with_lines(vendor, lines=1).number}/confirmation"
    assert token_client.post(path, {"accept_all": True}, format="json", HTTP_IDEMPOTENCY_KEY="c-1").status_code == 200
    too_long = token_client.post(path, {"accept_all": True}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert api_shaped(too_long, 400, "invalid")[0]["field"] == "Idempotency-Key"
    with audit_exempt():
        IdempotencyRecord.objects.filter(key="c-1").update(response_status=None, response_body=None)
    in_flight = token_client.post(path, {"accept_all": True}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert api_shaped(in_flight, 409, "conflict")[0]["field"] is None


AMAZON_WRITES = [ACKNOWLEDGEMENTS, "/vendor/shipping/v1/shipmentConfirmations", "/vendor/payments/v1/invoices"]


@pytest.mark.parametrize("path", AMAZON_WRITES)
def test_every_amazon_door_write_refuses_idempotency_keys_in_amazons_shape(token_client, path):
    """Whatever the first answer was (here a refused body, kept like any other answer), the three refusals of a
    key are in Amazon's shape on every write of the door: reused for another body, still in flight, too long."""
    first = token_client.post(path, {"anything": 1}, format="json", HTTP_IDEMPOTENCY_KEY="door-1")
    amazon_shaped(first, 400, "InvalidInput")

    [reused] = amazon_shaped(token_client.post(path, {"anything": 2}, format="json", HTTP_IDEMPOTENCY_KEY="door-1"), 422, "InvalidInput")
    assert reused["details"] == "field: Idempotency-Key" and "already used" in reused["message"]
    with audit_exempt():
        IdempotencyRecord.objects.filter(key="door-1").update(response_status=None, response_body=None)
    [in_flight] = amazon_shaped(token_client.post(path, {"anything": 1}, format="json", HTTP_IDEMPOTENCY_KEY="door-1"), 409, "InvalidInput")
    assert "still being processed" in in_flight["message"]
    [too_long] = amazon_shaped(token_client.post(path, {"anything": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 201), 400, "InvalidInput")
    assert too_long["details"] == "field: Idempotency-Key"


def test_a_reused_idempotency_key_on_the_portal_api_keeps_its_own_shape(token_client, vendor):
    path = f"/api/v1/purchase-orders/{purchase_order_with_lines(vendor, lines=1).number}/confirmation"
    assert token_client.post(path, {"accept_all": True}, format="json", HTTP_IDEMPOTENCY_KEY="c-2").status_code == 200
    reused = token_client.post(path, {"accept_all": False, "lines": []}, format="json", HTTP_IDEMPOTENCY_KEY="c-2")
    [error] = api_shaped(reused, 422, "idempotency_key_reused")
    assert error["field"] == "Idempotency-Key" and "already used" in error["message"]


# Django's own errors under a door's prefix ---------------------------------------------------------------
@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_path_under_a_door_is_that_doors_json_404(client, debug):
    with override_settings(DEBUG=debug):
        amazon = client.get("/vendor/orders/v1/noSuchOperation")
        api = client.get("/api/v1/no-such-resource/")
        page = client.get("/no-such-page/")
    assert amazon_shaped(amazon, 404, "NotFound") == [{"code": "NotFound", "message": "Not found."}]
    assert api_shaped(api, 404, "not_found") == [{"code": "not_found", "message": "Not found.", "field": None}]
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_host_under_a_door_is_that_doors_json_400(debug):
    client = Client(HTTP_HOST="portal.attacker.example")
    with override_settings(DEBUG=debug, ALLOWED_HOSTS=["portal.example"]):
        amazon = client.get(AMAZON_ORDERS)
        api = client.get(API_ORDERS)
    amazon_shaped(amazon, 400, "InvalidInput")
    api_shaped(api, 400, "bad_request")


@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_under_a_door_is_that_doors_json_500(vendor_token, debug):
    crash = RuntimeError("a bug, not bad input")
    amazon = APIClient(raise_request_exception=False)
    amazon.credentials(HTTP_X_AMZ_ACCESS_TOKEN=vendor_token[1])
    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {vendor_token[1]}")
    with (
        override_settings(DEBUG=debug),
        mock.patch("amazon_api.selectors.purchase_order_page", side_effect=crash),
        mock.patch("purchase_orders.api.views.purchase_order_list", side_effect=crash),
    ):
        amazon_answer = amazon.get(AMAZON_ORDERS)
        api_answer = api.get(API_ORDERS)
    [error] = amazon_shaped(amazon_answer, 500, "InternalFailure")
    assert "a bug" not in error["message"]
    assert api_shaped(api_answer, 500, "server_error")[0]["field"] is None
    assert amazon_answer["x-amzn-RequestId"]  # the request id still comes back to quote to support


# Error locations -----------------------------------------------------------------------------------------
def test_the_portal_api_names_the_index_of_the_list_item_at_fault(token_client, vendor):
    """A serializer's error and a service's error about the third line both name lines[2]."""
    po = purchase_order_with_lines(vendor, lines=3, quantity=60)
    path = f"/api/v1/purchase-orders/{po.number}/confirmation"
    lines = [{"sequence": line.sequence, "accepted": 60} for line in po.lines.order_by("sequence")]
    lines[2] = {"sequence": 3, "accepted": "sixty"}
    not_a_number = token_client.post(path, {"lines": lines}, format="json")
    assert [(e["field"], e["code"]) for e in api_shaped(not_a_number, 400, "invalid")] == [("lines[2].accepted", "invalid")]
    lines[2] = {"sequence": 3, "accepted": 54, "rejected": 6}
    no_reason = token_client.post(path, {"lines": lines}, format="json")
    assert ("lines[2].rejection_reason", "rejection_reason_required") in [
        (e["field"], e["code"]) for e in api_shaped(no_reason, 400, "rejection_reason_required")
    ]

    invoice = draft_body(shipped_po(vendor, quantity=10))
    invoice["lines"] += [dict(invoice["lines"][0]), {**invoice["lines"][0], "unit_cost": "ten"}]
    refused = token_client.post("/api/v1/invoices/", invoice, format="json")
    assert [e["field"] for e in api_shaped(refused, 400, "invalid")] == ["lines[2].unit_cost"]


def test_the_error_page_still_answers_when_its_own_context_fails(client, vendor):
    """Redis (or the database) down: the view fails, and so would the page's navigation and notification count.
    The person still gets the portal's error page, not the server's bare one."""
    from tests.factories import vendor_user
    from vendor_portal.roles import Role

    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    client.raise_request_exception = False
    outage = ConnectionError("Redis is down")
    with (
        mock.patch("purchase_orders.views.keyset_page", side_effect=outage),
        mock.patch("vendor_portal.context_processors.navigation_for", side_effect=outage),
    ):
        response = client.get("/purchase-orders/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and "Redis" not in page
