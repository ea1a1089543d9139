"""Inputs found by schemathesis that once made the PO API answer 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value, status", [("2026-04-16T00:30:11+19:14", 200), ("0001-01-01T00:30:11+19:14", 400)])
def test_a_portal_date_filter_with_a_far_zone_offset_is_read_in_utc(token_client, value, status):
    response = token_client.get("/api/v1/purchase-orders/", {"ship_window_to": value})
    assert response.status_code == status, response.json()
