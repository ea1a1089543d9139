import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing.api.inputs import invoice_input
from invoicing.models import Invoice, InvoiceState
from invoicing.services.drafts import invoice_create
from invoicing.services.flips import invoice_from_purchase_order
from invoicing.services.submission import invoice_submit
from tests.audit_check import audit_exempt
from tests.factories import retailer_user, vendor_user
from tests.invoicing.factories import shipped_po
from tests.vendor_portal.test_tenancy_walk import _assert_no_leak, _routes, _url, build_world
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(vendor):
    return vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")


@pytest.fixture
def signed_in(client, finance):
    client.force_login(finance)
    return client


def make_invoice(vendor, user, **data):
    po = shipped_po(vendor, quantity=100, received=96)
    base = {
        "number": "SCREEN-1",
        "invoice_date": timezone.localdate().isoformat(),
        "lines": [{"purchase_order_number": po.number, "po_line_sequence": 1, "quantity": 100, "unit_cost": "10.50"}],
    }
    base.update(data)
    return invoice_create(scope=scope_for_user(user), data=invoice_input(base), actor=Actor(user=user))


def test_list_shows_invoices_with_state_badges_and_filters(signed_in, vendor, finance):
    make_invoice(vendor, finance)
    response = signed_in.get("/invoices/?state=draft")
    html = response.content.decode()
    assert response.status_code == 200
    assert "SCREEN-1" in html and 'class="status draft"' in html and "New invoice from PO" in html
    assert "SCREEN-1" not in signed_in.get("/invoices/?state=submitted").content.decode()


def test_list_query_count_does_not_grow(signed_in, vendor, finance, django_assert_max_num_queries):
    po = shipped_po(vendor, quantity=1000)
    for n in range(15):
        invoice_create(
            scope=scope_for_user(finance),
            actor=Actor(user=finance),
            data=invoice_input({"number": f"Q-{n}", "lines": [{"purchase_order_number": po.number, "po_line_sequence": 1, "quantity": 1}]}),
        )
    with django_assert_max_num_queries(12):
        assert signed_in.get("/invoices/").status_code == 200


def test_nav_and_home_count_are_registered(signed_in, vendor, finance):
    make_invoice(vendor, finance)
    html = signed_in.get("/").content.decode()
    assert 'href="/invoices/"' in html and "Invoice drafts and rejected invoices" in html


def test_home_counts_invoices_on_hold_for_the_vendor_and_for_accounts_payable(signed_in, client, vendor, finance):
    invoice = make_invoice(vendor, finance)
    with audit_exempt():
        Invoice.objects.filter(pk=invoice.pk).update(state=InvoiceState.ON_HOLD)
    assert 'href="/invoices/?state=on_hold"' in signed_in.get("/").content.decode()
    client.force_login(retailer_user(Role.ACCOUNTS_PAYABLE))
    assert 'href="/invoices/?state=on_hold"' in client.get("/").content.decode()


def test_new_from_po_creates_a_draft_and_opens_the_editor(signed_in, vendor):
    po = shipped_po(vendor, quantity=10)
    page = signed_in.get("/invoices/new/from-po/")
    assert po.number in page.content.decode()
    response = signed_in.post("/invoices/new/from-po/", {"po_number": po.number})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/edit/"
    assert invoice.lines.get().quantity == 10


def test_new_from_unknown_po_shows_the_error_on_the_form(signed_in, vendor):
    response = signed_in.post("/invoices/new/from-po/", {"po_number": "NOPE"})
    assert response.status_code == 200 and "NOPE not found" in response.content.decode()


