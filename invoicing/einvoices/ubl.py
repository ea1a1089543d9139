"""UBL 2.1 Peppol BIS Billing 3.0: an invoice or credit note written as a UBL Invoice / CreditNote, and a UBL
document read back into the neutral `InvoiceInput` every door builds.

What goes where (EN 16931 business terms in brackets):
- the vendor is the seller [BG-4]: its electronic address [BT-34] is the GLN of its first ship-from place
  (scheme 0088), else its VAT number in the country's VAT scheme; its party id [BT-29] the vendor code;
- the retailer's entity of the marketplace is the buyer [BG-7]: its electronic address [BT-49] is the retailer's
  GLN (setting `EDI_RETAILER_GLN`, scheme 0088), else its VAT number; its party id [BT-46] the bill-to party;
- the purchase order is the order reference [BT-13], each line's PO line the order line reference [BT-132]
  (`<PO>/<line>` when a line bills another PO than the header's); a credit note names the invoice it credits
  in the billing reference [BG-3];
- items: ASIN as the buyer's item id [BT-156], vendor SKU as the seller's [BT-155], the product's GTIN as the
  standard id [BT-157, scheme 0160]; cases are counted in XCS with the case size as an item property;
- VAT: one breakdown [BG-23] per category and rate, the category from the rate (S above zero, Z at zero for a
  taxed row, O for rows without tax).

The totals are the invoice's own, so the file adds up exactly as the invoice did when it passed the hard checks;
the Peppol BIS 3 rules (rules/peppol-bis-3) check the file, not the portal's arithmetic.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree

from purchase_orders.models import PaymentTerms, UnitOfMeasure
from vendor_portal.errors import DomainValidationError, field_error
from vendor_portal.gs1 import gln_is_valid
from vendor_portal.money import ZERO, round_money
from vendor_portal.tax_ids import is_vat_id

from ..models import ChargeKind, CreditNoteReason, Invoice, InvoiceType
from ..services.document import InvoiceDocument
from ..services.inputs import InvoiceChargeInput, InvoiceInput, InvoiceLineInput, InvoiceTaxInput
from .cii import Party, ReadInvoice
from .validation import parse

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_ROOT = f"{{{INVOICE_NS}}}Invoice"
CREDIT_NOTE_ROOT = f"{{{CREDIT_NOTE_NS}}}CreditNote"
NS = {"cac": CAC_NS, "cbc": CBC_NS}

INVOICE_TYPE_CODE = "380"  # UNCL 1001: commercial invoice
CREDIT_NOTE_TYPE_CODE = "381"  # credit note
GLN_SCHEME = "0088"
GTIN_SCHEME = "0160"
# Peppol's Electronic Address Scheme (EAS) for a VAT number, by the number's country prefix.
VAT_SCHEMES = {
    "AT": "9914",
    "BE": "9925",
    "BG": "9926",
    "CH": "9927",
    "CY": "9928",
    "CZ": "9929",
    "DE": "9930",
    "EE": "9931",
    "GB": "9932",
    "EL": "9933",
    "GR": "9933",
    "HR": "9934",
    "IE": "9935",
    "LT": "9937",
    "LU": "9938",
    "LV": "9939",
    "MT": "9943",
    "NL": "9944",
    "PL": "9945",
    "PT": "9946",
    "RO": "9947",
    "SI": "9949",
    "SK": "9950",
    "ES": "9920",
    "HU": "9910",
    "FR": "9957",
    "IT": "0211",
}
# UN/ECE Recommendation 20 (with 21's packages, X-prefixed): how a line counts its units.
UNIT_CODES = {UnitOfMeasure.EACHES: "H87", UnitOfMeasure.CASES: "XCS"}
UNITS_READ = {
    "H87": UnitOfMeasure.EACHES,
    "C62": UnitOfMeasure.EACHES,
    "EA": UnitOfMeasure.EACHES,
    "XCS": UnitOfMeasure.CASES,
    "CS": UnitOfMeasure.CASES,
}
CASE_SIZE = "Units per case"  # the item property [BT-160] that carries a case's size
CREDIT_REFERENCE = "Credit reference"  # the supporting document [BT-122] that carries the RMA / debit note / co-op id
NOT_SUBJECT_REASON = "Not subject to VAT"


# Writing ---------------------------------------------------------------------------------------------
def _tag(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _add(parent, name: str, text=None, **attributes):
    """A child `cbc:Name` / `cac:Name` with its text and attributes; None when its text is empty."""
    prefix, local = name.split(":")
    if text is not None and str(text) == "":
        return None
    element = etree.SubElement(parent, _tag(prefix, local), {key: str(value) for key, value in attributes.items() if value})
    if text is not None:
        element.text = str(text)
    return element


def _money(value) -> str:
    return str(round_money(value))


def _rate(value) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def _category(tax_type: str, rate) -> str:
    """The UNCL 5305 VAT category of a row: standard rated above zero, zero rated for a taxed row at 0, else
    not subject to VAT."""
    if rate and Decimal(rate) > 0:
        return "S"
    return "Z" if tax_type else "O"


def _endpoint(*, gln: str = "", tax_id: str = "") -> tuple[str, str]:
    if gln and gln_is_valid(gln):
        return gln, GLN_SCHEME
    if tax_id and is_vat_id(tax_id) and tax_id[:2] in VAT_SCHEMES:
        return tax_id, VAT_SCHEMES[tax_id[:2]]
    return "", ""


@dataclass
class _Party:
    endpoint: tuple[str, str]
    party_id: str
    address: dict
    tax_id: str


def _seller(invoice: Invoice) -> _Party:
    from vendor_portal.models import ShipFromAddress

    place = ShipFromAddress.objects.for_vendor(invoice.vendor).active().exclude(gln="").order_by("pk").first()
    address = invoice.remit_to_address or {"name": invoice.vendor.name}
    return _Party(
        _endpoint(gln=place.gln if place else "", tax_id=invoice.remit_to_tax_id), invoice.remit_to_party_id, address, invoice.remit_to_tax_id
    )


def _buyer(invoice: Invoice) -> _Party:
    gln = getattr(settings, "EDI_RETAILER_GLN", "") or ""
    address = invoice.bill_to_address or invoice.marketplace.bill_to_address or {"name": settings.PORTAL_RETAILER_NAME}
    tax_id = invoice.bill_to_tax_id or invoice.marketplace.bill_to_tax_id
    return _Party(_endpoint(gln=gln, tax_id=tax_id), invoice.bill_to_party_id, address, tax_id)


def _write_party(parent, name: str, party: _Party, *, seller: bool, vat_allowed: bool, country: str) -> None:
    holder = _add(parent, f"cac:{name}")
    element = _add(holder, "cac:Party")
    endpoint, scheme = party.endpoint
    _add(element, "cbc:EndpointID", endpoint, schemeID=scheme)
    if party.party_id:
        _add(_add(element, "cac:PartyIdentification"), "cbc:ID", party.party_id)
    address = party.address
    party_name = address.get("name") or party.party_id
    _add(_add(element, "cac:PartyName"), "cbc:Name", party_name)
    postal = _add(element, "cac:PostalAddress")
    _add(postal, "cbc:StreetName", address.get("addressLine1", ""))
    _add(postal, "cbc:AdditionalStreetName", ", ".join(filter(None, [address.get("addressLine2", ""), address.get("addressLine3", "")])))
    _add(postal, "cbc:CityName", address.get("city", ""))
    _add(postal, "cbc:PostalZone", address.get("postalOrZipCode", ""))
    _add(postal, "cbc:CountrySubentity", address.get("stateOrRegion", ""))
    _add(_add(postal, "cac:Country"), "cbc:IdentificationCode", address.get("countryCode") or country)
    if party.tax_id and vat_allowed and is_vat_id(party.tax_id):
        scheme_element = _add(element, "cac:PartyTaxScheme")
        _add(scheme_element, "cbc:CompanyID", party.tax_id)
        _add(_add(scheme_element, "cac:TaxScheme"), "cbc:ID", "VAT")
    elif party.tax_id and seller:
        # A registration other than VAT (EIN, GST/HST, or VAT on an invoice not subject to it): BT-32.
        scheme_element = _add(element, "cac:PartyTaxScheme")
        _add(scheme_element, "cbc:CompanyID", party.tax_id)
        _add(_add(scheme_element, "cac:TaxScheme"), "cbc:ID", "TAX")
    _add(_add(element, "cac:PartyLegalEntity"), "cbc:RegistrationName", party_name)


def _tax_category(parent, name: str, category: str, rate) -> None:
    element = _add(parent, f"cac:{name}")
    _add(element, "cbc:ID", category)
    if category != "O":  # BR-O-05..07: no rate on a row not subject to VAT
        _add(element, "cbc:Percent", _rate(rate or 0))
    _add(_add(element, "cac:TaxScheme"), "cbc:ID", "VAT")


def _breakdown(document: InvoiceDocument) -> list[dict]:
    """The VAT breakdown: per (category, rate), the taxable amount from the rows and the tax the invoice states
    for that rate (its header tax row), else the rows' tax."""
    groups: dict[tuple[str, Decimal], dict] = {}
    rows = [(line, 1, line.line_amount) for line in document.lines] + [(c, c.sign, c.amount) for c in document.charges]
    for row, sign, base in rows:
        key = (_category(row.tax_type, row.tax_rate), Decimal(row.tax_rate or 0).normalize())
        group = groups.setdefault(key, {"category": key[0], "rate": key[1], "taxable": ZERO, "row_tax": ZERO})
        group["taxable"] += sign * base
        group["row_tax"] += sign * row.tax_amount
    stated = {}
    for tax in document.taxes:
        stated.setdefault(Decimal(tax.rate or 0).normalize(), []).append(tax.amount)
    for group in groups.values():
        amounts = stated.get(group["rate"])
        group["amount"] = round_money(sum(amounts, ZERO)) if amounts and group["category"] != "O" else round_money(group["row_tax"])
        group["taxable"] = round_money(group["taxable"])
    return sorted(groups.values(), key=lambda g: (g["category"], g["rate"]))


