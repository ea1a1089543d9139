"""The payment screens, driven through their URLs as vendor finance and accounts payable would."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invoicing.models import InvoiceState
from reconciliation.models import (
    Deduction,
    DeductionKind,
    DeductionReason,
    DeductionStatus,
    Dispute,
    DisputeStatus,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
)
from reconciliation.services.disputes import dispute_answer, dispute_create
from tests.export_support import exported_sheet_rows
from tests.factories import marketplace, vendor_user
from tests.reconciliation import tenancy
from tests.reconciliation.factories import accepted_invoice, ap_user, deduction, finance_user
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def money_walk_paid(vendor):
    """PO of 100 at 10.00, 96 received, invoiced 100 at 10.50; matched, run, approved and paid through the screens."""
    invoice, _po = accepted_invoice(vendor, payment_terms="net30", invoice_date=timezone.localdate() - datetime.timedelta(days=40))
    maker, checker = signed_in(ap_user("ap-maker")), signed_in(ap_user("ap-checker"))
    response = maker.post("/payments/match/")
    assert response.status_code == 302
    response = maker.post("/payments/runs/", {"pay_date": timezone.localdate().isoformat(), "marketplace": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    run = PaymentRun.objects.get()
    asked = checker.post(f"/payments/runs/{run.pk}/decide/", {"decision": "approve"})
    assert 'data-testid="confirm-step"' in asked.content.decode() and "Net to pay in" in asked.content.decode()
    assert checker.post(f"/payments/runs/{run.pk}/decide/", {"decision": "approve", "confirmed": "yes"}).status_code == 302
    assert maker.post(f"/payments/runs/{run.pk}/pay/").status_code == 302
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.PAID
    return invoice, run.remittances.get()


def test_summary_paid_to_date_equals_the_remittance_net_of_the_money_walk(vendor):
    invoice, remittance = money_walk_paid(vendor)
    finance = signed_in(finance_user(vendor))

    response = finance.get("/payments/")

    assert response.status_code == 200
    assert remittance.gross_paid == Decimal("1050.00")
    assert remittance.deductions_total == Decimal("92.00")  # 42.00 shortage + 50.00 price claim
    assert remittance.net_amount == Decimal("958.00")
    tile = response.context["tiles"][0]
    assert tile["currency"] == "USD"
    assert tile["paid"]["net_amount"] == remittance.net_amount
    assert tile["paid"]["gross_paid"] == remittance.gross_paid
    assert tile["paid"]["deductions_total"] == remittance.deductions_total
    assert tile["deductions"] == Decimal("92.00")
    assert tile["open_count"] == 0
    body = response.content.decode()
    assert 'data-testid="paid-net-USD">958.00 USD<' in body
    assert '<canvas id="aging-chart"' in body and '<canvas id="cash-chart"' in body and '<canvas id="deductions-chart"' in body
    assert 'id="payment-summary-data"' in body
    chart = response.context["chart_data"]
    assert chart["currency"] == "USD"
    assert {d["label"] for d in chart["deductions"]["datasets"]} == {"Shortage claim", "Price claim"}
    # The remittance screen shows the same net, and its lines add up to it.
    detail = finance.get(f"/payments/remittances/{remittance.pk}/")
    assert detail.status_code == 200
    assert detail.context["lines_total"] == remittance.net_amount
    assert detail.context["sums"]["deduction"] == Decimal("-92.00")
    assert invoice.number in detail.content.decode()
    listing = finance.get("/payments/remittances/")
    assert listing.context["totals"][0]["net_amount"] == remittance.net_amount


def test_summary_shows_open_invoices_due_now_before_payment(vendor):
    accepted_invoice(vendor, payment_terms="net30", invoice_date=timezone.localdate() - datetime.timedelta(days=40))
    signed_in(ap_user()).post("/payments/match/")
    response = signed_in(finance_user(vendor)).get("/payments/")
    tile = response.context["tiles"][0]
    assert tile["open_amount"] == Decimal("1050.00") and tile["open_count"] == 1
    assert tile["due_now"] == Decimal("1050.00")  # due 10 days ago
    assert [row["state"] for row in tile["open_by_state"]] == [InvoiceState.APPROVED_FOR_PAYMENT]
    assert tile["paid"] is None


def test_summary_filters_by_marketplace_and_period(vendor):
    deduction(vendor, amount="25.00", days_ago=3)
    marketplace("DE")
    finance = signed_in(finance_user(vendor))
    assert finance.get("/payments/?marketplace=US").context["tiles"][0]["deductions"] == Decimal("25.00")
    assert finance.get("/payments/?marketplace=DE").context["tiles"] == []
    before = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert finance.get(f"/payments/?period_end={before}").context["tiles"][0]["deductions"] == Decimal("0.00")
    refused = finance.get("/payments/?period_start=2026-05-01&period_end=2026-01-01")
    assert refused.status_code == 200 and refused.context["form"].errors


def test_summary_exports_csv_and_xlsx_with_the_same_numbers(vendor):
    _invoice, remittance = money_walk_paid(vendor)
    finance = signed_in(finance_user(vendor))

    response = finance.get("/payments/summary.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows[0] == ["section", "key", "currency", "count", "amount"]
    assert ["Paid", "", "USD", "1", str(remittance.net_amount)] in rows
    assert any(r[0] == "Deductions by month" and r[4] == "42.00" for r in rows)

    from openpyxl import load_workbook

    response = finance.get("/payments/summary.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    paid = list(workbook["Paid"].iter_rows(values_only=True))
    assert paid[0][0] == "currency" and paid[1][0] == "USD"
    assert Decimal(str(paid[1][-1])) == remittance.net_amount


def test_remittance_csv_and_xlsx_list_every_line(vendor):
    invoice, remittance = money_walk_paid(vendor)
    finance = signed_in(finance_user(vendor))

    response = finance.get(f"/payments/remittances/{remittance.pk}/lines.csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert len(rows) == remittance.lines.count() == 3
    assert sum(Decimal(r["Amount"]) for r in rows) == remittance.net_amount
    assert rows[0]["Reference"] == invoice.number

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(finance.get(f"/payments/remittances/{remittance.pk}/lines.xlsx").content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 4 and values[1][6] == invoice.number


def test_remittance_advice_pdf_downloads(vendor):
    _invoice, remittance = money_walk_paid(vendor)
    response = signed_in(finance_user(vendor)).get(f"/payments/remittances/{remittance.pk}/advice.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_deduction_list_filters_and_detail_shows_the_match_evidence(vendor):
    invoice, po = accepted_invoice(vendor)
    signed_in(ap_user()).post("/payments/match/")
    deduction(vendor, amount="25.00")
    marketplace("DE")
    finance = signed_in(finance_user(vendor))

    response = finance.get("/payments/deductions/?kind=price_claim")
    assert [d.kind for d in response.context["page"]] == [DeductionKind.PRICE_CLAIM]
    assert len(finance.get("/payments/deductions/").context["page"]) == 3
    assert len(finance.get("/payments/deductions/?marketplace=DE").context["page"]) == 0
    assert len(finance.get("/payments/deductions/?kind=nonsense").context["page"]) == 3  # a bad filter is dropped
    deduction(vendor, amount="5.00", days_ago=40, window_days=30)
    assert len(finance.get("/payments/deductions/?status=open&disputable=on").context["page"]) == 3  # not the closed one

    shortage = Deduction.objects.get(kind=DeductionKind.SHORTAGE_CLAIM)
    detail = finance.get(f"/payments/deductions/{shortage.pk}/")
    body = detail.content.decode()
    assert detail.status_code == 200
    assert detail.context["match"].received_quantity == 96 and detail.context["match"].shortage_units == 4
    assert "42.00 USD" in body and "10.50 USD" in body and po.number in body and invoice.number in body
    assert detail.context["standing"]["days_left"] == 30
    assert 'data-testid="dispute-form"' in body


def test_vendor_disputes_a_deduction_with_evidence(vendor):
    claim = deduction(vendor, amount="25.00")
    finance = signed_in(finance_user(vendor))

    response = finance.post(
        f"/payments/deductions/{claim.pk}/dispute/",
        {
            "reason": "The ASN was sent on time: see the EDI 997.",
            "evidence": [SimpleUploadedFile("pod.pdf", PDF, content_type="application/pdf")],
        },
    )

    assert response.status_code == 302
    dispute = Dispute.objects.get(deduction=claim)
    assert dispute.evidence.count() == 1 and dispute.status == DisputeStatus.OPEN
    claim.refresh_from_db()
    assert claim.status == DeductionStatus.DISPUTED
    page = finance.get(response["Location"])
    assert "The ASN was sent on time" in page.content.decode() and "pod.pdf" in page.content.decode()
    assert page.context["standing"]["blocked"]  # waiting for the answer: no second dispute now
    # The notification link to the dispute lands vendor finance on the deduction.
    assert finance.get(f"/payments/disputes/{dispute.pk}/")["Location"].startswith(f"/payments/deductions/{claim.pk}/")


def test_dispute_past_its_window_is_refused_with_the_reason(vendor):
    old = deduction(vendor, amount="25.00", days_ago=40, window_days=30)
    finance = signed_in(finance_user(vendor))

    page = finance.get(f"/payments/deductions/{old.pk}/")
    assert 'data-testid="dispute-form"' not in page.content.decode()
    assert "Window closed on" in page.content.decode()

    response = finance.post(f"/payments/deductions/{old.pk}/dispute/", {"reason": "Late, but right."})
    assert response.status_code == 400
    assert any("dispute window" in m and "closed" in m for m in messages_of(response))
    assert "closed on" in response.content.decode()
    assert not Dispute.objects.exists()


def test_dispute_limit_and_wrong_file_type_are_shown_next_to_the_form(vendor):
    claim = deduction(vendor, amount="25.00")
    finance_person, ap = finance_user(vendor), ap_user()
    for number in (1, 2):
        dispute = dispute_create(
            scope=scope_for_user(finance_person), deduction_id=claim.pk, reason=f"try {number}", actor=Actor(user=finance_person)
        )
        dispute_answer(scope=scope_for_user(ap), dispute_id=dispute.pk, outcome=DisputeStatus.UPHELD, note="Stands.", actor=Actor(user=ap))
    finance = signed_in(finance_person)

    bad_file = finance.post(
        f"/payments/deductions/{claim.pk}/dispute/",
        {
            "reason": "Third time",
            "evidence": [SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/pdf")],
        },
    )
    assert bad_file.status_code == 400
    assert "is not a PDF, JPEG or PNG file" in str(bad_file.context["form"].errors["evidence"])

    limit = finance.post(f"/payments/deductions/{claim.pk}/dispute/", {"reason": "Third time"})
    assert limit.status_code == 400
    assert any("most allowed" in m for m in messages_of(limit))
    assert Dispute.objects.filter(deduction=claim).count() == 2


def test_accounts_payable_answers_a_dispute_partly_from_the_queue(vendor):
    claim = deduction(vendor, amount="25.00")
    person = finance_user(vendor)
    dispute = dispute_create(scope=scope_for_user(person), deduction_id=claim.pk, reason="Half of it was our fault.", actor=Actor(user=person))
    ap = signed_in(ap_user())

    queue = ap.get("/payments/disputes/")
    assert [d.pk for d in queue.context["page"]] == [dispute.pk]
    assert claim.reference in queue.content.decode()
    assert ap.get(f"/payments/disputes/{dispute.pk}/").status_code == 200
    overview = ap.get("/payments/?vendor=ACME")  # accounts payable reads the summary across vendors, or one
    assert overview.status_code == 200 and overview.context["tiles"][0]["disputes"]["count"] == 1
    assert ap.get("/payments/?vendor=NOBODY").context["tiles"] == []

    too_much = ap.post(f"/payments/disputes/{dispute.pk}/answer/", {"outcome": "partly_reversed", "amount": "30.00", "note": "x"})
    assert too_much.status_code == 400 and too_much.context["answer_form"].errors["amount"]

    response = ap.post(
        f"/payments/disputes/{dispute.pk}/answer/", {"outcome": "partly_reversed", "amount": "10.00", "note": "Half the cartons were late."}
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.PARTLY_REVERSED and dispute.amount_reversed == Decimal("10.00")
    assert Deduction.objects.get(kind=DeductionKind.REVERSAL, reverses=claim).amount == Decimal("10.00")
    assert len(ap.get("/payments/disputes/").context["page"]) == 0
    page = signed_in(person).get(f"/payments/deductions/{claim.pk}/")
    assert "Half the cartons were late." in page.content.decode()


def test_payment_run_needs_a_second_person_and_is_then_paid(vendor):
    invoice, _po = accepted_invoice(vendor, payment_terms="net30", invoice_date=timezone.localdate() - datetime.timedelta(days=40))
    maker_user = ap_user("ap-maker")
    maker, checker = signed_in(maker_user), signed_in(ap_user("ap-checker"))
    maker.post("/payments/match/")

    preview = maker.post("/payments/runs/", {"pay_date": timezone.localdate().isoformat(), "preview": "1"})
    assert preview.status_code == 200 and not PaymentRun.objects.exists()
    assert [row["net_amount"] for row in preview.context["preview"]["remittances"]] == [Decimal("958.00")]

    maker.post("/payments/runs/", {"pay_date": timezone.localdate().isoformat()})
    run = PaymentRun.objects.get()
    assert run.status == PaymentRunStatus.PENDING_APPROVAL
    assert run.remittances.get().net_amount == Decimal("958.00")  # the preview told the truth
    page = maker.get(f"/payments/runs/{run.pk}/")
    assert page.context["own_run"] and 'data-testid="approve-run"' not in page.content.decode()

    refused = maker.post(f"/payments/runs/{run.pk}/decide/", {"decision": "approve"}, follow=True)
    assert any("cannot approve your own request" in m for m in messages_of(refused))
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.PENDING_APPROVAL

    early = maker.post(f"/payments/runs/{run.pk}/pay/", follow=True)
    assert any("only an approved run is paid" in m for m in messages_of(early))

    checker.post(f"/payments/runs/{run.pk}/decide/", {"decision": "approve", "confirmed": "yes"})
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.APPROVED and run.approved_by.username == "ap-checker"
    maker.post(f"/payments/runs/{run.pk}/pay/")
    run.refresh_from_db()
    invoice.refresh_from_db()
    assert run.status == PaymentRunStatus.PAID and invoice.state == InvoiceState.PAID
    assert Remittance.objects.get().paid_at is not None


def test_nothing_due_is_said_on_the_run_form(vendor):
    response = signed_in(ap_user()).post("/payments/runs/", {"pay_date": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert "Nothing is due" in str(response.context["form"].errors)


def test_match_button_reports_what_it_did(vendor):
    accepted_invoice(vendor)
    response = signed_in(ap_user()).post("/payments/match/", follow=True)
    assert any("2 claims raised" in m for m in messages_of(response))
    assert Deduction.objects.count() == 2


def test_vendor_people_cannot_reach_accounts_payable_screens(vendor):
    finance = signed_in(finance_user(vendor))
    for url in ("/payments/disputes/", "/payments/runs/"):
        assert finance.get(url).status_code == 403
    assert finance.post("/payments/match/").status_code == 403
    ops = signed_in(vendor_user(vendor, Role.VENDOR_OPS))
    assert ops.get("/payments/").status_code == 403


def test_every_payment_route_is_404_for_another_vendor(vendor, other_vendor):
    world = {}
    tenancy.build(world, vendor)
    intruder = signed_in(vendor_user(other_vendor, Role.VENDOR_ADMIN, username="globex-admin"))
    routes = {
        "deduction": ["/payments/deductions/{pk}/", "/payments/deductions/{pk}/dispute/"],
        "shortage": ["/payments/deductions/{pk}/"],
        "dispute": ["/payments/disputes/{pk}/"],
        "remittance": [
            "/payments/remittances/{pk}/",
            "/payments/remittances/{pk}/advice.pdf",
            "/payments/remittances/{pk}/lines.csv",
            "/payments/remittances/{pk}/lines.xlsx",
        ],
    }
    for key, urls in routes.items():
        for url in urls:
            url = url.format(pk=world[key].pk)
            assert intruder.get(url).status_code in (404, 405), url
            assert intruder.post(url, {"reason": "mine now"}).status_code in (404, 405), url
    for url in ("/payments/", "/payments/deductions/", "/payments/remittances/", "/payments/summary.csv"):
        body = intruder.get(url).getvalue().decode()
        assert "ACME-SECRET" not in body and "ACMESECRET" not in body, url
    assert not Dispute.objects.filter(reason="mine now").exists()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_query_counts_do_not_grow_with_rows(vendor):
    finance_person = finance_user(vendor)
    finance, ap = signed_in(finance_person), signed_in(ap_user())
    for _ in range(2):
        claim = deduction(vendor)
        dispute_create(scope=scope_for_user(finance_person), deduction_id=claim.pk, reason="r", actor=Actor(user=finance_person))
    small = {
        url: _queries(client, url)
        for client, url in (
            (finance, "/payments/deductions/"),
            (ap, "/payments/disputes/"),
            (finance, "/payments/remittances/"),
            (ap, "/payments/runs/"),
            (finance, "/payments/"),
        )
    }
    for _ in range(12):
        claim = deduction(vendor)
        dispute_create(scope=scope_for_user(finance_person), deduction_id=claim.pk, reason="r", actor=Actor(user=finance_person))
    large = {
        url: _queries(client, url)
        for client, url in (
            (finance, "/payments/deductions/"),
            (ap, "/payments/disputes/"),
            (finance, "/payments/remittances/"),
            (ap, "/payments/runs/"),
            (finance, "/payments/"),
        )
    }
    assert large == small
    assert max(small.values()) <= 15  # measured: deductions 9, disputes 8, remittances 8, runs 7, summary 13


def test_remittance_and_run_lists_query_counts_do_not_grow(vendor, other_vendor):
    money_walk_paid(vendor)
    finance, ap = signed_in(finance_user(vendor)), signed_in(ap_user("ap-reader"))
    small = (_queries(finance, "/payments/remittances/"), _queries(ap, "/payments/runs/"), _queries(ap, "/payments/remittances/"))
    accepted_invoice(other_vendor, payment_terms="net30", number="INV-2", invoice_date=timezone.localdate() - datetime.timedelta(days=40))
    maker, checker = signed_in(ap_user("ap-maker2")), signed_in(ap_user("ap-checker2"))
    maker.post("/payments/match/")
    maker.post("/payments/runs/", {"pay_date": timezone.localdate().isoformat()})
    run = PaymentRun.objects.filter(status=PaymentRunStatus.PENDING_APPROVAL).get()
    checker.post(f"/payments/runs/{run.pk}/decide/", {"decision": "approve", "confirmed": "yes"})
    maker.post(f"/payments/runs/{run.pk}/pay/")
    assert Remittance.objects.count() == 2
    assert (_queries(finance, "/payments/remittances/"), _queries(ap, "/payments/runs/"), _queries(ap, "/payments/remittances/")) == small


def test_register_screens_adds_nav_for_each_side(vendor):
    from reconciliation.views import register_screens
    from vendor_portal.navigation import navigation_for

    register_screens()
    vendor_nav = [item["url"] for item in navigation_for(scope_for_user(finance_user(vendor)))]
    ap_nav = [item["url"] for item in navigation_for(scope_for_user(ap_user()))]
    assert {"/payments/", "/payments/deductions/", "/payments/remittances/"} <= set(vendor_nav)
    assert "/payments/runs/" not in vendor_nav and "/payments/disputes/" not in vendor_nav
    assert {"/payments/runs/", "/payments/disputes/"} <= set(ap_nav)


def test_deduction_and_remittance_list_exports_follow_the_filters(vendor):
    _invoice, remittance = money_walk_paid(vendor)
    deduction(vendor, amount="25.00")
    finance = signed_in(finance_user(vendor))

    rows = list(csv.DictReader(io.StringIO(finance.get("/payments/deductions/export.csv?kind=chargeback").getvalue().decode("utf-8-sig"))))
    assert [(r["Kind"], r["Amount"]) for r in rows] == [("Chargeback", "25.00")]
    assert len(exported_sheet_rows(finance, "/payments/deductions/export.xlsx")) == 4  # header + two claims + the chargeback
    header, *records = exported_sheet_rows(finance, "/payments/deductions/export.xlsx?kind=chargeback")
    assert [(r[header.index("Kind")], r[header.index("Amount")]) for r in records] == [("Chargeback", 25)]

    rows = list(csv.DictReader(io.StringIO(finance.get("/payments/remittances/export.csv").getvalue().decode("utf-8-sig"))))
    assert {r["Remittance"] for r in rows} == {remittance.number}
    assert sum(Decimal(r["Amount"]) for r in rows) == remittance.net_amount
    header, *records = exported_sheet_rows(finance, "/payments/remittances/export.xlsx")
    assert len(records) == len(rows) and sum(Decimal(str(r[header.index("Amount")])) for r in records) == remittance.net_amount


def test_the_deduction_export_names_each_deduction_and_what_it_reverses(vendor):
    claim = deduction(vendor, amount="25.00", description="Late ASN")
    reversal = deduction(vendor, amount="10.00", kind=DeductionKind.REVERSAL, reason=DeductionReason.OTHER, reverses=claim)
    finance = signed_in(finance_user(vendor))
    rows = list(csv.DictReader(io.StringIO(finance.get("/payments/deductions/export.csv").getvalue().decode("utf-8-sig"))))
    assert [(r["Reference"], r["Kind"], r["Reason"], r["Status"], r["Reverses"], r["Amount"]) for r in rows] == [
        (reversal.reference, "Reversal", "Other", "Open", claim.reference, "10.00"),
        (claim.reference, "Chargeback", claim.get_reason_display(), "Open", "", "25.00"),
    ]


def test_home_page_counts_what_needs_finance_and_accounts_payable(vendor):
    claim = deduction(vendor, amount="25.00")
    deduction(vendor, amount="5.00", days_ago=40, window_days=30)
    home = signed_in(finance_user(vendor)).get("/")
    assert {"label": "Deductions you can still dispute", "url": "/payments/deductions/?status=open&disputable=on", "count": 1} in [
        {**card, "label": str(card["label"])} for card in home.context["cards"]
    ]
    person = finance_user(vendor)
    dispute_create(scope=scope_for_user(person), deduction_id=claim.pk, reason="r", actor=Actor(user=person))
    cards = {str(card["label"]): card["count"] for card in signed_in(ap_user()).get("/").context["cards"]}
    assert cards["Disputes waiting for an answer"] == 1 and cards["Approved payment runs to pay"] == 0


def test_run_preview_and_remittance_show_the_credit_note_and_what_carries_forward(vendor):
    from tests.reconciliation.factories import accepted_credit_note

    invoice, _po = accepted_invoice(
        vendor,
        received=100,
        invoiced_cost="10.00",
        quantity=10,
        payment_terms="net30",
        invoice_date=timezone.localdate() - datetime.timedelta(days=40),
    )  # 100.00, due
    maker = signed_in(ap_user("ap-maker"))
    maker.post("/payments/match/")
    accepted_credit_note(vendor, invoice, quantity=10)  # 100.00
    big, _po = accepted_invoice(vendor, received=100, invoiced_cost="10.00", payment_terms="net60", number="INV-BIG", po_number="PO-BIG")
    credit_note = accepted_credit_note(vendor, big, quantity=3)  # 30.00, more than what is left: it carries forward
    response = maker.post("/payments/runs/", {"pay_date": timezone.localdate().isoformat(), "preview": "1"})
    assert response.status_code == 200
    [row] = response.context["preview"]["remittances"]
    assert (row["net_amount"], row["credit_notes_total"], row["credit_carried_forward"]) == (Decimal("0.00"), Decimal("100.00"), Decimal("30.00"))
    page = response.content.decode()
    assert 'data-testid="credit-carried"' in page and credit_note.number not in page  # not netted this time: no line for it

    maker.post("/payments/runs/", {"pay_date": timezone.localdate().isoformat()})
    run = PaymentRun.objects.get()
    remittance = run.remittances.get()
    page = signed_in(ap_user("ap-checker")).get(f"/payments/remittances/{remittance.pk}/").content.decode()
    assert 'data-testid="remittance-credit-notes"' in page and "Credit note" in page


def test_pay_date_in_the_past_is_said_on_the_run_form(vendor):
    response = signed_in(ap_user()).post("/payments/runs/", {"pay_date": "2001-01-01", "preview": "1"})
    assert response.status_code == 400
    assert "in the past" in response.content.decode()


@pytest.mark.parametrize("period_end", ["9999-12-31", "0001-01-05"])
def test_summary_of_a_period_at_the_ends_of_the_calendar_is_answered(vendor, period_end):
    """The month axis stepped past year 9999 and the default start before year 1: both were 500s."""
    response = signed_in(finance_user(vendor)).get("/payments/", {"period_end": period_end})
    assert response.status_code == 200


def test_invoice_page_shows_its_3_way_match_and_the_deductions_raised_on_it(vendor, django_assert_max_num_queries):
    """The money walk's invoice: line 1 over tolerance, 4 units short, both claims linked, 92.00 deducted. Five more
    lines cost no more queries; a person who may not see payments sees no panel."""
    from reconciliation.engine import match_invoices

    invoice, _po = accepted_invoice(vendor)
    match_invoices(invoice_ids=[invoice.pk])
    client = signed_in(finance_user(vendor))
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="invoice-match"' in page and "Over tolerance" in page
    claims = Deduction.objects.filter(invoice=invoice).order_by("pk")
    for claim in claims:
        assert f'href="/payments/deductions/{claim.pk}/">{claim.reference}</a>' in page
    assert "−$92.00" in page or "−92.00" in page

    many, _po = accepted_invoice(vendor, number="INV-6", po_number="PO-6", lines=6)
    match_invoices(invoice_ids=[many.pk])
    with CaptureQueriesContext(connection) as one_line:
        client.get(f"/invoices/{invoice.pk}/")
    with django_assert_max_num_queries(len(one_line)):
        assert client.get(f"/invoices/{many.pk}/").status_code == 200

    ops = signed_in(vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops-2"))
    response = ops.get(f"/invoices/{invoice.pk}/")
    assert response.status_code in (200, 403) and 'data-testid="invoice-match"' not in response.content.decode()


def test_invoice_page_of_an_invoice_waiting_for_its_goods_says_so_and_nothing_else(vendor):
    from reconciliation.engine import match_invoices

    invoice, _po = accepted_invoice(vendor, received=0, lines=2)
    match_invoices(invoice_ids=[invoice.pk])
    page = signed_in(finance_user(vendor)).get(f"/invoices/{invoice.pk}/").content.decode()
    assert "2 lines wait for their goods to be received" in page and "Nothing deducted" not in page


def test_invoice_page_of_a_submitted_invoice_over_tolerance_says_claims_come_on_acceptance(vendor):
    from reconciliation.engine import match_invoices
    from tests.invoicing.factories import shipped_po
    from tests.reconciliation.factories import submitted_invoice

    invoice = submitted_invoice(vendor, shipped_po(vendor, quantity=10, received=10), number="SUB-1", quantity=10, cost="10.50")
    match_invoices(invoice_ids=[invoice.pk])
    page = signed_in(finance_user(vendor)).get(f"/invoices/{invoice.pk}/").content.decode()
    assert "claims are raised once accounts payable accepts the invoice" in page


def test_invoice_page_before_the_match_has_no_match_panel(vendor):
    invoice, _po = accepted_invoice(vendor)
    page = signed_in(finance_user(vendor)).get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="invoice-match"' not in page


def test_a_reversal_for_a_credit_note_links_the_credit_note(vendor):
    from reconciliation.engine import match_invoices
    from tests.reconciliation.factories import accepted_credit_note

    invoice, _po = accepted_invoice(vendor)
    match_invoices(invoice_ids=[invoice.pk])
    credit_note = accepted_credit_note(vendor, invoice, quantity=4, unit_cost="10.50", reason="quantity_correction", number="CN-SHORT")
    match_invoices(invoice_ids=[credit_note.pk])
    reversal = Deduction.objects.get(kind=DeductionKind.REVERSAL, reason=DeductionReason.CREDITED, reverses__kind=DeductionKind.SHORTAGE_CLAIM)
    page = signed_in(finance_user(vendor)).get(f"/payments/deductions/{reversal.pk}/").content.decode()
    assert f'<a href="/invoices/{credit_note.pk}/">CN-SHORT</a>' in page and "Credited by the vendor&#x27;s credit note" in page


def test_deduction_totals_are_net_a_reversal_offsets_its_claim(vendor):
    claim = deduction(vendor, amount="100.00", kind=DeductionKind.SHORTAGE_CLAIM, reason=DeductionReason.SHORTAGES_IN_TRANSIT)
    deduction(vendor, amount="25.00")
    person = finance_user(vendor)
    dispute = dispute_create(scope=scope_for_user(person), deduction_id=claim.pk, reason="40 units arrived.", actor=Actor(user=person))
    ap = ap_user()
    dispute_answer(
        scope=scope_for_user(ap),
        dispute_id=dispute.pk,
        outcome="partly_reversed",
        amount=Decimal("40.00"),
        note="40 units were late, not short.",
        actor=Actor(user=ap),
    )

    response = signed_in(person).get("/payments/deductions/")
    (row,) = response.context["totals"]
    assert (row["count"], row["claimed"], row["given_back"], row["net"]) == (3, Decimal("125.00"), Decimal("40.00"), Decimal("85.00"))
    totals = response.content.decode().split('data-testid="deduction-totals"')[1].split("</p>")[0]
    assert "net <strong>85.00 USD</strong> deducted" in totals and "125.00 USD claimed, 40.00 USD reversed" in totals
    assert "165.00" not in totals  # never the claims and their reversal added up


def test_each_deduction_names_its_po_a_chargeback_its_shipments(vendor):
    from shipments.services.asn import shipment_submit
    from shipments.services.plans import shipment_create
    from tests.shipments.factories import confirmed_purchase_order, plan, ship_from

    invoice, po = accepted_invoice(vendor)
    signed_in(ap_user()).post("/payments/match/")  # price and shortage claims on the invoice's PO
    ops = vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    ship_from(vendor)
    first, second = confirmed_purchase_order(vendor, lines=1), confirmed_purchase_order(vendor, lines=1)
    shipment = shipment_create(scope=scope_for_user(ops), data=plan(first, second, identifier="ASN-CB"), actor=Actor(user=ops))
    shipment_submit(scope=scope_for_user(ops), shipment_id=shipment.pk, actor=Actor(user=ops))
    chargeback = deduction(vendor, amount="50.00", shipment=shipment)
    finance = signed_in(finance_user(vendor))

    rows = {d.pk: d.po_numbers for d in finance.get("/payments/deductions/").context["page"]}
    assert rows[chargeback.pk] == sorted([first.number, second.number])
    assert all(numbers == [po.number] for pk, numbers in rows.items() if pk != chargeback.pk)
    detail = finance.get(f"/payments/deductions/{chargeback.pk}/").content.decode()
    facts = detail.split('data-testid="deduction-po">')[1].split("</dd>")[0]
    assert first.number in facts and second.number in facts
    # Accounts payable's dispute queue names them too.
    person = finance_user(vendor)
    dispute_create(scope=scope_for_user(person), deduction_id=chargeback.pk, reason="The truck was on time.", actor=Actor(user=person))
    queue = signed_in(ap_user()).get("/payments/disputes/").content.decode()
    cell = queue.split('data-testid="dispute-po">')[1].split("</td>")[0]
    assert first.number in cell and second.number in cell


def test_the_dispute_answer_form_preselects_no_answer(vendor):
    claim = deduction(vendor, amount="25.00")
    person = finance_user(vendor)
    dispute = dispute_create(scope=scope_for_user(person), deduction_id=claim.pk, reason="Not ours.", actor=Actor(user=person))
    html = signed_in(ap_user()).get(f"/payments/disputes/{dispute.pk}/").content.decode()
    form = html.split('data-testid="answer-form"')[1].split("</form>")[0]
    assert 'name="outcome"' in form and "checked" not in form