def test_edit_shows_errors_next_to_the_line(signed_in, vendor, finance):
    invoice = make_invoice(vendor, finance)
    form = signed_in.get(f"/invoices/{invoice.pk}/edit/").context
    data = {
        "h-number": "SCREEN-1",
        "h-invoice_date": timezone.localdate().isoformat(),
        "h-payment_terms": "net60",
        "h-derive_taxes": "on",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "1",
        "lines-0-sequence": "1",
        "lines-0-purchase_order_number": "TAMPERED",  # a stored line's identity is read-only: ignored
        "lines-0-quantity": "5",
        "lines-0-unit_cost": "10.00",
        "lines-1-sequence": "2",
        "lines-1-purchase_order_number": "NOPE1234",
        "lines-1-vendor_sku": "X",
        "lines-1-quantity": "5",
        "lines-1-unit_cost": "10.00",
        "charges-TOTAL_FORMS": "1",
        "charges-INITIAL_FORMS": "0",
        "taxes-TOTAL_FORMS": "1",
        "taxes-INITIAL_FORMS": "0",
        "preflight": "1",
    }
    assert form is not None
    response = signed_in.post(f"/invoices/{invoice.pk}/edit/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="has-errors"' in html and "Purchase order NOPE1234 not found." in html
    assert "TAMPERED" not in html
    assert Invoice.objects.get(pk=invoice.pk).lines.get().quantity == 100  # a check saves nothing


def test_edit_saves_the_draft(signed_in, vendor, finance):
    invoice = make_invoice(vendor, finance)
    po_number = invoice.lines.get().purchase_order_number
    data = {
        "h-number": "SCREEN-1",
        "h-invoice_date": timezone.localdate().isoformat(),
        "h-payment_terms": "net30",
        "h-derive_taxes": "on",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-sequence": "1",
        "lines-0-purchase_order_number": po_number,
        "lines-0-po_line_sequence": "1",
        "lines-0-quantity": "96",
        "lines-0-unit_cost": "10.00",
        "charges-TOTAL_FORMS": "1",
        "charges-INITIAL_FORMS": "0",
        "charges-0-kind": "charge",
        "charges-0-charge_type": "Freight",
        "charges-0-amount": "30.00",
        "taxes-TOTAL_FORMS": "0",
        "taxes-INITIAL_FORMS": "0",
        "save": "1",
    }
    response = signed_in.post(f"/invoices/{invoice.pk}/edit/", data)
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.grand_total == Decimal("990.00") and invoice.payment_terms == "net30"


def test_edit_offers_add_row_buttons_with_an_empty_row_per_formset(signed_in, vendor, finance):
    """portal.js copies each <template id="<prefix>-empty-row"> with the next index (the browser test of the
    promotion form drives it); without JavaScript the buttons stay hidden and saving gives an empty row."""
    invoice = make_invoice(vendor, finance)
    html = signed_in.get(f"/invoices/{invoice.pk}/edit/").content.decode()
    for prefix in ("lines", "charges", "taxes"):
        assert f'data-add-row="{prefix}" hidden' in html and f'data-rows="{prefix}"' in html
        template = html.split(f'<template id="{prefix}-empty-row">')[1].split("</template>")[0]
        assert f'name="{prefix}-__prefix__-' in template


def test_detail_shows_preflight_deductions_and_audit_trail(signed_in, vendor, finance):
    invoice = make_invoice(vendor, finance)
    html = signed_in.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Pre-flight match" in html and "50.00" in html and "42.00" in html and "92.00" in html
    assert f"Invoice {invoice.number} created" in html and "invoice.create" not in html and "Download PDF" in html


def test_submit_from_the_screen(signed_in, vendor, finance):
    po = shipped_po(vendor, quantity=5)
    invoice = invoice_from_purchase_order(scope=scope_for_user(finance), po_number=po.number, actor=Actor(user=finance))
    response = signed_in.post(f"/invoices/{invoice.pk}/submit/", {"confirmed": "yes"}, follow=True)
    assert "submitted" in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.SUBMITTED


def test_refused_submit_shows_each_reason(signed_in, vendor, finance):
    invoice = make_invoice(vendor, finance, currency="EUR")
    response = signed_in.post(f"/invoices/{invoice.pk}/submit/", {"confirmed": "yes"}, follow=True)
    assert "currency" in response.content.decode() and Invoice.objects.get(pk=invoice.pk).state == InvoiceState.DRAFT


def test_above_threshold_the_approval_links_to_the_invoice(signed_in, vendor, finance, client):
    with audit_exempt():
        type(vendor).objects.filter(pk=vendor.pk).update(invoice_approval_threshold=Decimal("10.00"))
    invoice = make_invoice(vendor, finance)
    signed_in.post(f"/invoices/{invoice.pk}/submit/", {"confirmed": "yes"})
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PENDING_APPROVAL
    checker = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    client.force_login(checker)
    approval_page = client.get(f"/approvals/{invoice.approval_request_id}/").content.decode()
    assert f"/invoices/{invoice.pk}/" in approval_page
    client.post(f"/approvals/{invoice.approval_request_id}/", {"decision": "approve", "note": "", "confirmed": "yes"})
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.SUBMITTED


def test_pdf_download(signed_in, vendor, finance):
    invoice = make_invoice(vendor, finance)
    response = signed_in.get(f"/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_accounts_payable_accepts_and_rejects(client, vendor, finance):
    po = shipped_po(vendor, quantity=5)
    invoice = invoice_from_purchase_order(scope=scope_for_user(finance), po_number=po.number, actor=Actor(user=finance))
    invoice_submit(scope=scope_for_user(finance), invoice_id=invoice.pk, actor=Actor(user=finance))
    client.force_login(retailer_user(Role.ACCOUNTS_PAYABLE))
    assert "Accounts payable decision" in client.get(f"/invoices/{invoice.pk}/").content.decode()
    client.post(f"/invoices/{invoice.pk}/decision/", {"state": "rejected", "reason": "Cost not registered"})
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.REJECTED and invoice.rejection_reason == "Cost not registered"


def test_vendor_ops_cannot_see_invoices(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert client.get("/invoices/").status_code == 403


def test_every_invoicing_route_hides_acme_objects_from_globex(client, vendor, other_vendor):
    """The walk of tests/vendor_portal/test_tenancy_walk.py, limited to invoicing's routes."""
    world = build_world(vendor)
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN, username="globex-admin"))
    checked = 0
    for name, pattern, entry in _routes():
        if not (name.startswith("invoice_") or name.startswith("invoice-")):
            continue
        url = _url(name, pattern, entry, world)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if entry.pattern.regex.groupindex:
                assert response.status_code in (403, 404, 405), f"{method.upper()} {url}: {response.status_code}"
            _assert_no_leak(response, url)
            checked += 1
    assert checked >= 30
    assert Invoice.objects.get(pk=world["invoice"].pk).state == InvoiceState.DRAFT


def test_htmx_preflight_returns_the_panel_with_form_errors(signed_in, vendor, finance):
    invoice = make_invoice(vendor, finance)
    po_number = invoice.lines.get().purchase_order_number
    data = {
        "h-number": "SCREEN-1",
        "h-invoice_date": timezone.localdate().isoformat(),
        "h-payment_terms": "net60",
        "h-derive_taxes": "on",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-sequence": "1",
        "lines-0-purchase_order_number": po_number,
        "lines-0-po_line_sequence": "1",
        "lines-0-quantity": "-3",
        "lines-0-unit_cost": "10.00",
        "charges-TOTAL_FORMS": "1",
        "charges-INITIAL_FORMS": "0",
        "charges-0-kind": "",
        "charges-0-charge_type": "",
        "taxes-TOTAL_FORMS": "1",
        "taxes-INITIAL_FORMS": "0",
        "taxes-0-tax_type": "",
        "preflight": "1",
    }
    response = signed_in.post(f"/invoices/{invoice.pk}/edit/", data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-testid="preflight"' in html and "Correct these first" in html and "#1 Quantity" in html
    data["lines-0-quantity"] = "100"
    data["lines-0-unit_cost"] = "10.50"
    html = signed_in.post(f"/invoices/{invoice.pk}/edit/", data, HTTP_HX_REQUEST="true").content.decode()
    assert "50.00" in html and "42.00" in html and "Correct these first" not in html


def test_retailer_never_sees_drafts(client, vendor, finance):
    draft = make_invoice(vendor, finance)
    client.force_login(retailer_user(Role.ACCOUNTS_PAYABLE))
    assert "SCREEN-1" not in client.get("/invoices/").content.decode()
    assert client.get(f"/invoices/{draft.pk}/").status_code == 404
    assert client.get(f"/api/v1/invoices/{draft.pk}/").status_code == 404


def test_save_and_submit_above_the_threshold_says_it_waits_for_approval(signed_in, vendor, finance):
    with audit_exempt():
        type(vendor).objects.filter(pk=vendor.pk).update(invoice_approval_threshold=Decimal("100.00"))
    po = shipped_po(vendor, quantity=20)
    invoice = invoice_from_purchase_order(scope=scope_for_user(finance), po_number=po.number, actor=Actor(user=finance))
    data = {
        "h-number": invoice.number,
        "h-invoice_date": timezone.localdate().isoformat(),
        "h-payment_terms": "net60",
        "h-derive_taxes": "on",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-sequence": "1",
        "lines-0-quantity": "20",
        "lines-0-unit_cost": "10.00",
        "charges-TOTAL_FORMS": "0",
        "charges-INITIAL_FORMS": "0",
        "taxes-TOTAL_FORMS": "0",
        "taxes-INITIAL_FORMS": "0",
        "submit": "1",
    }
    asked = signed_in.post(f"/invoices/{invoice.pk}/edit/", data, follow=True)
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.DRAFT and "Above your approval threshold" in asked.content.decode()
    response = signed_in.post(f"/invoices/{invoice.pk}/edit/", {**data, "confirmed": "yes"}, follow=True)  # confirmed in the browser
    html = response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.PENDING_APPROVAL
    assert "is waiting for approval" in html and "200.00" in html
    assert "Draft saved" not in html


def test_stored_lines_show_their_identity_read_only_and_taxes_of_the_marketplace(signed_in, vendor, finance):
    invoice = make_invoice(vendor, finance)  # a US invoice
    po_number = invoice.lines.get().purchase_order_number
    response = signed_in.get(f"/invoices/{invoice.pk}/edit/")
    html = response.content.decode()
    line = response.context["lines"].forms[0]
    assert all(line.fields[name].disabled for name in ("purchase_order_number", "po_line_sequence", "asin", "vendor_sku"))
    assert 'name="lines-0-purchase_order_number"' not in html and f'data-testid="line-purchase_order_number">{po_number}<' in html
    # A new row still names its item.
    assert 'name="lines-1-purchase_order_number"' in html
    # US: sales tax only, not VAT, GST or India's CGST.
    assert [value for value, _ in line.fields["tax_type"].choices] == ["", "ST"]
    assert 'aria-label="Unit cost, line 1"' in html and 'list="marketplace-tax-rates"' in html


def test_an_invoice_in_canada_offers_gst_hst_and_pst_with_their_rates(signed_in, vendor, finance):
    from tests.factories import marketplace
    from vendor_portal.models import VendorAccount

    ca = marketplace("CA")
    with audit_exempt():
        VendorAccount.objects.get_or_create(vendor=vendor, marketplace=ca, defaults={"vendor_code": "ACMECA"})
    po = shipped_po(vendor, quantity=10, marketplace=ca)
    invoice = invoice_from_purchase_order(scope=scope_for_user(finance), po_number=po.number, actor=Actor(user=finance))
    response = signed_in.get(f"/invoices/{invoice.pk}/edit/")
    assert [value for value, _ in response.context["lines"].forms[0].fields["tax_type"].choices] == ["", "GST", "PST"]
    html = response.content.decode()
    assert '<option value="13">HST 13% (Ontario)</option>' in html and '<option value="5">GST 5%</option>' in html
    assert "CGST" not in html and "State sales tax" not in html


def test_list_filters_work_like_the_po_lists(signed_in, vendor, finance):
    make_invoice(vendor, finance)
    response = signed_in.get("/invoices/", {"state": ["draft", "rejected"], "date_from": timezone.localdate().isoformat()})
    html = response.content.decode()
    assert "SCREEN-1" in html
    # States as chips (checkboxes in a fieldset, the chosen ones ticked), dates as date pickers.
    assert "<legend>State</legend>" in html and 'type="checkbox" name="state" value="draft"' in html
    assert 'value="draft" class="" id="id_state_0" checked' in html or ('value="draft"' in html and "checked" in html)
    assert 'type="date" name="date_from"' in html and 'type="date" name="date_to"' in html
    assert 'name="vendor"' not in html  # a vendor's people never filter by vendor
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert "SCREEN-1" not in signed_in.get("/invoices/", {"date_from": tomorrow}).content.decode()
    # A wrong value is named next to its filter; never a 500.
    bad = signed_in.get("/invoices/", {"date_from": "31/31/2026"})
    assert bad.status_code == 200 and "Dated from" in bad.content.decode() and "SCREEN-1" in bad.content.decode()


def test_the_retailers_invoice_list_offers_no_vendor_only_states(client, vendor, finance):
    ap = retailer_user(Role.ACCOUNTS_PAYABLE, username="retail-ap")
    client.force_login(ap)
    html = client.get("/invoices/").content.decode()
    assert 'name="state" value="submitted"' in html and 'value="draft"' not in html and 'name="vendor"' in html


def test_detail_names_the_bill_to_entity_and_its_tax_id(signed_in, vendor, finance):
    invoice = make_invoice(vendor, finance)
    html = signed_in.get(f"/invoices/{invoice.pk}/").content.decode()
    card = html.split('data-testid="bill-to"')[1].split("</div>")[0]
    assert "Amazon.com Services LLC" in card and "91-1646860" in card
    assert "−0.00" not in html  # no allowances: no negative zero
