"""UBL 2.1 Peppol BIS Billing 3.0: issued invoices and credit notes pass the UBL schema, the CEN EN 16931 rules
and the Peppol BIS 3 rules; broken ones fail with the rules' ids; a UBL document read back makes the same invoice."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import etree

from invoicing.einvoices.compile_rules import PEPPOL_XSLT, compiled
from invoicing.einvoices.ubl import CREDIT_NOTE_ROOT, INVOICE_ROOT, NS, invoice_ubl, read_ubl
from invoicing.einvoices.validation import PEPPOL_BIS3, fatal_problems
from invoicing.models import Invoice, InvoiceState
from invoicing.services.credit_notes import credit_note_create
from invoicing.services.document import InvoiceDocument
from invoicing.services.drafts import invoice_create
from invoicing.services.einvoices import resolve_credited_lines
from invoicing.services.inputs import CreditLineInput, InvoiceChargeInput, InvoiceInput, InvoiceLineInput
from invoicing.services.submission import invoice_submit
from tests.audit_check import audit_exempt
from tests.factories import VendorAccountFactory, marketplace, vendor_user
from tests.invoicing.factories import shipped_po
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture(autouse=True)
def retailer_gln(settings):
    settings.EDI_RETAILER_GLN = "4000000000006"


@pytest.fixture
def finance(vendor):
    with audit_exempt():
        VendorAccountFactory(vendor=vendor, marketplace=marketplace("DE"), vendor_code="ACMEDE", tax_registration_number="DE123456789")
    return vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")


@pytest.fixture
def scope(finance):
    return scope_for_user(finance)


@pytest.fixture
def actor(finance):
    return Actor(user=finance)


@pytest.fixture
def po(vendor):
    return shipped_po(vendor, lines=2, quantity=100, cost="12.35", marketplace=marketplace("DE"), currency="EUR")


def _submitted(scope, actor, po, *, number="INV-UBL-1") -> Invoice:
    data = InvoiceInput(
        number=number,
        invoice_date=TODAY,
        lines=[
            InvoiceLineInput(purchase_order_number=po.number, po_line_sequence=1, quantity=7, unit_cost=Decimal("12.35"), tax_rate=Decimal(19)),
            InvoiceLineInput(purchase_order_number=po.number, po_line_sequence=2, quantity=3, unit_cost=Decimal("12.35"), tax_rate=Decimal(19)),
        ],
        charges=[InvoiceChargeInput(kind="charge", charge_type="Freight", amount=Decimal("15.00"), tax_rate=Decimal(19))],
    )
    invoice = invoice_create(scope=scope, data=data, actor=actor)
    return invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)


def _ubl(invoice: Invoice) -> bytes:
    return invoice_ubl(InvoiceDocument.load(Invoice.objects.get(pk=invoice.pk)))


def _rules(xml: bytes) -> set[str]:
    return {problem.rule for problem in fatal_problems(xml, PEPPOL_BIS3)}


def _edit(xml: bytes, change) -> bytes:
    root = etree.fromstring(xml)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_the_compiled_peppol_rules_are_those_of_the_schematron():
    assert PEPPOL_XSLT.read_bytes() == compiled(), "run: python -m invoicing.einvoices.compile_rules"


def test_an_invoice_with_two_lines_and_a_charge_passes_peppol_bis_3(scope, actor, po):
    invoice = _submitted(scope, actor, po)
    # 7 × 12.35 = 86.45 and 3 × 12.35 = 37.05: 123.50 of items, 15.00 freight, 19 % VAT of 138.50 = 26.32 (rows: 16.43 + 7.04 + 2.85)
    assert (invoice.items_subtotal, invoice.charges_total, invoice.tax_total, invoice.grand_total) == (
        Decimal("123.50"),
        Decimal("15.00"),
        Decimal("26.32"),
        Decimal("164.82"),
    )
    xml = _ubl(invoice)
    assert fatal_problems(xml, PEPPOL_BIS3) == []
    root = etree.fromstring(xml)
    assert root.tag == INVOICE_ROOT
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    assert root.findtext("cbc:ProfileID", namespaces=NS) == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    buyer_endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert (buyer_endpoint.text, buyer_endpoint.get("schemeID")) == ("4000000000006", "0088")
    seller_endpoint = root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS)
    assert (seller_endpoint.text, seller_endpoint.get("schemeID")) == ("DE123456789", "9930")
    assert root.findtext("cac:OrderReference/cbc:ID", namespaces=NS) == po.number
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "164.82"
    assert root.findtext("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", namespaces=NS) == "138.50"
    gtin = root.find("cac:InvoiceLine/cac:Item/cac:StandardItemIdentification/cbc:ID", NS)
    assert gtin.get("schemeID") == "0160" and gtin.text == po.lines.get(sequence=1).product.gtin
    assert [line.findtext("cac:OrderLineReference/cbc:LineID", namespaces=NS) for line in root.findall("cac:InvoiceLine", NS)] == ["1", "2"]


def test_a_credit_note_passes_peppol_bis_3(scope, actor, po):
    invoice = _submitted(scope, actor, po)
    first = invoice.lines.get(sequence=1)
    draft = credit_note_create(
        scope=scope,
        reference_invoice_id=invoice.pk,
        actor=actor,
        number="CN-UBL-1",
        reason="return",
        reference="RMA-7",
        lines=[CreditLineInput(credited_line=first.pk, quantity=2)],
    )
    credit = invoice_submit(scope=scope, invoice_id=draft.pk, actor=actor)
    xml = _ubl(credit)
    assert fatal_problems(xml, PEPPOL_BIS3) == []
    root = etree.fromstring(xml)
    assert root.tag == CREDIT_NOTE_ROOT
    assert root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS) == invoice.number
    assert root.findtext("cac:CreditNoteLine/cbc:CreditedQuantity", namespaces=NS) == "2"


def test_a_missing_endpoint_fails_r020(scope, actor, po):
    xml = _ubl(_submitted(scope, actor, po))

    def drop(root):
        endpoint = root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS)
        endpoint.getparent().remove(endpoint)

    assert "PEPPOL-EN16931-R020" in _rules(_edit(xml, drop))


def test_a_wrong_line_amount_fails_r120(scope, actor, po):
    xml = _ubl(_submitted(scope, actor, po))

    def misround(root):
        root.find("cac:InvoiceLine/cac:Price/cbc:PriceAmount", NS).text = "12.40"  # 7 × 12.40 = 86.80, not 86.45

    assert _rules(_edit(xml, misround)) == {"PEPPOL-EN16931-R120"}


def test_wrong_identifiers_and_references_fail_their_rules(scope, actor, po):
    xml = _ubl(_submitted(scope, actor, po))

    def break_them(root):
        root.find("cbc:CustomizationID", NS).text = "urn:cen.eu:en16931:2017"
        root.find("cbc:ProfileID", NS).text = "urn:fdc:peppol.eu:2017:poacc:billing:1.0"
        for name in ("cbc:BuyerReference", "cac:OrderReference"):
            root.remove(root.find(name, NS))
        root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS).text = "4000000000007"  # wrong check digit
        root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS).set("schemeID", "9999")

    assert {
        "PEPPOL-EN16931-R004",
        "PEPPOL-EN16931-R007",
        "PEPPOL-EN16931-R003",
        "PEPPOL-COMMON-R040",
        "PEPPOL-EN16931-CL008",
    } <= _rules(_edit(xml, break_them))


def test_an_issued_invoice_read_back_makes_the_same_invoice(scope, actor, po, vendor):
    invoice = _submitted(scope, actor, po)
    xml = _ubl(invoice)
    # A fresh state: the invoice's number is free again and its PO lines are not invoiced yet.
    with audit_exempt():
        Invoice.objects.filter(pk=invoice.pk).delete()
        po.lines.update(invoiced_quantity=0)
    data = read_ubl(xml)
    received = invoice_submit(scope=scope, invoice_id=invoice_create(scope=scope, data=data, actor=actor).pk, actor=actor)
    assert received.state == InvoiceState.SUBMITTED
    assert (received.number, received.currency, received.marketplace.code) == ("INV-UBL-1", "EUR", "DE")
    assert (received.items_subtotal, received.charges_total, received.allowances_total, received.tax_total, received.grand_total) == (
        Decimal("123.50"),
        Decimal("15.00"),
        Decimal("0.00"),
        Decimal("26.32"),
        Decimal("164.82"),
    )
    assert [(line.purchase_order_line.sequence, line.quantity, line.unit_cost) for line in received.lines.order_by("sequence")] == [
        (1, 7, Decimal("12.35")),
        (2, 3, Decimal("12.35")),
    ]


def test_a_credit_note_read_back_credits_the_same_lines(scope, actor, po):
    invoice = _submitted(scope, actor, po)
    first = invoice.lines.get(sequence=1)
    draft = credit_note_create(
        scope=scope,
        reference_invoice_id=invoice.pk,
        actor=actor,
        number="CN-UBL-2",
        reason="return",
        lines=[CreditLineInput(credited_line=first.pk, quantity=2)],
    )
    credit = invoice_submit(scope=scope, invoice_id=draft.pk, actor=actor)
    xml = _ubl(credit)
    with audit_exempt():
        Invoice.objects.filter(pk=credit.pk).delete()
    data = read_ubl(xml)
    assert resolve_credited_lines(scope, data) == []
    received = invoice_submit(scope=scope, invoice_id=invoice_create(scope=scope, data=data, actor=actor).pk, actor=actor)
    assert (received.reference_invoice_id, received.credit_reason, received.grand_total) == (invoice.pk, "return", credit.grand_total)
    assert [line.credited_line_id for line in received.lines.all()] == [first.pk]


def _received_again(scope, actor, invoice: Invoice, xml: bytes) -> Invoice:
    """The UBL read into a fresh state (the invoice gone, its PO lines not invoiced) and sent through the services."""
    with audit_exempt():
        for line in invoice.lines.select_related("purchase_order_line"):
            type(line.purchase_order_line).objects.filter(pk=line.purchase_order_line_id).update(invoiced_quantity=0)
        Invoice.objects.filter(pk=invoice.pk).delete()
    return invoice_submit(scope=scope, invoice_id=invoice_create(scope=scope, data=read_ubl(xml), actor=actor).pk, actor=actor)


def test_cases_two_vat_rates_and_an_allowance_pass_and_read_back(scope, actor, po):
    with audit_exempt():
        po.lines.filter(sequence=2).update(unit_of_measure="Cases", unit_size=6, net_cost=Decimal("60.00"))
    data = InvoiceInput(
        number="INV-CASES",
        invoice_date=TODAY,
        lines=[
            InvoiceLineInput(purchase_order_number=po.number, po_line_sequence=1, quantity=7, tax_rate=Decimal(19)),
            InvoiceLineInput(
                purchase_order_number=po.number, po_line_sequence=2, quantity=3, unit_of_measure="Cases", unit_size=6, tax_rate=Decimal(7)
            ),
        ],
        charges=[InvoiceChargeInput(kind="allowance", charge_type="Promotional", amount=Decimal("5.00"), tax_rate=Decimal(19))],
    )
    invoice = invoice_submit(scope=scope, invoice_id=invoice_create(scope=scope, data=data, actor=actor).pk, actor=actor)
    # 19 %: 7 × 12.35 − 5.00 = 81.45, tax 16.43 − 0.95 = 15.48; 7 %: 3 cases × 60.00 = 180.00, tax 12.60
    assert invoice.grand_total == Decimal("81.45") + Decimal("180.00") + Decimal("15.48") + Decimal("12.60")
    xml = _ubl(invoice)
    assert fatal_problems(xml, PEPPOL_BIS3) == []
    case_line = etree.fromstring(xml).findall("cac:InvoiceLine", NS)[1]
    assert case_line.find("cbc:InvoicedQuantity", NS).get("unitCode") == "XCS"
    received = _received_again(scope, actor, invoice, xml)
    assert (received.items_subtotal, received.allowances_total, received.tax_total, received.grand_total) == (
        Decimal("266.45"),
        Decimal("5.00"),
        Decimal("28.08"),
        Decimal("289.53"),
    )
    assert [(line.unit_of_measure, line.unit_size, line.quantity) for line in received.lines.order_by("sequence")] == [
        ("Eaches", 1, 7),
        ("Cases", 6, 3),
    ]


def test_an_invoice_not_subject_to_vat_passes_with_the_ship_from_gln(vendor, scope, actor):
    from vendor_portal.models import ShipFromAddress

    with audit_exempt():
        ShipFromAddress.objects.create(
            vendor=vendor, code="RENO", name="Reno DC", line1="1 Way", city="Reno", postal_code="89502", country_code="US", gln="0614141000005"
        )
    us_po = shipped_po(vendor, lines=1, quantity=100, cost="10.00")
    data = InvoiceInput(
        number="US-1", invoice_date=TODAY, lines=[InvoiceLineInput(purchase_order_number=us_po.number, po_line_sequence=1, quantity=5)]
    )
    invoice = invoice_submit(scope=scope, invoice_id=invoice_create(scope=scope, data=data, actor=actor).pk, actor=actor)
    xml = _ubl(invoice)
    assert fatal_problems(xml, PEPPOL_BIS3) == []
    root = etree.fromstring(xml)
    assert root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS).get("schemeID") == "0088"
    assert root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", namespaces=NS) == "O"
    assert _received_again(scope, actor, invoice, xml).grand_total == Decimal("50.00")


# Issuing: the worker stores the checked file; the invoice page and the API serve it --------------------------
def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_worker_stores_the_checked_ubl(scope, actor, po):
    from invoicing.services.ubl import UBL_KIND, ubl_document_key
    from invoicing.tasks import render_invoice_ubl
    from vendor_portal.models import Document

    invoice = _submitted(scope, actor, po)
    document_id = render_invoice_ubl(invoice.pk)
    stored = Document.objects.get(pk=document_id)
    assert (stored.kind, stored.key, stored.content_type, stored.target_id) == (
        UBL_KIND,
        ubl_document_key(invoice),
        "application/xml",
        str(invoice.pk),
    )
    assert fatal_problems(stored.file.read(), PEPPOL_BIS3) == []


def test_an_invoice_that_breaks_a_rule_is_not_issued(scope, actor, po, settings, client, finance):
    from invoicing.tasks import render_invoice_ubl

    settings.EDI_RETAILER_GLN = ""
    with audit_exempt():
        marketplace("DE").__class__.objects.filter(code="DE").update(bill_to_tax_id="")
    invoice = _submitted(scope, actor, po)
    with audit_exempt():
        Invoice.objects.filter(pk=invoice.pk).update(bill_to_tax_id="")
    assert render_invoice_ubl(invoice.pk) is None  # no buyer electronic address: PEPPOL-EN16931-R010
    client.force_login(finance)
    response = client.get(reverse("invoice_ubl", args=[invoice.pk]), follow=True)
    assert "PEPPOL-EN16931-R010" in response.content.decode()


def test_the_invoice_page_offers_the_ubl_of_a_submitted_invoice(client, finance, scope, actor, po):
    invoice = _submitted(scope, actor, po)
    client.force_login(finance)
    page = client.get(reverse("invoice_detail", args=[invoice.pk])).content.decode()
    assert reverse("invoice_ubl", args=[invoice.pk]) in page
    response = client.get(reverse("invoice_ubl", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    assert 'filename="INV-UBL-1-ubl.xml"' in response["Content-Disposition"]
    assert read_ubl(_body(response)).number == "INV-UBL-1"


def test_the_api_serves_the_ubl_and_not_for_a_draft(scope, actor, po, vendor):
    from rest_framework.test import APIClient

    from tests.factories import api_token

    invoice = _submitted(scope, actor, po)
    draft = invoice_create(
        scope=scope,
        data=InvoiceInput(
            number="DRAFT-1", invoice_date=TODAY, lines=[InvoiceLineInput(purchase_order_number=po.number, po_line_sequence=1, quantity=1)]
        ),
        actor=actor,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(vendor)[1]}")
    response = client.get(f"/api/v1/invoices/{invoice.pk}/e-invoice/?syntax=ubl")
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    assert fatal_problems(_body(response), PEPPOL_BIS3) == []
    assert client.get(f"/api/v1/invoices/{draft.pk}/e-invoice/?syntax=ubl").status_code == 409


def test_another_vendors_ubl_is_404(scope, actor, po, other_vendor, client):
    from rest_framework.test import APIClient

    from tests.factories import api_token

    invoice = _submitted(scope, actor, po)
    intruder = APIClient()
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(other_vendor, name='GLOBEX ERP')[1]}")
    assert intruder.get(f"/api/v1/invoices/{invoice.pk}/e-invoice/?syntax=ubl").status_code == 404
    client.force_login(vendor_user(other_vendor, Role.VENDOR_FINANCE, username="globex-finance"))
    assert client.get(reverse("invoice_ubl", args=[invoice.pk])).status_code == 404


def test_a_ubl_file_received_through_the_pipeline_makes_the_same_invoice(scope, actor, po):
    from invoicing.services.einvoices import einvoice_receive

    invoice = _submitted(scope, actor, po)
    xml = _ubl(invoice)
    with audit_exempt():
        for line in invoice.lines.select_related("purchase_order_line"):
            type(line.purchase_order_line).objects.filter(pk=line.purchase_order_line_id).update(invoiced_quantity=0)
        Invoice.objects.filter(pk=invoice.pk).delete()
    received = einvoice_receive(scope=scope, content=xml, actor=actor)
    assert (received.number, received.grand_total, received.tax_total) == ("INV-UBL-1", invoice.grand_total, invoice.tax_total)
    assert received.state == InvoiceState.SUBMITTED


def test_a_ubl_file_of_another_seller_is_refused(scope, actor, po):
    from invoicing.services.einvoices import EInvoiceRefused, einvoice_receive

    invoice = _submitted(scope, actor, po)
    xml = _edit(
        _ubl(invoice),
        lambda root: [
            node.__setattr__("text", "DE999999999") for node in root.iterfind(".//cac:AccountingSupplierParty//cac:PartyTaxScheme/cbc:CompanyID", NS)
        ],
    )
    with pytest.raises(EInvoiceRefused) as refused:
        einvoice_receive(scope=scope, content=xml, actor=actor)
    assert [error.code for error in refused.value.errors] == ["not_your_invoice"]
