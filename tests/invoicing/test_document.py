import json
from decimal import Decimal

import pikepdf
import pypdfium2
import pytest
from django.utils import timezone

from invoicing.api.inputs import credit_lines, invoice_input
from invoicing.services.credit_notes import credit_note_create
from invoicing.services.drafts import invoice_create
from invoicing.services.pdf import invoice_document
from invoicing.services.submission import invoice_submit
from tests.audit_check import audit_exempt
from tests.factories import vendor_user
from tests.invoicing.factories import shipped_po
from tests.pdf_barcodes import pdf_barcodes
from tests.shipments.factories import ship_from
from tests.sp_api_schema import assert_valid_definition
from vendor_portal.models import Document
from vendor_portal.pdfa import pdfa_validate
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(vendor):
    return vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")


def rich_invoice(vendor, user, lines=12):
    po = shipped_po(vendor, lines=lines, quantity=24, cost="7.25")
    data = {
        "number": "PDF-2026-001",
        "invoice_date": timezone.localdate().isoformat(),
        "lines": [
            {"purchase_order_number": po.number, "po_line_sequence": n, "quantity": 24, "tax_type": "ST", "tax_rate": "6.25"}
            for n in range(1, lines + 1)
        ],
        "charges": [
            {"kind": "charge", "charge_type": "Freight", "description": "LTL to ABE2", "amount": "85.00"},
            {"kind": "allowance", "charge_type": "Discount", "description": "Early order", "amount": "10.00"},
        ],
    }
    return invoice_create(scope=scope_for_user(user), data=invoice_input(data), actor=Actor(user=user))


def pdf_text(path) -> str:
    document = pypdfium2.PdfDocument(path)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_invoice_pdf_is_valid_pdfa3_with_every_line_tax_charge_and_total(vendor, finance):
    invoice = rich_invoice(vendor, finance)
    stored = invoice_document(scope=scope_for_user(finance), invoice_id=invoice.pk, actor=Actor(user=finance))
    path = stored.file.path
    assert pdfa_validate(path) == []
    with pikepdf.open(path) as pdf:
        assert pdf.open_metadata().pdfa_status == "3B"
        attachments = dict(pdf.attachments)
        assert list(attachments) == [f"invoice-{invoice.pk}.json"]
        data = json.loads(attachments[f"invoice-{invoice.pk}.json"].get_file().read_bytes())
    assert data["invoice"]["invoiceTotal"] == {"currencyCode": "USD", "amount": str(invoice.grand_total)}
    assert_valid_definition("vendorInvoices.json", "Invoice", data["invoice"])
    text = pdf_text(path)
    for line in invoice.lines.all():
        assert f"{line.line_amount}" in text and line.vendor_sku in text
    # 12 lines x 24 x 7.25 = 2088.00; tax 6.25% rounded per line (10.875 -> 10.88) = 130.56; + 85 freight - 10 discount
    assert invoice.grand_total == Decimal("2293.56")
    for amount in ("2,088.00", "130.56", "85.00", "10.00", "2,293.56"):
        assert amount in text
    assert "PDF-2026-001" in text and "LTL to ABE2" in text
    first_page = pdf_barcodes(path)[0]
    assert [barcode.text for barcode in first_page] == ["PDF-2026-001"]  # the invoice number, in Code 128


def test_document_key_is_deterministic_and_rerendered_after_a_change(vendor, finance):
    invoice = rich_invoice(vendor, finance, lines=1)
    scope, actor = scope_for_user(finance), Actor(user=finance)
    first = invoice_document(scope=scope, invoice_id=invoice.pk, actor=actor)
    again = invoice_document(scope=scope, invoice_id=invoice.pk, actor=actor)
    assert again.pk == first.pk
    invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    after = invoice_document(scope=scope, invoice_id=invoice.pk, actor=actor)
    assert after.key == first.key == f"invoices/{invoice.pk}/invoice-{invoice.pk}.pdf"
    assert Document.objects.filter(key=first.key).count() == 1 and after.file.name.endswith(first.key)


