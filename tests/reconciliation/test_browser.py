"""Vendor finance opens the payment summary in a real browser: tiles, and Chart.js charts drawn from the page's data."""

import datetime

import pytest
from django.utils import timezone

from reconciliation.models import DeductionKind, DeductionReason
from reconciliation.services.disputes import dispute_create
from reconciliation.services.payment_runs import payment_run_create, payment_run_decide, payment_run_pay
from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.invoicing.factories import shipped_po
from tests.reconciliation.factories import accepted_invoice, ap_user, deduction, finance_user, submitted_invoice
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

SCREENSHOT = SCREENSHOTS / "payment_summary.png"


def a_finance_quarter(vendor):
    """The money walk paid, a few open invoices due on different dates, and deductions over some months."""
    today = timezone.localdate()
    accepted_invoice(vendor, number="INV-1001", payment_terms="net30", invoice_date=today - datetime.timedelta(days=40))
    maker, checker = ap_user("ap-maker"), ap_user("ap-checker")
    run = payment_run_create(scope=scope_for_user(maker), pay_date=today, actor=Actor(user=maker))
    payment_run_decide(scope=scope_for_user(checker), run_id=run.pk, approve=True, actor=Actor(user=checker))
    remittance = payment_run_pay(scope=scope_for_user(maker), run_id=run.pk, actor=Actor(user=maker)).remittances.get()

    for number, days_ago, quantity in (("INV-1002", 45, 40), ("INV-1003", 12, 80), ("INV-1004", 3, 120), ("INV-1005", 20, 60)):
        accepted_invoice(
            vendor,
            number=number,
            quantity=quantity,
            received=quantity,
            invoiced_cost="10.00",
            payment_terms="net30",
            invoice_date=today - datetime.timedelta(days=days_ago),
        )
    submitted_invoice(vendor, shipped_po(vendor, quantity=30, received=30), number="INV-1006", quantity=30, cost="10.00")

    for kind, reason, amount, days_ago in (
        (DeductionKind.CHARGEBACK, DeductionReason.ASN_LATE, "150.00", 100),
        (DeductionKind.COOP_ALLOWANCE, DeductionReason.COOP_AGREEMENT, "320.00", 70),
        (DeductionKind.CHARGEBACK, DeductionReason.LABEL_NON_COMPLIANCE, "85.00", 40),
        (DeductionKind.COOP_ALLOWANCE, DeductionReason.COOP_AGREEMENT, "180.00", 8),
    ):
        deduction(vendor, kind=kind, reason=reason, amount=amount, days_ago=days_ago, window_days=60)
    late_asn = deduction(vendor, amount="60.00", days_ago=2)
    person = finance_user(vendor)
    dispute_create(scope=scope_for_user(person), deduction_id=late_asn.pk, reason="The ASN left before the truck.", actor=Actor(user=person))
    return remittance


@pytest.mark.browser
def test_vendor_finance_sees_the_payment_summary_charts_and_totals(live_server, transactional_db, page, vendor):  # noqa: F811
    remittance = a_finance_quarter(vendor)
    login(page, live_server, "acme-finance", "demo-password")

    page.goto(f"{live_server.url}/payments/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas#aging-chart')) !== undefined")

    for chart_id in ("aging-chart", "cash-chart", "deductions-chart"):
        assert page.evaluate(f"Chart.getChart(document.querySelector('canvas#{chart_id}')) !== undefined"), chart_id
        box = page.locator(f"canvas#{chart_id}").bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, chart_id
    assert page.evaluate("Chart.getChart(document.querySelector('canvas#deductions-chart')).data.datasets.length") >= 3

    assert page.locator("[data-testid=paid-net-USD]").inner_text() == f"{remittance.net_amount:,} USD" == "958.00 USD"
    tiles = page.locator(".kpis").inner_text().lower()  # the tile labels are set in capitals by CSS
    assert "open invoices" in tiles and "due now" in tiles and "deductions this period" in tiles and "open disputes" in tiles
    assert "887.00 usd" in tiles  # 42.00 + 50.00 claims, 150.00 + 85.00 + 60.00 chargebacks, 320.00 + 180.00 co-op
    # The table twins carry the same figures for screen readers and for people who prefer numbers.
    page.locator("details.chart-table summary").first.click()
    assert "Not yet due" in page.locator("details.chart-table table").first.inner_text()

    page.screenshot(path=SCREENSHOT, full_page=True)

    # From the money walk's invoice page: its 3-way match, and a click to the shortage claim's evidence.
    from invoicing.models import Invoice

    invoice = Invoice.objects.get(number="INV-1001")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    panel = page.get_by_test_id("invoice-match")
    assert "Over tolerance" in panel.inner_text() and "−92.00 USD" in panel.inner_text()
    panel.get_by_role("link", name="SC-").click()
    page.wait_for_url("**/payments/deductions/*/")
    assert page.get_by_test_id("match-evidence").is_visible()
