"""/api/v1/edi/partners/: the EDI partners screen as an API, for vendor admins signed in (tokens are refused)."""

import pytest
from rest_framework.test import APIClient

from edi.models import TradingPartner
from tests.audit_check import audit_exempt
from tests.factories import vendor_user
from tests.vendor_portal.test_api_retries_and_throttling import row_counts
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/edi/partners/"


@pytest.fixture
def admin(vendor):
    client = APIClient()
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin"))
    return client


def test_admin_registers_lists_and_deactivates_a_partner(admin, vendor, other_vendor):
    with audit_exempt():
        TradingPartner.objects.create(vendor=other_vendor, isa_id="GLOBEXEDI")
    created = admin.post(URL, {"isa_id": " ACMEEDI ", "name": "Acme SAP EDI"}, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert created.status_code == 201, created.json()
    partner = created.json()
    assert (partner["vendor"], partner["isa_qualifier"], partner["isa_id"], partner["is_active"]) == ("ACME", "ZZ", "ACMEEDI", True)
    before = row_counts()
    assert admin.post(URL, {"isa_id": " ACMEEDI ", "name": "Acme SAP EDI"}, format="json", HTTP_IDEMPOTENCY_KEY="p-1").json() == partner
    assert row_counts() == before
    assert [p["isa_id"] for p in admin.get(URL).json()["results"]] == ["ACMEEDI"]

    off = admin.patch(f"{URL}{partner['id']}/", {"is_active": False}, format="json", HTTP_IDEMPOTENCY_KEY="p-2")
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert TradingPartner.objects.get(pk=partner["id"]).is_active is False


def test_partner_errors_are_structured(admin, vendor):
    admin.post(URL, {"isa_id": "ACMEEDI"}, format="json")
    taken = admin.post(URL, {"isa_id": "ACMEEDI"}, format="json")
    assert taken.status_code == 400 and [(e["code"], e["field"]) for e in taken.json()["errors"]] == [("invalid", "isa_id")]
    bad = admin.post(URL, {"isa_id": "", "isa_qualifier": "TOOLONG"}, format="json")
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {"isa_id", "isa_qualifier"}
    assert admin.patch(f"{URL}{TradingPartner.objects.get().pk}/", {"is_active": "maybe"}, format="json").status_code == 400


def test_partners_are_for_vendor_admins_signed_in(vendor, token_client):
    ops = APIClient()
    ops.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert ops.get(URL).status_code == 403
    refused = token_client.post(URL, {"isa_id": "ACMEEDI"}, format="json")
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "permission_denied"
    assert not TradingPartner.objects.exists()


def test_partner_list_query_count(admin, vendor, django_assert_max_num_queries):
    with audit_exempt():
        for n in range(12):
            TradingPartner.objects.create(vendor=vendor, isa_id=f"ACME{n:02d}")
    with django_assert_max_num_queries(8):
        assert len(admin.get(URL).json()["results"]) == 12
