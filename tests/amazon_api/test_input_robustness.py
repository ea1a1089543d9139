"""Inputs found by schemathesis that once made the door answer 500: each is now a 400 naming the problem."""

import pytest

from amazon_api.models import Transaction
from tests.amazon_api.acks import ACKNOWLEDGEMENTS

pytestmark = pytest.mark.django_db


def test_a_date_with_a_far_zone_offset_is_read_in_utc(amazon):
    # PostgreSQL refuses offsets beyond ±15:59; Python parses up to ±23:59.
    response = amazon.get("/vendor/orders/v1/purchaseOrdersStatus", {"createdAfter": "2024-12-14T09:34:15-23:41"})
    assert response.status_code == 200, response.json()


def test_a_date_whose_utc_value_leaves_the_calendar_is_400(amazon):
    response = amazon.get("/vendor/orders/v1/purchaseOrders", {"createdAfter": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["details"] == "field: createdAfter"


@pytest.mark.parametrize("text", ["nul \\u0000 inside", "lone surrogate \\ud940"])
@pytest.mark.parametrize(
    "path", [ACKNOWLEDGEMENTS, "/vendor/shipping/v1/shipmentConfirmations", "/vendor/shipping/v1/shipments", "/vendor/payments/v1/invoices"]
)
def test_json_strings_postgresql_cannot_store_are_400_not_500(amazon, path, text):
    raw = f'{{"anything": [{{"name": "{text}"}}]}}'
    response = amazon.generic("POST", path, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    assert not Transaction.objects.exists()
