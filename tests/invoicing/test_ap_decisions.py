"""Accounts payable is offered only the decisions the invoice can take from where it is, as buttons."""

import re

import pytest

from invoicing.forms import RetailerDecisionForm
from invoicing.models import InvoiceState
from tests.browser_support import browser, login, page  # noqa: F401
from tests.invoicing.factories import shipped_po
from tests.reconciliation.factories import accept, ap_user, submitted_invoice


def decisions(html: str) -> list[str]:
    form = html.split('data-testid="ap-decision"')[1].split("</form>")[0]
    return re.findall(r'name="state" value="([a-z_]+)"', form)


@pytest.mark.django_db
def test_a_submitted_invoice_offers_accept_or_reject_and_an_accepted_one_moves_on(client, vendor):
    po = shipped_po(vendor, quantity=10, received=10)
    invoice = submitted_invoice(vendor, po, number="INV-AP1", quantity=10, cost="10.00")
    client.force_login(ap_user())
    page_html = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert decisions(page_html) == ["accepted", "rejected"]
    assert '<select name="state"' not in page_html
    accept(invoice)
    assert decisions(client.get(f"/invoices/{invoice.pk}/").content.decode()) == ["rejected", "on_hold", "approved_for_payment"]


@pytest.mark.django_db
def test_a_decision_the_invoice_cannot_take_is_refused_with_a_message(client, vendor):
    po = shipped_po(vendor, quantity=10, received=10)
    invoice = submitted_invoice(vendor, po, number="INV-AP2", quantity=10, cost="10.00")
    client.force_login(ap_user())
    response = client.post(f"/invoices/{invoice.pk}/decision/", {"state": "paid"}, follow=True)
    assert "cannot move to that state" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.SUBMITTED


@pytest.mark.browser
def test_accounts_payable_sees_only_the_valid_decisions_in_the_browser(live_server, transactional_db, page, vendor):  # noqa: F811
    po = shipped_po(vendor, quantity=10, received=10)
    invoice = submitted_invoice(vendor, po, number="INV-AP3", quantity=10, cost="10.00")
    ap_user("ap")
    login(page, live_server, "ap", "demo-password")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    form = page.get_by_test_id("ap-decision")
    assert form.locator("button").all_inner_texts() == ["Accepted", "Rejected"]
    assert form.locator("select").count() == 0
    form.get_by_role("button", name="Accepted").click()
    page.wait_for_selector("text=Decision recorded.")
    invoice.refresh_from_db()  # accepted, and the 3-way match may have moved it on already
    assert invoice.state != InvoiceState.SUBMITTED
    offered = page.get_by_test_id("ap-decision").locator("button").all_inner_texts()
    assert offered == [str(state.label) for state in RetailerDecisionForm.DECISIONS if invoice.can_transition_to(state)]
    assert "Accepted" not in offered
