"""Factur-X / CII: invoices and credit notes issued as EN 16931 CII (valid against the Factur-X XSD and
schematron), embedded in a PDF/A-3, and received back through the same services and hard checks."""

from decimal import Decimal

import pytest

from invoicing.einvoices.cii import cii_read, cii_write
from invoicing.einvoices.validation import FACTUR_X_EN16931, fatal_problems
from invoicing.services.document import InvoiceDocument
from tests.invoicing.einvoice_support import demo_credit_note, demo_invoice, german_po, german_vendor_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(vendor):
    return german_vendor_setup(vendor)


def test_demo_invoice_is_valid_en16931_cii(vendor, setup):
    germany, scope, actor = setup
    invoice = demo_invoice(scope, actor, german_po(vendor, germany))
    xml = cii_write(InvoiceDocument.load(invoice))
    print(xml.decode())
    assert fatal_problems(xml, FACTUR_X_EN16931) == []


def test_credit_note_is_valid_en16931_cii(vendor, setup):
    germany, scope, actor = setup
    invoice = demo_invoice(scope, actor, german_po(vendor, germany))
    credit = demo_credit_note(scope, actor, invoice)
    xml = cii_write(InvoiceDocument.load(credit))
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml and invoice.number.encode() in xml
    assert fatal_problems(xml, FACTUR_X_EN16931) == []


def test_zero_rated_line_is_valid_en16931_cii(vendor, setup):
    germany, scope, actor = setup
    invoice = demo_invoice(scope, actor, german_po(vendor, germany), rates=("19", "0"))
    xml = cii_write(InvoiceDocument.load(invoice))
    assert b"<ram:CategoryCode>Z</ram:CategoryCode>" in xml
    assert fatal_problems(xml, FACTUR_X_EN16931) == []


def test_cii_read_gives_back_lines_charges_and_taxes(vendor, setup):
    germany, scope, actor = setup
    po = german_po(vendor, germany)
    invoice = demo_invoice(scope, actor, po)
    read = cii_read(cii_write(InvoiceDocument.load(invoice)))
    data = read.data
    assert (data.number, data.invoice_type, data.currency, data.grand_total) == ("RE-2026-001", "Invoice", "EUR", Decimal("220.10"))
    assert [(line.purchase_order_number, line.po_line_sequence, line.quantity, line.unit_cost, line.tax_rate) for line in data.lines] == [
        (po.number, 1, 10, Decimal("12.5"), Decimal("19")),
        (po.number, 2, 4, Decimal("12.5"), Decimal("7")),
    ]
    assert [(c.kind, c.charge_type, c.amount) for c in data.charges] == [("charge", "Freight", Decimal("15.00"))]
    # 19% of 125 + 15 = 26.60; 7% of 50 = 3.50
    assert [(t.rate, t.taxable_amount, t.amount) for t in data.taxes] == [
        (Decimal("19"), Decimal("140.00"), Decimal("26.60")),
        (Decimal("7"), Decimal("50.00"), Decimal("3.50")),
    ]
    assert read.seller_tax_ids == {"DE811234567"} and "4012345000009" in read.seller_ids


# Issued as Factur-X PDF/A-3 ---------------------------------------------------------------------------
def test_facturx_pdf_embeds_the_xml_and_is_pdfa_3(vendor, setup, tmp_path):
    import pikepdf
    from facturx import get_xml_from_pdf

    from invoicing.services.facturx import facturx_pdfa_problems, invoice_facturx_content
    from vendor_portal.pdfa import pdfa_declared_flavour

    germany, scope, actor = setup
    invoice = demo_invoice(scope, actor, german_po(vendor, germany))
    pdf = invoice_facturx_content(invoice)
    path = tmp_path / "factur-x.pdf"
    path.write_bytes(pdf)
    assert pdfa_declared_flavour(path) == "3b"
    assert facturx_pdfa_problems(path) == []
    filename, xml = get_xml_from_pdf(pdf, check_xsd=False)
    assert filename == "factur-x.xml" and fatal_problems(xml, FACTUR_X_EN16931) == []
    with pikepdf.open(path) as document:
        assert "factur-x.xml" in document.attachments
        assert "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in str(document.open_metadata())


