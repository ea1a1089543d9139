"""Inputs found by schemathesis that once made the invoice API answer 500."""

import pytest

from invoicing.models import Invoice
from tests.invoicing.factories import shipped_po
from tests.invoicing.test_api import draft_body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [{}, [], 7])
def test_a_charge_type_that_is_not_a_string_is_400_naming_the_field(token_client, vendor, value):
    body = draft_body(shipped_po(vendor), charges=[{"kind": "charge", "charge_type": value, "amount": "1.00"}])
    response = token_client.post("/api/v1/invoices/", body, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["charges[0].charge_type"]
    assert not Invoice.objects.exists()
