from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from invoicing.models import Invoice, InvoiceState
from tests.audit_check import audit_exempt
from tests.factories import api_token, vendor_user
from tests.invoicing.factories import shipped_po
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db


def draft_body(po, number="API-1", quantity=10, cost="10.00", **extra):
    return {
        "number": number,
        "invoice_date": timezone.localdate().isoformat(),
        "lines": [{"purchase_order_number": po.number, "po_line_sequence": 1, "quantity": quantity, "unit_cost": cost}],
        **extra,
    }


def person_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_token_creates_a_draft_and_reads_it_back(token_client, vendor):
    po = shipped_po(vendor)
    response = token_client.post("/api/v1/invoices/", draft_body(po), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "draft" and body["grand_total"] == "100.00" and body["lines"][0]["line_amount"] == "100.00"
    detail = token_client.get(f"/api/v1/invoices/{body['id']}/").json()
    assert detail["number"] == "API-1" and detail["purchase_order_number"] == po.number


def test_create_with_bad_input_names_the_fields_and_saves_nothing(token_client, vendor):
    po = shipped_po(vendor)
    body = draft_body(po)
    body["lines"][0]["quantity"] = "many"
    body["lines"][0]["unit_cost"] = 10.5
    response = token_client.post("/api/v1/invoices/", body, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"lines[0].quantity", "lines[0].unit_cost"} <= fields
    assert not Invoice.objects.exists()


def test_create_retried_with_the_same_idempotency_key_creates_one_invoice(token_client, vendor):
    po = shipped_po(vendor)
    first = token_client.post("/api/v1/invoices/", draft_body(po), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = token_client.post("/api/v1/invoices/", draft_body(po), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert Invoice.objects.count() == 1


def test_submit_retried_with_the_same_key_submits_once(token_client, vendor):
    po = shipped_po(vendor)
    invoice_id = token_client.post("/api/v1/invoices/", draft_body(po), format="json").json()["id"]
    first = token_client.post(f"/api/v1/invoices/{invoice_id}/submit", format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    again = token_client.post(f"/api/v1/invoices/{invoice_id}/submit", format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert first.status_code == again.status_code == 200 and first.json()["state"] == "submitted"
    assert again["Idempotent-Replayed"] == "true"
    assert po.lines.get().invoiced_quantity == 10
    # without the key, a second submit is a state conflict, not a second submission
    assert token_client.post(f"/api/v1/invoices/{invoice_id}/submit", format="json").status_code == 409


def test_submit_refusal_lists_each_problem_with_its_field(token_client, vendor):
    po = shipped_po(vendor)
    body = draft_body(po, grand_total="999.00", currency="EUR")
    body["lines"].append({"purchase_order_number": "UNKNOWN1", "quantity": 1, "unit_cost": "1.00", "vendor_sku": "X"})
    invoice_id = token_client.post("/api/v1/invoices/", body, format="json").json()["id"]
    response = token_client.post(f"/api/v1/invoices/{invoice_id}/submit", format="json")
    assert response.status_code == 400
    fields = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert {("lines[1].purchase_order_number", "not_found"), ("grand_total", "arithmetic"), ("currency", "currency_mismatch")} <= fields
    assert Invoice.objects.get(pk=invoice_id).state == InvoiceState.DRAFT


def test_patch_changes_a_draft(token_client, vendor):
    po = shipped_po(vendor)
    invoice_id = token_client.post("/api/v1/invoices/", draft_body(po), format="json").json()["id"]
    response = token_client.patch(
        f"/api/v1/invoices/{invoice_id}/", {"charges": [{"kind": "charge", "charge_type": "Freight", "amount": "12.50"}]}, format="json"
    )
    assert response.status_code == 200 and response.json()["grand_total"] == "112.50"


def test_preflight_by_id_and_by_payload(token_client, vendor):
    po = shipped_po(vendor, quantity=100, received=96)
    body = draft_body(po, quantity=100, cost="10.50")
    unsaved = token_client.post("/api/v1/invoices/preflight", body, format="json")
    assert unsaved.status_code == 200, unsaved.json()
    assert (unsaved.json()["price_claim_total"], unsaved.json()["shortage_claim_total"]) == ("50.00", "42.00")
    assert not Invoice.objects.exists()
    invoice_id = token_client.post("/api/v1/invoices/", body, format="json").json()["id"]
    stored = token_client.post("/api/v1/invoices/preflight", {"invoice_id": invoice_id}, format="json").json()
    assert stored["lines"][0]["price_claim"] == "50.00" and stored["lines"][0]["shortage_claim"] == "42.00"
    assert stored["claims_total"] == "92.00" and stored["expected_payment"] == "958.00"


def test_flip_from_purchase_order(token_client, vendor):
    po = shipped_po(vendor, lines=3, quantity=20)
    response = token_client.post("/api/v1/invoices/from-purchase-order", {"po_number": po.number}, format="json")
    assert response.status_code == 201
    assert [line["quantity"] for line in response.json()["lines"]] == [20, 20, 20]
    assert token_client.post("/api/v1/invoices/from-purchase-order", {"po_number": "NOPE"}, format="json").status_code == 404


def test_other_vendors_invoice_is_404(vendor, other_vendor, token_client):
    po = shipped_po(vendor)
    invoice_id = token_client.post("/api/v1/invoices/", draft_body(po), format="json").json()["id"]
    _, raw = api_token(other_vendor, name="GLOBEX ERP")
    intruder = APIClient()
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for method, url in (
        ("get", f"/api/v1/invoices/{invoice_id}/"),
        ("patch", f"/api/v1/invoices/{invoice_id}/"),
        ("post", f"/api/v1/invoices/{invoice_id}/submit"),
        ("get", f"/api/v1/invoices/{invoice_id}/document"),
    ):
        assert getattr(intruder, method)(url, {}, format="json").status_code == 404
    assert intruder.post("/api/v1/invoices/preflight", {"invoice_id": invoice_id}, format="json").status_code == 404
    assert intruder.get("/api/v1/invoices/").json()["results"] == []
    assert intruder.post("/api/v1/invoices/from-purchase-order", {"po_number": po.number}, format="json").status_code == 404


def test_read_only_token_cannot_write(vendor):
    po = shipped_po(vendor)
    _, raw = api_token(vendor, scopes=["invoices:read"], name="reader")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/invoices/").status_code == 200
    assert client.post("/api/v1/invoices/", draft_body(po), format="json").status_code == 403


def test_approval_by_a_second_person_and_never_by_the_requester(vendor):
    with audit_exempt():
        type(vendor).objects.filter(pk=vendor.pk).update(invoice_approval_threshold=Decimal("50.00"))
    po = shipped_po(vendor)
    maker = person_client(vendor_user(vendor, Role.VENDOR_FINANCE, username="maker"))
    checker = person_client(vendor_user(vendor, Role.VENDOR_ADMIN, username="checker"))
    invoice_id = maker.post("/api/v1/invoices/", draft_body(po), format="json").json()["id"]
    submitted = maker.post(f"/api/v1/invoices/{invoice_id}/submit", format="json")
    assert submitted.json()["state"] == "pending_approval"
    own = maker.post(f"/api/v1/invoices/{invoice_id}/approve", {"decision": "approve"}, format="json")
    assert own.status_code == 403 and own.json()["errors"][0]["code"] == "self_approval"
    approved = checker.post(f"/api/v1/invoices/{invoice_id}/approve", {"decision": "approve"}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "submitted"


def test_checker_rejection_puts_the_invoice_back_to_draft(vendor):
    with audit_exempt():
        type(vendor).objects.filter(pk=vendor.pk).update(invoice_approval_threshold=Decimal("50.00"))
    po = shipped_po(vendor)
    maker = person_client(vendor_user(vendor, Role.VENDOR_FINANCE, username="maker"))
    checker = person_client(vendor_user(vendor, Role.VENDOR_ADMIN, username="checker"))
    invoice_id = maker.post("/api/v1/invoices/", draft_body(po), format="json").json()["id"]
    maker.post(f"/api/v1/invoices/{invoice_id}/submit", format="json")
    response = checker.post(f"/api/v1/invoices/{invoice_id}/approve", {"decision": "reject", "note": "wrong PO"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "draft"


def test_token_cannot_approve(token_client, vendor):
    po = shipped_po(vendor)
    invoice_id = token_client.post("/api/v1/invoices/", draft_body(po), format="json").json()["id"]
    assert token_client.post(f"/api/v1/invoices/{invoice_id}/approve", {}, format="json").status_code == 403


def test_list_filters_and_query_count_do_not_grow_with_rows(token_client, vendor):
    po = shipped_po(vendor, quantity=1000)
    token_client.post("/api/v1/invoices/", draft_body(po, number="F-1"), format="json")
    with CaptureQueriesContext(connection) as small:
        assert len(token_client.get("/api/v1/invoices/").json()["results"]) == 1
    for n in range(2, 12):
        token_client.post("/api/v1/invoices/", draft_body(po, number=f"F-{n}"), format="json")
    with CaptureQueriesContext(connection) as large:
        assert len(token_client.get("/api/v1/invoices/").json()["results"]) == 11
    assert len(large) == len(small)
    assert [r["number"] for r in token_client.get("/api/v1/invoices/?q=F-1").json()["results"]] == ["F-11", "F-10", "F-1"]
    assert len(token_client.get(f"/api/v1/invoices/?purchase_order={po.number}&state=draft").json()["results"]) == 11
    assert token_client.get("/api/v1/invoices/?state=submitted").json()["results"] == []
    assert token_client.get("/api/v1/invoices/?date_from=not-a-date").status_code == 400


def test_document_is_a_pdf(token_client, vendor):
    po = shipped_po(vendor)
    invoice_id = token_client.post("/api/v1/invoices/", draft_body(po), format="json").json()["id"]
    response = token_client.get(f"/api/v1/invoices/{invoice_id}/document")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_credit_note_through_the_api(token_client, vendor):
    po = shipped_po(vendor)
    invoice = token_client.post("/api/v1/invoices/", draft_body(po), format="json").json()
    token_client.post(f"/api/v1/invoices/{invoice['id']}/submit", format="json")
    line_id = invoice["lines"][0]["id"]
    credit = token_client.post(
        f"/api/v1/invoices/{invoice['id']}/credit-notes", {"reason": "return", "lines": [{"credited_line": line_id, "quantity": 2}]}, format="json"
    )
    assert credit.status_code == 201 and credit.json()["invoice_type"] == "CreditNote" and credit.json()["grand_total"] == "20.00"
    assert credit.json()["reference_invoice_number"] == "API-1"


def test_schema_documents_the_invoice_endpoints(client, vendor_user):
    client.force_login(vendor_user)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/invoices/",
        "/api/v1/invoices/preflight",
        "/api/v1/invoices/{id}/submit",
        "/api/v1/invoices/{id}/approve",
        "/api/v1/invoices/from-purchase-order",
        "/api/v1/invoices/{id}/document",
    } <= set(paths)
    assert paths["/api/v1/invoices/preflight"]["post"]["requestBody"]["content"]["application/json"]["examples"]


def test_token_without_a_person_cannot_send_an_invoice_above_the_threshold(token_client, vendor):
    with audit_exempt():
        type(vendor).objects.filter(pk=vendor.pk).update(invoice_approval_threshold=Decimal("50.00"))
    po = shipped_po(vendor)
    invoice_id = token_client.post("/api/v1/invoices/", draft_body(po), format="json").json()["id"]
    response = token_client.post(f"/api/v1/invoices/{invoice_id}/submit", format="json")
    assert response.status_code == 403 and "need a person" in response.json()["errors"][0]["message"]
    assert Invoice.objects.get(pk=invoice_id).state == InvoiceState.DRAFT


def test_token_of_a_person_sends_an_invoice_above_the_threshold_to_approval(vendor):
    from tests.factories import vendor_user as make_user

    with audit_exempt():
        type(vendor).objects.filter(pk=vendor.pk).update(invoice_approval_threshold=Decimal("50.00"))
    owner = make_user(vendor, Role.VENDOR_FINANCE, username="token-owner")
    token, raw = api_token(vendor, name="ERP of a person")
    with audit_exempt():
        type(token).objects.filter(pk=token.pk).update(created_by=owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    po = shipped_po(vendor)
    invoice_id = client.post("/api/v1/invoices/", draft_body(po), format="json").json()["id"]
    response = client.post(f"/api/v1/invoices/{invoice_id}/submit", format="json")
    assert response.json()["state"] == "pending_approval"
    owner_client = person_client(owner)
    assert owner_client.post(f"/api/v1/invoices/{invoice_id}/approve", {}, format="json").status_code == 403  # the token's owner asked


def test_a_cases_line_against_a_line_ordered_in_eaches_is_kept_in_eaches(token_client, vendor):
    po = shipped_po(vendor, quantity=24, cost="10.00")
    body = draft_body(po, quantity=2, cost="120.00")
    body["lines"][0].update(unit_of_measure="Cases", unit_size=12)

    created = token_client.post("/api/v1/invoices/", body, format="json")

    assert created.status_code == 201, created.json()
    line = created.json()["lines"][0]
    assert (line["quantity"], line["unit_of_measure"], line["unit_size"], line["unit_cost"], line["line_amount"]) == (
        24,
        "Eaches",
        1,
        "10.00",
        "240.00",
    )


def test_a_case_that_costs_no_whole_cents_an_each_is_refused_against_eaches(token_client, vendor):
    po = shipped_po(vendor, quantity=24, cost="10.00")
    body = draft_body(po, quantity=2, cost="100.00")
    body["lines"][0].update(unit_of_measure="Cases", unit_size=12)

    refused = token_client.post("/api/v1/invoices/", body, format="json")

    assert refused.status_code == 400
    [error] = [error for error in refused.json()["errors"] if error["code"] == "each_cost_not_exact"]
    assert error["field"] == "lines[0].unit_cost" and "Invoice in eaches" in error["message"]


def test_a_case_without_its_size_is_refused_against_a_line_ordered_in_eaches(token_client, vendor):
    po = shipped_po(vendor, quantity=24, cost="10.00")
    body = draft_body(po, quantity=2, cost="120.00")
    body["lines"][0].update(unit_of_measure="Cases")

    refused = token_client.post("/api/v1/invoices/", body, format="json")

    assert refused.status_code == 400
    assert [error["field"] for error in refused.json()["errors"] if error["code"] == "required"] == ["lines[0].unit_size"]


def test_a_cases_line_is_priced_per_case_and_totals_as_amazons_per_each_arithmetic(token_client, vendor):
    """The portal's API keeps a line's cost per its unit of measure; the total is the same as the Amazon door's
    amount × unitSize × netCost (per each) for the same line."""
    po = shipped_po(vendor, quantity=10, cost="120.00")
    with audit_exempt():
        po.lines.update(unit_of_measure="Cases", unit_size=12)
    body = draft_body(po, quantity=10, cost="120.00")
    body["lines"][0].update(unit_of_measure="Cases", unit_size=12)

    created = token_client.post("/api/v1/invoices/", body, format="json")

    assert created.status_code == 201, created.json()
    line = created.json()["lines"][0]
    assert (line["unit_of_measure"], line["unit_size"], line["unit_cost"], line["line_amount"]) == ("Cases", 12, "120.00", "1200.00")
    assert Decimal(created.json()["grand_total"]) == 10 * 12 * Decimal("10.00")
    submitted = token_client.post(f"/api/v1/invoices/{created.json()['id']}/submit", format="json")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted", submitted.json()


def _po_in_cases_of(vendor, size, *, cases, case_cost):
    po = shipped_po(vendor, quantity=cases, cost=case_cost)
    with audit_exempt():
        po.lines.update(unit_of_measure="Cases", unit_size=size)
    return po


def test_cases_of_another_size_are_kept_in_the_po_lines_cases(token_client, vendor):
    po = _po_in_cases_of(vendor, 12, cases=10, case_cost="120.00")
    body = draft_body(po, quantity=20, cost="60.00")
    body["lines"][0].update(unit_of_measure="Cases", unit_size=6)

    created = token_client.post("/api/v1/invoices/", body, format="json")

    assert created.status_code == 201, created.json()
    line = created.json()["lines"][0]
    assert (line["quantity"], line["unit_of_measure"], line["unit_size"], line["unit_cost"], line["line_amount"]) == (
        10,
        "Cases",
        12,
        "120.00",
        "1200.00",
    )


def test_cases_of_another_size_that_make_no_whole_case_are_refused(token_client, vendor):
    po = _po_in_cases_of(vendor, 12, cases=10, case_cost="120.00")
    body = draft_body(po, quantity=3, cost="60.00")
    body["lines"][0].update(unit_of_measure="Cases", unit_size=6)

    refused = token_client.post("/api/v1/invoices/", body, format="json")

    assert refused.status_code == 400
    [error] = [error for error in refused.json()["errors"] if error["code"] == "not_whole_cases"]
    assert error["field"] == "lines[0].quantity" and "3 cases of 6 (18 eaches)" in error["message"]


def test_cases_of_another_size_whose_price_does_not_convert_to_the_cent_are_refused(token_client, vendor):
    po = _po_in_cases_of(vendor, 4, cases=3, case_cost="6.68")
    body = draft_body(po, quantity=2, cost="10.01")
    body["lines"][0].update(unit_of_measure="Cases", unit_size=6)

    refused = token_client.post("/api/v1/invoices/", body, format="json")

    assert refused.status_code == 400
    [error] = [error for error in refused.json()["errors"] if error["code"] == "each_cost_not_exact"]
    assert error["field"] == "lines[0].unit_cost" and "Invoice in the PO's cases" in error["message"]
