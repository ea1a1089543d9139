"""Vendor finance flips a PO, sees the pre-flight claims appear (htmx) and submits, in a real browser."""

import pytest

from invoicing.models import Invoice, InvoiceState
from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import vendor_user
from tests.invoicing.factories import shipped_po
from vendor_portal.roles import Role


@pytest.mark.browser
def test_flip_check_and_submit_in_the_browser(live_server, transactional_db, page, vendor):  # noqa: F811
    po = shipped_po(vendor, quantity=100, received=96, cost="10.00")
    vendor_user(vendor, Role.VENDOR_FINANCE, username="finance")
    login(page, live_server, "finance", "demo-password")

    page.goto(f"{live_server.url}/invoices/new/from-po/")
    page.locator(f"form:has(input[value='{po.number}']) button").click()
    page.wait_for_url("**/edit/")
    assert page.locator("#id_lines-0-quantity").input_value() == "96"

    page.fill("#id_lines-0-quantity", "100")
    page.fill("#id_lines-0-unit_cost", "10.50")
    page.get_by_role("button", name="Check (pre-flight)").click()
    panel = page.locator("[data-testid=preflight]")
    panel.get_by_text("92.00", exact=False).first.wait_for()
    text = panel.inner_text()
    assert "50.00" in text and "42.00" in text
    assert Invoice.objects.get().lines.get().quantity == 96  # a check saves nothing

    page.get_by_role("button", name="Save and submit").click()
    page.wait_for_url("**/submit/")  # saved; submitting is confirmed on its own page
    assert Invoice.objects.get().state == InvoiceState.DRAFT
    assert "The retailer gets it at once" in page.get_by_test_id("confirm-step").inner_text()
    page.get_by_role("button", name="Yes, submit").click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
    assert page.locator("h1 [data-testid=invoice-state]").inner_text() == "Submitted"
    invoice = Invoice.objects.get()
    assert invoice.state == InvoiceState.SUBMITTED and invoice.grand_total == 1050


@pytest.mark.browser
def test_flip_from_asn_preflight_warning_second_person_approves(live_server, transactional_db, page, vendor):  # noqa: F811
    from decimal import Decimal

    from shipments.services.asn import shipment_submit
    from shipments.services.plans import shipment_create
    from tests.audit_check import audit_exempt
    from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
    from vendor_portal.models import ApprovalRequest
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import scope_for_user

    with audit_exempt():
        vendor.invoice_approval_threshold = Decimal("100.00")  # this invoice needs a second person
        vendor.save()
    ops = vendor_user(vendor, Role.VENDOR_OPS, username="ops")
    vendor_user(vendor, Role.VENDOR_FINANCE, username="finance")
    vendor_user(vendor, Role.VENDOR_ADMIN, username="admin")
    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    ship_from(vendor)
    scope = scope_for_user(ops)
    shipment = shipment_create(scope=scope, data=plan(po, identifier="ASN-B1"), actor=Actor(user=ops))
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor(user=ops))

    login(page, live_server, "finance", "demo-password")
    # Home's "ready to invoice" queue leads to the picker; the ASN is picked from the list, by its label.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="ASNs ready to invoice").click()
    page.wait_for_url("**/invoices/new/from-asn/")
    page.get_by_label("ASN or PO number").fill("B1")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=B1*")
    assert page.locator("[data-testid=asn-choice]").count() == 1
    assert "600.00" in page.locator("[data-testid=asn-choice]").inner_text()  # the ASN's value: 60 x 10.00
    page.get_by_label("ASN-B1").check()
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url("**/edit/")
    assert page.locator("#id_lines-0-quantity").input_value() == "60"
    page.fill("#id_lines-0-unit_cost", "10.50")  # above the PO cost of 10.00
    page.get_by_role("button", name="Check (pre-flight)").click()
    panel = page.locator("[data-testid=preflight]")
    panel.get_by_text("30.00", exact=False).first.wait_for()  # price claim 0.50 x 60
    page.get_by_role("button", name="Save and submit").click()
    page.wait_for_url("**/submit/")  # submitting is confirmed on its own page, which says a second person approves
    assert Invoice.objects.get().state == InvoiceState.DRAFT
    assert "second person" in page.get_by_test_id("confirm-step").inner_text()
    page.get_by_role("button", name="Yes, submit").click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
    invoice = Invoice.objects.get()
    assert invoice.state == InvoiceState.PENDING_APPROVAL

    # The maker cannot approve; a second person can.
    approval = ApprovalRequest.objects.get(kind="invoice_submission")
    page.goto(f"{live_server.url}/approvals/{approval.pk}/")
    assert "a second person must approve it" in page.content()
    page.context.clear_cookies()
    login(page, live_server, "admin", "demo-password")
    page.goto(f"{live_server.url}/approvals/")
    page.get_by_role("link", name="Review").first.click()
    # The checker sees what they approve: the invoice's total and its pre-flight, with the claim it predicts.
    review = page.get_by_test_id("invoice-review")
    assert invoice.number in review.inner_text()
    assert "30.00" in page.get_by_test_id("preflight").inner_text()
    assert page.locator("select[name=decision]").count() == 0  # two buttons, no dropdown defaulting to Approve
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/approvals/")
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.SUBMITTED
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    assert page.locator("h1 [data-testid=invoice-state]").inner_text() == "Submitted"


UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('main input, main select, main textarea')]
    .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map(el => el.name || el.id)"""
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.browser
def test_invoice_screens_at_390_px_have_labelled_controls_and_no_sideways_scroll(live_server, transactional_db, page, vendor):  # noqa: F811
    from shipments.services.asn import shipment_submit
    from shipments.services.plans import shipment_create
    from tests.shipments.factories import confirmed_purchase_order, plan, ship_from

    ops = vendor_user(vendor, Role.VENDOR_OPS, username="ops")
    vendor_user(vendor, Role.VENDOR_FINANCE, username="finance")
    ship_from(vendor)
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import scope_for_user

    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    shipment = shipment_create(scope=scope_for_user(ops), data=plan(po, identifier="ASN-NARROW-0001"), actor=Actor(user=ops))
    shipment_submit(scope=scope_for_user(ops), shipment_id=shipment.pk, actor=Actor(user=ops))

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "finance", "demo-password")
    page.goto(f"{live_server.url}/invoices/new/from-asn/")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    page.get_by_label("ASN-NARROW-0001").check()
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url("**/edit/")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    # The stored lines' PO and SKU are read-only text; the US marketplace offers sales tax only.
    assert page.locator("#id_lines-0-purchase_order_number").count() == 0
    assert page.locator("[data-testid=line-purchase_order_number]").first.inner_text() == po.number
    assert page.locator("#id_lines-0-tax_type option").all_inner_texts() == ["—", "State sales tax"]

    page.goto(f"{live_server.url}/invoices/?state=draft")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    assert page.get_by_label("Draft").is_checked()  # the state chip, ticked
    assert Invoice.objects.get().shipment_id == shipment.pk