def _english(choices, value: str) -> str:
    with translation.override("en"):
        return str(choices(value).label) if value in choices.values else value


def _gtins(document: InvoiceDocument) -> dict[int, str]:
    product_ids = {
        line.purchase_order_line.product_id for line in document.lines if line.purchase_order_line_id and line.purchase_order_line.product_id
    }
    if not product_ids:
        return {}
    from vendor_portal.models import Product

    return dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "gtin"))


def invoice_ubl(document: InvoiceDocument) -> bytes:
    """The invoice or credit note as a UBL 2.1 Peppol BIS Billing 3.0 document (UTF-8 bytes)."""
    invoice = document.invoice
    credit = invoice.invoice_type == InvoiceType.CREDIT_NOTE
    root_ns = CREDIT_NOTE_NS if credit else INVOICE_NS
    root = etree.Element(f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}", nsmap={None: root_ns, "cac": CAC_NS, "cbc": CBC_NS})
    currency = invoice.currency
    country = invoice.marketplace.country_code
    _add(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
    _add(root, "cbc:ProfileID", PROFILE_ID)
    _add(root, "cbc:ID", invoice.number)
    _add(root, "cbc:IssueDate", invoice.invoice_date.isoformat())
    if not credit and invoice.due_date:
        _add(root, "cbc:DueDate", invoice.due_date.isoformat())
    _add(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", CREDIT_NOTE_TYPE_CODE if credit else INVOICE_TYPE_CODE)
    if credit and invoice.credit_reason:
        _add(root, "cbc:Note", _english(CreditNoteReason, invoice.credit_reason))
    _add(root, "cbc:DocumentCurrencyCode", currency)

    po_numbers = [line.purchase_order_number for line in document.lines if line.purchase_order_number]
    order_number = invoice.purchase_order.number if invoice.purchase_order_id else (po_numbers[0] if po_numbers else "")
    _add(root, "cbc:BuyerReference", invoice.bill_to_party_id or order_number or invoice.number)
    if order_number:
        _add(_add(root, "cac:OrderReference"), "cbc:ID", order_number)
    if credit and invoice.reference_invoice_id:
        reference = _add(_add(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _add(reference, "cbc:ID", invoice.reference_invoice.number)
        _add(reference, "cbc:IssueDate", invoice.reference_invoice.invoice_date.isoformat())
    if invoice.credit_reference:
        supporting = _add(root, "cac:AdditionalDocumentReference")
        _add(supporting, "cbc:ID", invoice.credit_reference)
        _add(supporting, "cbc:DocumentDescription", CREDIT_REFERENCE)

    breakdown = _breakdown(document)
    vat_allowed = not any(group["category"] == "O" for group in breakdown)  # BR-O-02: no VAT ids when not subject
    _write_party(root, "AccountingSupplierParty", _seller(invoice), seller=True, vat_allowed=vat_allowed, country=country)
    _write_party(root, "AccountingCustomerParty", _buyer(invoice), seller=False, vat_allowed=vat_allowed, country=country)
    if invoice.ship_to_party_id:
        _add(_add(_add(root, "cac:Delivery"), "cac:DeliveryLocation"), "cbc:ID", invoice.ship_to_party_id)
    bank = getattr(invoice.vendor, "bank_details", None) if _has_bank(invoice) else None
    if bank is not None or (credit and invoice.due_date):
        means = _add(root, "cac:PaymentMeans")
        _add(means, "cbc:PaymentMeansCode", "30" if bank is not None else "1")  # credit transfer; else instrument not defined
        if credit and invoice.due_date:
            _add(means, "cbc:PaymentDueDate", invoice.due_date.isoformat())
        if bank is not None:
            account = _add(means, "cac:PayeeFinancialAccount")
            _add(account, "cbc:ID", bank.account_number.replace(" ", ""))
            _add(account, "cbc:Name", bank.account_holder)
            if bank.routing_code:
                _add(_add(account, "cac:FinancialInstitutionBranch"), "cbc:ID", bank.routing_code)
    _add(_add(root, "cac:PaymentTerms"), "cbc:Note", _english(PaymentTerms, invoice.payment_terms))

    for charge in document.charges:
        element = _add(root, "cac:AllowanceCharge")
        _add(element, "cbc:ChargeIndicator", "false" if charge.kind == ChargeKind.ALLOWANCE else "true")
        _add(element, "cbc:AllowanceChargeReason", charge.charge_type)
        _add(element, "cbc:Amount", _money(charge.amount), currencyID=currency)
        _tax_category(element, "TaxCategory", _category(charge.tax_type, charge.tax_rate), charge.tax_rate)

    tax_total_amount = round_money(sum((group["amount"] for group in breakdown), ZERO))
    tax_total = _add(root, "cac:TaxTotal")
    _add(tax_total, "cbc:TaxAmount", _money(tax_total_amount), currencyID=currency)
    for group in breakdown:
        subtotal = _add(tax_total, "cac:TaxSubtotal")
        _add(subtotal, "cbc:TaxableAmount", _money(group["taxable"]), currencyID=currency)
        _add(subtotal, "cbc:TaxAmount", _money(group["amount"]), currencyID=currency)
        category = _add(subtotal, "cac:TaxCategory")
        _add(category, "cbc:ID", group["category"])
        if group["category"] != "O":
            _add(category, "cbc:Percent", _rate(group["rate"]))
        else:
            _add(category, "cbc:TaxExemptionReasonCode", "VATEX-EU-O")
            _add(category, "cbc:TaxExemptionReason", NOT_SUBJECT_REASON)
        _add(_add(category, "cac:TaxScheme"), "cbc:ID", "VAT")

    lines_total = round_money(sum((line.line_amount for line in document.lines), ZERO))
    exclusive = lines_total - invoice.allowances_total + invoice.charges_total
    inclusive = exclusive + tax_total_amount
    totals = _add(root, "cac:LegalMonetaryTotal")
    _add(totals, "cbc:LineExtensionAmount", _money(lines_total), currencyID=currency)
    _add(totals, "cbc:TaxExclusiveAmount", _money(exclusive), currencyID=currency)
    _add(totals, "cbc:TaxInclusiveAmount", _money(inclusive), currencyID=currency)
    if document.charges:
        _add(totals, "cbc:AllowanceTotalAmount", _money(invoice.allowances_total), currencyID=currency)
        _add(totals, "cbc:ChargeTotalAmount", _money(invoice.charges_total), currencyID=currency)
    if invoice.grand_total != inclusive:  # a stated total off by a rounding cent: said, not hidden (BR-CO-16)
        _add(totals, "cbc:PayableRoundingAmount", _money(invoice.grand_total - inclusive), currencyID=currency)
    _add(totals, "cbc:PayableAmount", _money(invoice.grand_total), currencyID=currency)

    gtins = _gtins(document)
    for line in document.lines:
        element = _add(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        _add(element, "cbc:ID", line.sequence)
        unit_code = UNIT_CODES.get(line.unit_of_measure, "H87")
        _add(element, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", line.quantity, unitCode=unit_code)
        _add(element, "cbc:LineExtensionAmount", _money(line.line_amount), currencyID=currency)
        po_line = line.purchase_order_line
        if po_line is not None:
            line_id = str(po_line.sequence) if line.purchase_order_number == order_number else f"{line.purchase_order_number}/{po_line.sequence}"
            _add(_add(element, "cac:OrderLineReference"), "cbc:LineID", line_id)
        item = _add(element, "cac:Item")
        _add(item, "cbc:Name", (line.title or line.vendor_sku or line.asin or str(line.sequence))[:300])
        if line.asin:
            _add(_add(item, "cac:BuyersItemIdentification"), "cbc:ID", line.asin)
        if line.vendor_sku:
            _add(_add(item, "cac:SellersItemIdentification"), "cbc:ID", line.vendor_sku)
        gtin = gtins.get(po_line.product_id) if po_line is not None else None
        if gtin:
            _add(_add(item, "cac:StandardItemIdentification"), "cbc:ID", gtin, schemeID=GTIN_SCHEME)
        _tax_category(item, "ClassifiedTaxCategory", _category(line.tax_type, line.tax_rate), line.tax_rate)
        if line.unit_of_measure == UnitOfMeasure.CASES:
            prop = _add(item, "cac:AdditionalItemProperty")
            _add(prop, "cbc:Name", CASE_SIZE)
            _add(prop, "cbc:Value", line.unit_size)
        price = _add(element, "cac:Price")
        _add(price, "cbc:PriceAmount", format(line.unit_cost.normalize(), "f") if line.unit_cost else "0", currencyID=currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _has_bank(invoice: Invoice) -> bool:
    from vendor_portal.models import BankDetails

    return BankDetails.objects.filter(vendor=invoice.vendor).exclude(account_number="").exists()


# Reading ---------------------------------------------------------------------------------------------
class UBLReadError(DomainValidationError):
    """The UBL document is not one the portal can read into an invoice (before any invoice rule is checked)."""


def _text(element, path: str) -> str:
    found = element.find(path, NS) if element is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _decimal(element, path: str, errors: list, ref=None, name: str = "") -> Decimal | None:
    text = _text(element, path)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(field_error(ref, name or path, _("%(value)s is not a number.") % {"value": text}, "invalid"))
        return None
    return value if value.is_finite() else None


def _date(element, path: str, errors: list, name: str) -> datetime.date | None:
    text = _text(element, path)
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        errors.append(field_error(None, name, _("%(value)s is not a date (YYYY-MM-DD).") % {"value": text}, "invalid"))
        return None


def _address(party) -> dict:
    postal = party.find("cac:PostalAddress", NS) if party is not None else None
    result = {
        "name": _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(party, "cac:PartyName/cbc:Name"),
        "addressLine1": _text(postal, "cbc:StreetName"),
        "addressLine2": _text(postal, "cbc:AdditionalStreetName"),
        "city": _text(postal, "cbc:CityName"),
        "postalOrZipCode": _text(postal, "cbc:PostalZone"),
        "stateOrRegion": _text(postal, "cbc:CountrySubentity"),
        "countryCode": _text(postal, "cac:Country/cbc:IdentificationCode"),
    }
    return {key: value for key, value in result.items() if value}


def _from_english(choices, text: str) -> str:
    with translation.override("en"):
        by_label = {str(label).lower(): value for value, label in choices.choices}
    return by_label.get(text.strip().lower(), text.strip() if text.strip() in choices.values else "")


def _tax_type(category: str, rate: Decimal | None) -> str:
    return "" if category == "O" or (category != "Z" and not rate) else "VAT"


def read_ubl(xml: bytes) -> InvoiceInput:
    """A UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0) as the neutral input the invoice services take;
    UBLReadError names what could not be read. Lines that bill PO lines name them by PO number and line; a
    credit note names the invoice it credits (its lines' credited invoice lines: `resolve_credited_lines`)."""
    try:
        root = parse(xml)
    except etree.XMLSyntaxError as error:
        raise UBLReadError(_("The file is not well-formed XML: %(error)s") % {"error": error.msg}) from None
    if root.tag not in (INVOICE_ROOT, CREDIT_NOTE_ROOT):
        raise UBLReadError(_("The document is a %(root)s, not a UBL Invoice or CreditNote.") % {"root": etree.QName(root).localname})
    credit = root.tag == CREDIT_NOTE_ROOT
    errors: list = []
    data = InvoiceInput(
        number=_text(root, "cbc:ID"),
        invoice_type=InvoiceType.CREDIT_NOTE if credit else InvoiceType.INVOICE,
        invoice_date=_date(root, "cbc:IssueDate", errors, "invoice_date"),
        currency=_text(root, "cbc:DocumentCurrencyCode"),
    )
    due_date = _date(root, "cbc:DueDate", errors, "due_date") or _date(root, "cac:PaymentMeans/cbc:PaymentDueDate", errors, "due_date")
    if due_date:
        data.due_date = due_date
    terms = _from_english(PaymentTerms, _text(root, "cac:PaymentTerms/cbc:Note"))
    if terms:
        data.payment_terms = terms
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    if _text(seller, "cac:PartyIdentification/cbc:ID"):
        data.remit_to_party_id = _text(seller, "cac:PartyIdentification/cbc:ID")
    if seller is not None:
        data.remit_to_address = _address(seller)
    if _text(buyer, "cac:PartyIdentification/cbc:ID"):
        data.bill_to_party_id = _text(buyer, "cac:PartyIdentification/cbc:ID")
    if buyer is not None:
        data.bill_to_address = _address(buyer)
    if _text(root, "cac:Delivery/cac:DeliveryLocation/cbc:ID"):
        data.ship_to_party_id = _text(root, "cac:Delivery/cac:DeliveryLocation/cbc:ID")
    if credit:
        data.reference_invoice_number = _text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID")
        reason = _from_english(CreditNoteReason, _text(root, "cbc:Note"))
        data.credit_reason = reason or (CreditNoteReason.OTHER if _text(root, "cbc:Note") else "")
    for supporting in root.findall("cac:AdditionalDocumentReference", NS):
        if _text(supporting, "cbc:DocumentDescription") == CREDIT_REFERENCE:
            data.credit_reference = _text(supporting, "cbc:ID")
    payable = _decimal(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", errors, name="grand_total")
    prepaid = _decimal(root, "cac:LegalMonetaryTotal/cbc:PrepaidAmount", errors, name="grand_total") or ZERO
    data.grand_total = payable + prepaid if payable is not None else None

    order_number = _text(root, "cac:OrderReference/cbc:ID")
    data.lines = []
    for index, element in enumerate(root.findall("cac:CreditNoteLine" if credit else "cac:InvoiceLine", NS)):
        ref = f"lines[{index}]"
        quantity_element = element.find("cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", NS)
        quantity = _decimal(element, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", errors, ref, "quantity")
        if quantity is not None and quantity != quantity.to_integral_value():
            errors.append(field_error(ref, "quantity", _("The portal invoices whole units, not %(q)s.") % {"q": quantity}, "invalid"))
            quantity = None
        unit_code = quantity_element.get("unitCode", "") if quantity_element is not None else ""
        line_id = _text(element, "cac:OrderLineReference/cbc:LineID")
        po_number, _sep, po_sequence = line_id.rpartition("/")
        po_number = po_number or order_number
        price = _decimal(element, "cac:Price/cbc:PriceAmount", errors, ref, "unit_cost")
        base = _decimal(element, "cac:Price/cbc:BaseQuantity", errors, ref, "unit_cost")
        if price is not None and base not in (None, Decimal(0), Decimal(1)):
            price = price / base
        rate = _decimal(element, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", errors, ref, "tax_rate")
        category = _text(element, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
        unit_size = None
        for prop in element.findall("cac:Item/cac:AdditionalItemProperty", NS):
            if _text(prop, "cbc:Name") == CASE_SIZE and _text(prop, "cbc:Value").isdigit():
                unit_size = int(_text(prop, "cbc:Value"))
        sequence = _text(element, "cbc:ID")
        data.lines.append(
            InvoiceLineInput(
                sequence=int(sequence) if sequence.isdigit() else None,
                purchase_order_number=po_number if line_id or po_number else "",
                po_line_sequence=int(po_sequence) if po_sequence.isdigit() else None,
                asin=_text(element, "cac:Item/cac:BuyersItemIdentification/cbc:ID"),
                vendor_sku=_text(element, "cac:Item/cac:SellersItemIdentification/cbc:ID"),
                title=_text(element, "cac:Item/cbc:Name"),
                quantity=int(quantity) if quantity is not None else None,
                unit_of_measure=UNITS_READ.get(unit_code, unit_code),
                unit_size=unit_size,
                unit_cost=price,
                tax_type=_tax_type(category, rate),
                tax_rate=rate or ZERO,
                ref=ref,
            )
        )
    data.charges = []
    for index, element in enumerate(root.findall("cac:AllowanceCharge", NS)):
        ref = f"charges[{index}]"
        allowance = _text(element, "cbc:ChargeIndicator") == "false"
        rate = _decimal(element, "cac:TaxCategory/cbc:Percent", errors, ref, "tax_rate")
        reason = _text(element, "cbc:AllowanceChargeReason")
        data.charges.append(
            InvoiceChargeInput(
                kind=ChargeKind.ALLOWANCE if allowance else ChargeKind.CHARGE,
                charge_type=_charge_type(reason, allowance),
                description=reason[:200],
                amount=_decimal(element, "cbc:Amount", errors, ref, "amount"),
                tax_type=_tax_type(_text(element, "cac:TaxCategory/cbc:ID"), rate),
                tax_rate=rate or ZERO,
                ref=ref,
            )
        )
    data.taxes = []
    for index, element in enumerate(root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)):
        ref = f"taxes[{index}]"
        category = _text(element, "cac:TaxCategory/cbc:ID")
        rate = _decimal(element, "cac:TaxCategory/cbc:Percent", errors, ref, "rate")
        amount = _decimal(element, "cbc:TaxAmount", errors, ref, "amount")
        if category == "O" and not amount:
            continue  # not subject to VAT: no tax row
        data.taxes.append(
            InvoiceTaxInput(
                tax_type="VAT",
                rate=rate or ZERO,
                taxable_amount=_decimal(element, "cbc:TaxableAmount", errors, ref, "taxable_amount"),
                amount=amount,
                ref=ref,
            )
        )
    if errors:
        raise UBLReadError(_("The UBL document could not be read: %(n)s problem(s).") % {"n": len(errors)}, errors=errors)
    return data


def _charge_type(reason: str, allowance: bool) -> str:
    from ..models import ALLOWANCE_TYPES, CHARGE_TYPES

    allowed = ALLOWANCE_TYPES if allowance else CHARGE_TYPES
    return reason if reason in allowed else ("Special" if allowance else "Service")


def ubl_read(xml: bytes) -> ReadInvoice:
    """`read_ubl` for the receiving pipeline: the input with who the file says sold it (its endpoint, party
    and legal ids, and its VAT ids), which the pipeline checks against the uploading vendor."""
    data = read_ubl(xml)
    seller = parse(xml).find("cac:AccountingSupplierParty/cac:Party", NS)
    ids = {_text(seller, "cbc:EndpointID"), _text(seller, "cac:PartyLegalEntity/cbc:CompanyID")}
    ids |= {(found.text or "").strip() for found in seller.findall("cac:PartyIdentification/cbc:ID", NS)} if seller is not None else set()
    tax_ids = {(found.text or "").strip() for found in seller.findall("cac:PartyTaxScheme/cbc:CompanyID", NS)} if seller is not None else set()
    name = _text(seller, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(seller, "cac:PartyName/cbc:Name")
    return ReadInvoice(data=data, seller=Party(name=name), seller_ids=ids - {""}, seller_tax_ids=tax_ids - {""})
