"""The invoice screens' draft actions through the API: delete a draft, back to draft after a turned-down approval."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from invoicing.models import Invoice
from tests.audit_check import audit_exempt
from tests.factories import api_token, vendor_user
from tests.invoicing.factories import shipped_po
from tests.invoicing.test_api import draft_body, person_client
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db


def test_a_draft_is_deleted_and_a_retry_replays_the_204(token_client, vendor):
    invoice_id = token_client.post("/api/v1/invoices/", draft_body(shipped_po(vendor)), format="json").json()["id"]
    first = token_client.delete(f"/api/v1/invoices/{invoice_id}/", HTTP_IDEMPOTENCY_KEY="del-1")
    assert first.status_code == 204 and not Invoice.objects.exists()
    again = token_client.delete(f"/api/v1/invoices/{invoice_id}/", HTTP_IDEMPOTENCY_KEY="del-1")
    assert again.status_code == 204 and again["Idempotent-Replayed"] == "true"
    assert token_client.delete(f"/api/v1/invoices/{invoice_id}/").status_code == 404


def test_a_submitted_invoice_cannot_be_deleted_and_readers_cannot_delete(token_client, vendor):
    invoice_id = token_client.post("/api/v1/invoices/", draft_body(shipped_po(vendor)), format="json").json()["id"]
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(vendor, scopes=['invoices:read'], name='reader')[1]}")
    refused = reader.delete(f"/api/v1/invoices/{invoice_id}/")
    assert refused.status_code == 403
    token_client.post(f"/api/v1/invoices/{invoice_id}/submit", format="json")
    conflict = token_client.delete(f"/api/v1/invoices/{invoice_id}/")
    assert conflict.status_code == 409 and conflict.json()["errors"][0]["code"] == "invalid_state"
    assert Invoice.objects.filter(pk=invoice_id).exists()


def test_back_to_draft_once_the_approval_was_turned_down_on_the_approvals_api(vendor):
    with audit_exempt():
        type(vendor).objects.filter(pk=vendor.pk).update(invoice_approval_threshold=Decimal("50.00"))
    maker = person_client(vendor_user(vendor, Role.VENDOR_FINANCE, username="maker"))
    checker = vendor_user(vendor, Role.VENDOR_ADMIN, username="checker")
    invoice_id = maker.post("/api/v1/invoices/", draft_body(shipped_po(vendor)), format="json").json()["id"]
    approval_id = maker.post(f"/api/v1/invoices/{invoice_id}/submit", format="json").json()["approval_request"]
    early = maker.post(f"/api/v1/invoices/{invoice_id}/back-to-draft")
    assert early.status_code == 409

    checker_client = APIClient()
    checker_client.force_login(checker)
    turned_down = checker_client.post(f"/api/v1/approvals/{approval_id}/decision", {"decision": "reject", "note": "Wrong PO"}, format="json")
    assert turned_down.status_code == 200 and turned_down.json()["status"] == "rejected"
    assert maker.get(f"/api/v1/invoices/{invoice_id}/").json()["state"] == "pending_approval"
    back = maker.post(f"/api/v1/invoices/{invoice_id}/back-to-draft", HTTP_IDEMPOTENCY_KEY="b-1")
    assert back.status_code == 200 and back.json()["state"] == "draft"
    assert maker.post(f"/api/v1/invoices/{invoice_id}/back-to-draft", HTTP_IDEMPOTENCY_KEY="b-1").json() == back.json()
