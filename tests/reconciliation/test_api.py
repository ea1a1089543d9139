import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reconciliation.engine import match_invoices
from reconciliation.models import Deduction, DeductionKind, PaymentRun
from tests.factories import api_token, vendor_user
from tests.reconciliation.factories import accepted_invoice, ap_user, deduction, finance_user
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def matched(vendor):
    invoice, po = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    return invoice


def client_for(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_vendor_lists_deductions_with_variance_facts_as_decimal_strings(api_client, vendor, matched, django_assert_max_num_queries):
    client = client_for(api_client, finance_user(vendor))
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/deductions/", {"kind": "price_claim"})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["amount"] == "50.00" and row["currency"] == "USD" and row["variance_type"] == "PPV"
    assert row["variance_reasons"] == [{"variance_type": "PPV", "defect_types": ["PRODUCT_COST_NOT_REGISTERED"]}]
    assert row["invoice_number"] == matched.number and row["disputable"] is True
    detail = client.get(f"/api/v1/deductions/{row['id']}/")
    assert detail.json()["remaining_amount"] == "50.00"


def test_match_results_carry_the_matching_context(api_client, vendor, matched):
    response = client_for(api_client, finance_user(vendor)).get("/api/v1/match-results/", {"invoice": matched.pk})
    [line] = response.json()
    assert line["matching_context"]["quantity_variance"] == 4
    assert line["matching_context"]["price_variance"] == {"amount": "0.50", "currency": "USD"}


def test_dispute_by_multipart_then_answered_by_accounts_payable(api_client, vendor, matched):
    shortage = Deduction.objects.get(invoice=matched, kind=DeductionKind.SHORTAGE_CLAIM)
    client = client_for(api_client, finance_user(vendor))
    pod = SimpleUploadedFile("pod.pdf", b"%PDF-1.4\nsigned\n", content_type="application/pdf")
    response = client.post(f"/api/v1/deductions/{shortage.pk}/disputes/", {"reason": "All 100 delivered", "evidence": [pod]}, format="multipart")
    assert response.status_code == 201, response.json()
    dispute = response.json()
    assert dispute["number"] == 1 and dispute["evidence"][0]["content_type"] == "application/pdf"
    assert client.get(f"/api/v1/deductions/{shortage.pk}/disputes/").json()[0]["id"] == dispute["id"]
    refused = client.post(f"/api/v1/disputes/{dispute['id']}/answer", {"outcome": "reversed"}, format="json")
    assert refused.status_code == 403
    client = client_for(api_client, ap_user())
    answered = client.post(f"/api/v1/disputes/{dispute['id']}/answer", {"outcome": "partly_reversed", "amount": "21.00", "note": "2 of 4 units found"}, format="json")
    assert answered.status_code == 200, answered.json()
    assert answered.json()["status"] == "partly_reversed" and answered.json()["amount_reversed"] == "21.00"


def test_dispute_past_the_window_is_a_400_naming_the_rule(api_client, vendor):
    old = deduction(vendor, days_ago=45)
    response = client_for(api_client, finance_user(vendor)).post(f"/api/v1/deductions/{old.pk}/disputes/", {"reason": "late"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "window_closed"


def test_payment_run_through_the_api_refuses_self_approval_then_pays(api_client, vendor, matched):
    maker, checker = ap_user("ap-maker"), ap_user("ap-checker")
    pay_date = (timezone.localdate() + datetime.timedelta(days=31)).isoformat()
    client = client_for(api_client, maker)
    created = client.post("/api/v1/payment-runs/", {"pay_date": pay_date}, format="json", HTTP_IDEMPOTENCY_KEY="run-1")
    assert created.status_code == 201, created.json()
    again = client.post("/api/v1/payment-runs/", {"pay_date": pay_date}, format="json", HTTP_IDEMPOTENCY_KEY="run-1")
    assert again.json()["id"] == created.json()["id"] and PaymentRun.objects.count() == 1
    run_id = created.json()["id"]
    own = client.post(f"/api/v1/payment-runs/{run_id}/approve", {"decision": "approve"}, format="json")
    assert own.status_code == 403 and own.json()["errors"][0]["code"] == "self_approval"
    client = client_for(api_client, checker)
    assert client.post(f"/api/v1/payment-runs/{run_id}/approve", {"decision": "approve"}, format="json").json()["status"] == "approved"
    paid = client.post(f"/api/v1/payment-runs/{run_id}/pay")
    assert paid.json()["status"] == "paid"
    assert paid.json()["remittances"][0]["net_amount"] == "958.00"  # 1050 - 50 price - 42 shortage

    vendor_client = client_for(api_client, finance_user(vendor))
    [remittance] = vendor_client.get("/api/v1/payments/").json()["results"]
    assert sum(Decimal(line["amount"]) for line in remittance["lines"]) == Decimal(remittance["net_amount"]) == Decimal("958.00")
    summary = vendor_client.get("/api/v1/payment-summary", {"period_end": pay_date}).json()
    assert summary["paid"][0]["net_amount"] == remittance["net_amount"]
    assert summary["paid"][0]["deductions_total"] == remittance["deductions_total"] == "92.00"
    assert vendor_client.get("/api/v1/payment-runs/").status_code == 403


def test_reconciliation_run_is_for_accounts_payable(api_client, vendor, matched):
    assert client_for(api_client, finance_user(vendor)).post("/api/v1/reconciliation/run", {}, format="json").status_code == 403
    response = client_for(api_client, ap_user()).post("/api/v1/reconciliation/run", {"invoice_id": matched.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["claims_raised"] == 0 and response.json()["lines"] == 1


def test_another_vendors_deduction_is_a_404(api_client, vendor, other_vendor, matched):
    claim = Deduction.objects.filter(invoice=matched).first()
    client = client_for(api_client, vendor_user(other_vendor, Role.VENDOR_FINANCE, username="globex-fin"))
    assert client.get(f"/api/v1/deductions/{claim.pk}/").status_code == 404
    assert client.post(f"/api/v1/deductions/{claim.pk}/disputes/", {"reason": "x"}, format="json").status_code == 404
    assert client.get("/api/v1/deductions/").json()["results"] == []


def test_token_with_payment_scopes_reads_deductions(api_client, vendor, matched):
    _token, raw = api_token(vendor, scopes=["payments:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert len(api_client.get("/api/v1/deductions/").json()["results"]) == 2
    claim = Deduction.objects.filter(invoice=matched).first()
    assert api_client.post(f"/api/v1/deductions/{claim.pk}/disputes/", {"reason": "x"}, format="json").status_code == 403