# Received ---------------------------------------------------------------------------------------------
def fresh_state(vendor, invoice, *numbers):
    """The vendor as it was before it invoiced: the invoices deleted, the PO lines' invoiced units back to 0."""
    from invoicing.models import Invoice, InvoiceLine
    from purchase_orders.models import PurchaseOrderLine
    from tests.audit_check import audit_exempt

    with audit_exempt():
        ids = list(Invoice.objects.filter(vendor=vendor).values_list("pk", flat=True))
        InvoiceLine.objects.filter(invoice_id__in=ids, credited_line__isnull=False).update(credited_line=None)
        Invoice.objects.filter(pk__in=ids).exclude(reference_invoice=None).delete()
        Invoice.objects.filter(pk__in=ids).delete()
        PurchaseOrderLine.objects.filter(purchase_order__vendor=vendor).update(invoiced_quantity=0)


def totals(invoice):
    lines = [
        (line.purchase_order_number, line.quantity, line.unit_cost, line.line_amount, line.tax_amount) for line in invoice.lines.order_by("sequence")
    ]
    return lines, invoice.items_subtotal, invoice.charges_total, invoice.tax_total, invoice.grand_total


def test_issue_validate_reimport_gives_the_same_totals(vendor, setup):
    from invoicing.models import InvoiceState
    from invoicing.services.einvoices import einvoice_receive
    from invoicing.services.facturx import invoice_facturx_content

    germany, scope, actor = setup
    original = demo_invoice(scope, actor, german_po(vendor, germany))
    before = totals(original)
    pdf = invoice_facturx_content(original, validate=True)
    fresh_state(vendor, original)
    received = einvoice_receive(scope=scope, content=pdf, actor=actor)
    assert received.state == InvoiceState.SUBMITTED and received.number == "RE-2026-001"
    assert totals(received) == before
    assert before[-1] == Decimal("220.10")  # 175 + 15 freight + 26.60 + 3.50


def test_credit_note_reimported_as_bare_xml_credits_the_same_lines(vendor, setup):
    from invoicing.services.einvoices import einvoice_receive

    germany, scope, actor = setup
    invoice = demo_invoice(scope, actor, german_po(vendor, germany))
    credit = demo_credit_note(scope, actor, invoice)
    before = totals(credit)
    xml = cii_write(InvoiceDocument.load(credit))
    from tests.audit_check import audit_exempt

    with audit_exempt():
        credit.lines.all().delete()
        credit.delete()
    received = einvoice_receive(scope=scope, content=xml, actor=actor)
    assert received.is_credit_note and received.reference_invoice == invoice
    assert totals(received) == before
    assert received.lines.get().credited_line == invoice.lines.order_by("sequence").first()


def refused(scope, actor, content):
    from invoicing.einvoices.cii import cii_location
    from invoicing.services.einvoices import EInvoiceRefused, einvoice_receive

    with pytest.raises(Exception) as excinfo:
        einvoice_receive(scope=scope, content=content, actor=actor)
    assert isinstance(excinfo.value, EInvoiceRefused) or hasattr(excinfo.value, "field_errors"), excinfo.value
    return {(e["field"], e["code"]) for e in excinfo.value.as_error_list(cii_location)}


def test_broken_file_is_refused_with_each_rule_id(vendor, setup):
    from invoicing.models import Invoice

    germany, scope, actor = setup
    invoice = demo_invoice(scope, actor, german_po(vendor, germany))
    xml = cii_write(InvoiceDocument.load(invoice))
    fresh_state(vendor, invoice)
    # A grand total that is not the sum: BR-CO-15 (total with VAT) and BR-CO-16 (amount due) break.
    broken = xml.replace(b"<ram:GrandTotalAmount>220.10</ram:GrandTotalAmount>", b"<ram:GrandTotalAmount>230.10</ram:GrandTotalAmount>")
    fields = {field for field, _code in refused(scope, actor, broken)}
    assert {"BR-CO-15", "BR-CO-16"} <= fields, fields
    assert not Invoice.objects.filter(vendor=vendor).exists()


def test_price_mismatch_and_unknown_po_are_refused_naming_the_line(vendor, setup):
    from invoicing.models import Invoice

    germany, scope, actor = setup
    invoice = demo_invoice(scope, actor, german_po(vendor, germany))
    xml = cii_write(InvoiceDocument.load(invoice))
    fresh_state(vendor, invoice)
    po_number = invoice.purchase_order.number.encode()
    # Line 1 priced 13.50 while its net amount stays 10 × 12.50 (no EN 16931 rule ties them): the price does not match.
    mismatch = xml.replace(b"<ram:ChargeAmount>12.5</ram:ChargeAmount>", b"<ram:ChargeAmount>13.5</ram:ChargeAmount>", 1)
    assert fatal_problems(mismatch, FACTUR_X_EN16931) == []
    problems = refused(scope, actor, mismatch)
    assert ("BG-25[1].BT-131", "invalid") in problems, problems
    unknown = xml.replace(po_number, b"PO-NOWHERE")
    problems = refused(scope, actor, unknown)
    assert any(field.startswith("BG-25[1].BT-132") for field, _code in problems), problems
    assert not Invoice.objects.filter(vendor=vendor).exists()