def test_credit_note_pdf_names_the_credited_invoice(vendor, finance):
    invoice = rich_invoice(vendor, finance, lines=1)
    scope, actor = scope_for_user(finance), Actor(user=finance)
    invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    credit = credit_note_create(
        scope=scope,
        reference_invoice_id=invoice.pk,
        actor=actor,
        reason="return",
        reference="RMA-77",
        lines=credit_lines([{"credited_line": invoice.lines.get().pk, "quantity": 2}]),
    )
    stored = invoice_document(scope=scope, invoice_id=credit.pk, actor=actor)
    assert pdfa_validate(stored.file.path) == []
    text = pdf_text(stored.file.path)
    assert "Credit note" in text and "PDF-2026-001" in text and "RMA-77" in text


def pdftotext(path) -> str:
    """The PDF's text as poppler lays it out (-layout keeps each printed line on one line); pdfium's where
    poppler-utils is not installed."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        return pdf_text(path)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_invoice_pdf_shows_bill_to_the_parties_tax_ids_and_addresses_in_order(vendor, finance):
    from tests.factories import marketplace
    from vendor_portal.models import BankDetails, VendorAccount

    with audit_exempt():
        VendorAccount.objects.update_or_create(
            vendor=vendor, marketplace=marketplace("US"), defaults={"vendor_code": "ACMEUS", "tax_registration_number": "98-7654321"}
        )
        BankDetails.objects.filter(vendor=vendor).delete()
    ship_from(vendor)
    po = shipped_po(vendor, quantity=1000, cost="12.00")
    invoice = invoice_create(
        scope=scope_for_user(finance),
        data=invoice_input(
            {
                "number": "PDF-BILL-1",
                "invoice_date": timezone.localdate().isoformat(),
                "lines": [{"purchase_order_number": po.number, "po_line_sequence": 1, "quantity": 1000}],
            }
        ),
        actor=Actor(user=finance),
    )
    assert invoice.bill_to_tax_id == "91-1646860" and invoice.remit_to_tax_id == "98-7654321"
    stored = invoice_document(scope=scope_for_user(finance), invoice_id=invoice.pk, actor=Actor(user=finance))
    text = pdftotext(stored.file.path)
    lines = [line.strip() for line in text.splitlines() if line.strip()]

    # Bill-to: the retailer's entity in the marketplace, its address lines in the order a letter has them.
    bill_to = ["Amazon.com Services LLC", "410 Terry Avenue North", "Seattle, WA 98109"]
    positions = [next(i for i, line in enumerate(lines) if part in line) for part in bill_to]
    assert positions == sorted(positions) and len(set(positions)) == 3
    assert "BILL TO" in text.upper()
    # Both parties' tax registrations, named as the marketplace calls them.
    assert "91-1646860" in text and "98-7654321" in text and "EIN" in text
    # The ship-from address, in order too: street before city, city before country.
    street, city = (next(i for i, line in enumerate(lines) if part in line) for part in ("1 Industrial Way", "Reno"))
    assert street < city
    # Thousands grouped; no allowance row with a negative zero when there are none.
    assert "12,000.00" in text
    assert "−0.00" not in text and "-0.00" not in text and "Allowances" not in text


def test_the_amount_filter_never_prints_a_negative_zero():
    from invoicing.templatetags.invoicing import address_lines, amount

    assert amount(Decimal("0.00"), "-") == "0.00" and amount(Decimal("-0.00")) == "0.00"
    assert amount(Decimal("10.00"), "-") == "\u221210.00" and amount(Decimal("1234567.5")) == "1,234,567.50"
    assert address_lines(
        {"countryCode": "DE", "city": "München", "name": "Amazon EU", "postalOrZipCode": "80807", "addressLine1": "Marcel-Breuer-Straße 12"}
    ) == [
        "Amazon EU",
        "Marcel-Breuer-Straße 12",
        "80807 München",
        "DE",
    ]