def test_another_vendors_invoice_is_refused(vendor, other_vendor, setup):
    from invoicing.models import Invoice
    from tests.invoicing.einvoice_support import german_vendor_setup

    germany, scope, actor = setup
    invoice = demo_invoice(scope, actor, german_po(vendor, germany))
    xml = cii_write(InvoiceDocument.load(invoice))
    _germany, other_scope, other_actor = german_vendor_setup(other_vendor, username="globex-finance")
    assert ("BG-4 (seller)", "not_your_invoice") in refused(other_scope, other_actor, xml)
    assert not Invoice.objects.filter(vendor=other_vendor).exists()


def test_invoice_over_two_pos_names_each_lines_po_and_reimports(vendor, setup):
    from django.utils import timezone

    from invoicing.services.drafts import invoice_create
    from invoicing.services.einvoices import einvoice_receive
    from invoicing.services.inputs import InvoiceInput, InvoiceLineInput
    from invoicing.services.submission import invoice_submit

    germany, scope, actor = setup
    first, second = german_po(vendor, germany, number="PO-A-1"), german_po(vendor, germany, number="PO-B-2")
    data = InvoiceInput(
        number="RE-MULTI",
        invoice_date=timezone.localdate(),
        lines=[
            InvoiceLineInput(purchase_order_number="PO-A-1", po_line_sequence=2, quantity=3, tax_type="VAT", tax_rate=Decimal("19")),
            InvoiceLineInput(purchase_order_number="PO-B-2", po_line_sequence=1, quantity=5, tax_type="VAT", tax_rate=Decimal("19")),
        ],
    )
    original = invoice_create(scope=scope, data=data, actor=actor)
    original = invoice_submit(scope=scope, invoice_id=original.pk, actor=actor)
    xml = cii_write(InvoiceDocument.load(original))
    assert fatal_problems(xml, FACTUR_X_EN16931) == []
    assert b"<ram:LineID>PO-A-1/2</ram:LineID>" in xml and b"<ram:LineID>PO-B-2/1</ram:LineID>" in xml
    assert b"ApplicableHeaderTradeAgreement>\n      <ram:SellerTradeParty" in xml and b"<ram:IssuerAssignedID>PO-A-1" not in xml
    before = totals(original)
    fresh_state(vendor, original)
    received = einvoice_receive(scope=scope, content=xml, actor=actor)
    assert totals(received) == before
    assert [(line.purchase_order_line.purchase_order_id, line.purchase_order_line.sequence) for line in received.lines.order_by("sequence")] == [
        (first.pk, 2),
        (second.pk, 1),
    ]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.4\n%garbage", "no_embedded_xml"),
        (b"<Order/>", "unknown_syntax"),
        (b"<rsm:CrossIndustryInvoice", "not_xml"),
        ('<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>'.encode("latin-1"), "not_utf8"),
    ],
)
def test_what_is_no_e_invoice_is_refused_saying_why(vendor, setup, content, code):
    _germany, scope, actor = setup
    assert code in {code for _field, code in refused(scope, actor, content)}


def test_us_invoice_without_vat_still_gets_its_factur_x(vendor):
    """Sales tax is no VAT: the file is made (EN 16931 rules are logged, not enforced, for such an invoice)."""
    from facturx import get_xml_from_pdf

    from invoicing.services.facturx import invoice_facturx_content
    from tests.factories import vendor_user
    from tests.invoicing.factories import shipped_po
    from vendor_portal.roles import Role
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import scope_for_user

    user = vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")
    scope, actor = scope_for_user(user), Actor(user=user)
    invoice = demo_invoice(scope, actor, shipped_po(vendor, lines=2, quantity=10, cost="12.50"), rates=("0", "0"), freight="")
    _name, xml = get_xml_from_pdf(invoice_facturx_content(invoice, validate=True), check_xsd=False)
    assert b"<ram:CountryID>US</ram:CountryID>" in xml
