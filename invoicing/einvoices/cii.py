"""UN/CEFACT Cross Industry Invoice (CII D16B), the XML inside Factur-X / ZUGFeRD, in the EN 16931 profile.

`cii_write(document, ...)` writes an invoice or credit note (an InvoiceDocument); `cii_read(xml)` reads one
back into the neutral `InvoiceInput` every door builds, with the seller's identifiers for the caller to
check that the file is the uploader's. Each input row's `ref` names where it sits in the file (the
BG-25 line's LineID, the BG-20/21 allowance or charge, the BG-23 breakdown), and `cii_location` turns a
service's field error into the EN 16931 business term it concerns.

Choices where the portal and EN 16931 differ:
- One invoice may bill several POs; CII has one purchase order reference (BT-13) in the header. When
  all lines bill one PO the header names it and each line's BT-132 is the PO line's number; when they
  bill several, the header names none and each line's BT-132 is "<PO number>/<PO line number>" (the
  EN 16931 profile allows no document id on a line's order reference).
- Every tax is written as VAT (EN 16931 knows only VAT): a rate above zero is category S (standard), a
  rate of zero Z (zero rated). The portal records no exemption reasons, so it issues no E (exempt) lines;
  a received file with E, AE, K, G or O lines is read as taxed at 0%.
- Line-level taxes have no amount in EN 16931: the services compute each line's tax from its rate; the
  VAT breakdown (BT-116..BT-119) gives the header taxes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import translation
from lxml import etree

from invoicing.models import ALLOWANCE_TYPES, CHARGE_TYPES, ChargeKind, ChargeType, InvoiceType
from invoicing.services.inputs import InvoiceChargeInput, InvoiceInput, InvoiceLineInput, InvoiceTaxInput
from purchase_orders.models import PaymentTerms, UnitOfMeasure
from vendor_portal.money import ZERO, round_money
from vendor_portal.tax_ids import is_vat_id

from .validation import parse

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
ROOT = f"{{{RSM}}}CrossIndustryInvoice"
EN16931 = "urn:cen.eu:en16931:2017"

TYPE_CODES = {InvoiceType.INVOICE: "380", InvoiceType.CREDIT_NOTE: "381"}
CREDIT_TYPE_CODES = {"381", "261", "262", "296", "308", "396", "420", "458", "532"}
# UN/ECE recommendation 20 unit codes.
UNIT_CODES = {UnitOfMeasure.EACHES: "H87", UnitOfMeasure.CASES: "CS"}
UNITS = {"H87": UnitOfMeasure.EACHES, "C62": UnitOfMeasure.EACHES, "EA": UnitOfMeasure.EACHES, "CS": UnitOfMeasure.CASES}
# UNCL 7161 (charges) and UNCL 5189 (allowances) reason codes for the portal's charge types that have one.
CHARGE_CODES = {ChargeType.FREIGHT: "FC", ChargeType.PACKING: "PC", ChargeType.HANDLING: "SH", ChargeType.INSURANCE: "IN"}
ALLOWANCE_CODES = {ChargeType.DISCOUNT: "95", ChargeType.PROMOTIONAL: "100"}
GTIN_SCHEME = "0160"  # ISO 6523 ICD: GS1 GTIN
GLN_SCHEME = "0088"  # ISO 6523 ICD: GS1 GLN
DEFAULT_RETAILER_GLN = "4000000000006"

# Where each of the services' field names sits in EN 16931, for error messages.
HEADER_TERMS = {
    "number": "BT-1",
    "invoice_date": "BT-2",
    "invoice_type": "BT-3",
    "currency": "BT-5",
    "due_date": "BT-9",
    "marketplace": "BT-13",
    "purchase_order": "BT-13",
    "payment_terms": "BT-20",
    "reference_invoice_number": "BT-25",
    "credit_reason": "BT-22",
    "items_subtotal": "BT-106",
    "allowances_total": "BT-107",
    "charges_total": "BT-108",
    "tax_total": "BT-110",
    "taxes": "BG-23",
    "grand_total": "BT-112",
    "seller": "BG-4",
}
LINE_TERMS = {
    "sequence": "BT-126",
    "purchase_order_number": "BT-132",
    "po_line_sequence": "BT-132",
    "purchase_order_line": "BT-132",
    "quantity": "BT-129",
    "unit_of_measure": "BT-130",
    "unit_size": "BT-130",
    "line_amount": "BT-131",
    "unit_cost": "BT-146",
    "title": "BT-153",
    "vendor_sku": "BT-155",
    "asin": "BT-156",
    "tax_type": "BT-151",
    "tax_rate": "BT-152",
    "tax_amount": "BT-152",
    "credited_line": "BT-25",
}
CHARGE_TERMS = {"kind": "BT-99", "charge_type": "BT-105", "description": "BT-104", "amount": "BT-99", "tax_rate": "BT-103", "tax_type": "BT-102"}
TAX_TERMS = {"tax_type": "BT-118", "rate": "BT-119", "taxable_amount": "BT-116", "amount": "BT-117"}


@dataclass(frozen=True)
class RowRef:
    """Where an input row sits in the file: the business group and the row's identity there."""

    group: str  # BG-25 (line), BG-20 (allowance), BG-21 (charge), BG-23 (VAT breakdown)
    key: str  # the line's LineID, or the row's position (1-based)

    def __str__(self) -> str:
        return f"{self.group}[{self.key}]"


def cii_location(ref, field_name: str | None) -> str | None:
    """A field error's place in EN 16931 terms: "BG-25[2].BT-146 (unit_cost)", "BT-112 (grand_total)"."""
    if isinstance(ref, RowRef):
        terms = {"BG-25": LINE_TERMS, "BG-23": TAX_TERMS}.get(ref.group, CHARGE_TERMS)
        term = terms.get(field_name or "")
        if not field_name:
            return str(ref)
        return f"{ref}.{term} ({field_name})" if term else f"{ref}.{field_name}"
    if ref is not None:
        return f"{ref}.{field_name}" if field_name else str(ref)
    if field_name is None:
        return None
    term = HEADER_TERMS.get(field_name)
    return f"{term} ({field_name})" if term else field_name


# Writing --------------------------------------------------------------------------------------------
@dataclass
class Party:
    """A trade party as CII states it: its ids, name, address (Amazon's Address shape) and tax ids."""

    name: str = ""
    party_id: str = ""
    gln: str = ""
    address: dict = field(default_factory=dict)
    tax_id: str = ""


def _amount(value) -> str:
    return f"{round_money(Decimal(value)):.2f}"


def _decimal_text(value) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text if text not in ("-0", "") else "0"


def _date(value: datetime.date) -> str:
    return value.strftime("%Y%m%d")


class _Writer:
    def __init__(self):
        self.root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)

    @staticmethod
    def add(parent, tag: str, text=None, **attributes):
        prefix, name = tag.split(":")
        element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", {k: str(v) for k, v in attributes.items()})
        if text is not None:
            element.text = str(text)
        return element

    def date(self, parent, tag: str, value: datetime.date, *, qualified: bool = False):
        wrapper = self.add(parent, tag)
        self.add(wrapper, "qdt:DateTimeString" if qualified else "udt:DateTimeString", _date(value), format="102")

    def party(self, parent, tag: str, party: Party):
        element = self.add(parent, tag)
        if party.party_id:
            self.add(element, "ram:ID", party.party_id)
        if party.gln:
            self.add(element, "ram:GlobalID", party.gln, schemeID=GLN_SCHEME)
        self.add(element, "ram:Name", party.name or party.address.get("name") or party.party_id or "-")
        address = party.address or {}
        postal = self.add(element, "ram:PostalTradeAddress")
        for tag_name, key in (("ram:PostcodeCode", "postalOrZipCode"), ("ram:LineOne", "addressLine1"), ("ram:LineTwo", "addressLine2")):
            if address.get(key):
                self.add(postal, tag_name, address[key])
        if address.get("city"):
            self.add(postal, "ram:CityName", address["city"])
        self.add(postal, "ram:CountryID", (address.get("countryCode") or "").upper() or "XX")
        if address.get("stateOrRegion"):
            self.add(postal, "ram:CountrySubDivisionName", address["stateOrRegion"])
        if party.tax_id:
            registration = self.add(element, "ram:SpecifiedTaxRegistration")
            # A VAT id (BR-CO-9: with its country's prefix); anything else (a US EIN, a GST number) is a local tax registration.
            self.add(registration, "ram:ID", party.tax_id, schemeID="VA" if is_vat_id(party.tax_id) else "FC")
        return element

    def tax(self, parent, tag: str, rate: Decimal, *, calculated=None, basis=None):
        element = self.add(parent, tag)
        if calculated is not None:
            self.add(element, "ram:CalculatedAmount", _amount(calculated))
        self.add(element, "ram:TypeCode", "VAT")
        if basis is not None:
            self.add(element, "ram:BasisAmount", _amount(basis))
        self.add(element, "ram:CategoryCode", vat_category(rate))
        self.add(element, "ram:RateApplicablePercent", _decimal_text(rate))
        return element


def vat_category(rate) -> str:
    return "S" if Decimal(rate or 0) > 0 else "Z"


def seller_party(invoice) -> Party:
    """The vendor: its name, vendor code, first ship-from GLN, ship-from (else remit-to) address and tax id."""
    from vendor_portal.models import ShipFromAddress

    place = ShipFromAddress.objects.filter(vendor_id=invoice.vendor_id).exclude(gln="").order_by("retired_at", "pk").first()
    address = invoice.ship_from_address if (invoice.ship_from_address or {}).get("countryCode") else invoice.remit_to_address
    return Party(
        name=invoice.vendor.name,
        party_id=invoice.remit_to_party_id or invoice.vendor.code,
        gln=place.gln if place else "",
        address=dict(address or {}),
        tax_id=invoice.remit_to_tax_id,
    )


def buyer_party(invoice) -> Party:
    """The retailer: its bill-to entity in the invoice's marketplace."""
    address = dict(invoice.bill_to_address or invoice.marketplace.bill_to_address or {})
    if not address.get("countryCode"):
        address["countryCode"] = invoice.marketplace.country_code
    return Party(
        name=address.get("name") or settings.PORTAL_RETAILER_NAME,
        party_id=invoice.bill_to_party_id,
        gln=getattr(settings, "EDI_RETAILER_GLN", DEFAULT_RETAILER_GLN),
        address=address,
        tax_id=invoice.bill_to_tax_id or invoice.marketplace.bill_to_tax_id,
    )


def _line_gtins(document) -> dict[str, str]:
    from vendor_portal.models import Product

    asins = {line.asin for line in document.lines if line.asin}
    skus = {line.vendor_sku for line in document.lines if line.vendor_sku}
    vendor_id = document.invoice.vendor_id
    gtins = dict(Product.objects.filter(vendor_id=vendor_id, asin__in=asins).values_list("asin", "gtin"))
    for sku, gtin in Product.objects.filter(vendor_id=vendor_id, vendor_sku__in=skus).values_list("vendor_sku", "gtin"):
        gtins.setdefault(sku, gtin)
    return gtins


def _payment_terms_text(invoice) -> str:
    with translation.override("en"):
        text = str(PaymentTerms(invoice.payment_terms).label) if invoice.payment_terms in PaymentTerms.values else invoice.payment_terms
        if invoice.discount_percent and invoice.discount_due_days:
            text += f"; {_decimal_text(invoice.discount_percent)}% discount within {invoice.discount_due_days} days"
    return text


def vat_breakdown(document) -> list[dict]:
    """BG-23: one row per VAT category and rate, the taxable amount from the lines, charges and allowances,
    the tax from the invoice's header taxes at that rate (computed when it has none)."""
    groups: dict[Decimal, Decimal] = {}
    for rate, amount in [(line.tax_rate, line.line_amount) for line in document.lines] + [(c.tax_rate, c.sign * c.amount) for c in document.charges]:
        key = Decimal(rate or 0).normalize()
        groups[key] = groups.get(key, ZERO) + amount
    stated: dict[Decimal, Decimal] = {}
    for tax in document.taxes:
        key = Decimal(tax.rate or 0).normalize()
        stated[key] = stated.get(key, ZERO) + tax.amount
    rows = []
    for rate, basis in sorted(groups.items(), reverse=True):
        amount = stated.pop(rate, None)
        rows.append({"rate": rate, "basis": round_money(basis), "amount": round_money(amount if amount is not None else basis * rate / 100)})
    for rate, amount in stated.items():  # a header tax at a rate no line has: keep the total honest
        rows.append({"rate": rate, "basis": ZERO, "amount": round_money(amount)})
    return rows


def cii_write(document, *, seller: Party | None = None, buyer: Party | None = None, gtins: dict | None = None) -> bytes:
    """The invoice or credit note as CII XML in the EN 16931 profile (UTF-8, with declaration)."""
    invoice = document.invoice
    seller = seller or seller_party(invoice)
    buyer = buyer or buyer_party(invoice)
    gtins = _line_gtins(document) if gtins is None else gtins
    w = _Writer()
    add = w.add
    context = add(w.root, "rsm:ExchangedDocumentContext")
    add(add(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    header = add(w.root, "rsm:ExchangedDocument")
    add(header, "ram:ID", invoice.number)
    add(header, "ram:TypeCode", TYPE_CODES.get(invoice.invoice_type, "380"))
    w.date(header, "ram:IssueDateTime", invoice.invoice_date)
    if invoice.is_credit_note:
        with translation.override("en"):
            reason = " ".join(
                part for part in (invoice.get_credit_reason_display() if invoice.credit_reason else "", invoice.credit_reference) if part
            )
        if reason:
            add(add(header, "ram:IncludedNote"), "ram:Content", reason)

    transaction = add(w.root, "rsm:SupplyChainTradeTransaction")
    orders = {line.purchase_order_number for line in document.lines if line.purchase_order_number}
    single_order = next(iter(orders)) if len(orders) == 1 else ""
    for line in document.lines:
        item = add(transaction, "ram:IncludedSupplyChainTradeLineItem")
        add(add(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.sequence)
        product = add(item, "ram:SpecifiedTradeProduct")
        gtin = gtins.get(line.asin) or gtins.get(line.vendor_sku)
        if gtin:
            add(product, "ram:GlobalID", gtin, schemeID=GTIN_SCHEME)
        if line.vendor_sku:
            add(product, "ram:SellerAssignedID", line.vendor_sku)
        if line.asin:
            add(product, "ram:BuyerAssignedID", line.asin)
        add(product, "ram:Name", line.title or line.vendor_sku or line.asin or "-")
        agreement = add(item, "ram:SpecifiedLineTradeAgreement")
        po_line = line.purchase_order_line.sequence if line.purchase_order_line_id else None
        if line.purchase_order_number and (po_line or not single_order):
            reference = f"{line.purchase_order_number}/{po_line}" if po_line else line.purchase_order_number
            add(add(agreement, "ram:BuyerOrderReferencedDocument"), "ram:LineID", str(po_line) if single_order else reference)
        price = add(agreement, "ram:NetPriceProductTradePrice")
        add(price, "ram:ChargeAmount", _decimal_text(line.unit_cost))
        add(add(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", line.quantity, unitCode=UNIT_CODES.get(line.unit_of_measure, "H87"))
        settlement = add(item, "ram:SpecifiedLineTradeSettlement")
        w.tax(settlement, "ram:ApplicableTradeTax", line.tax_rate)
        add(add(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"), "ram:LineTotalAmount", _amount(line.line_amount))

    agreement = add(transaction, "ram:ApplicableHeaderTradeAgreement")
    w.party(agreement, "ram:SellerTradeParty", seller)
    w.party(agreement, "ram:BuyerTradeParty", buyer)
    if single_order:
        add(add(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID", single_order)
    delivery = add(transaction, "ram:ApplicableHeaderTradeDelivery")
    if invoice.ship_to_party_id:
        add(add(delivery, "ram:ShipToTradeParty"), "ram:ID", invoice.ship_to_party_id)

    settlement = add(transaction, "ram:ApplicableHeaderTradeSettlement")
    add(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    breakdown = vat_breakdown(document)
    for row in breakdown:
        w.tax(settlement, "ram:ApplicableTradeTax", row["rate"], calculated=row["amount"], basis=row["basis"])
    for charge in document.charges:
        element = add(settlement, "ram:SpecifiedTradeAllowanceCharge")
        add(add(element, "ram:ChargeIndicator"), "udt:Indicator", "true" if charge.kind == ChargeKind.CHARGE else "false")
        add(element, "ram:ActualAmount", _amount(charge.amount))
        code = (CHARGE_CODES if charge.kind == ChargeKind.CHARGE else ALLOWANCE_CODES).get(charge.charge_type)
        if code:
            add(element, "ram:ReasonCode", code)
        with translation.override("en"):
            add(element, "ram:Reason", charge.description or charge.get_charge_type_display())
        category = add(element, "ram:CategoryTradeTax")
        add(category, "ram:TypeCode", "VAT")
        add(category, "ram:CategoryCode", vat_category(charge.tax_rate))
        add(category, "ram:RateApplicablePercent", _decimal_text(charge.tax_rate))
    terms = add(settlement, "ram:SpecifiedTradePaymentTerms")
    add(terms, "ram:Description", _payment_terms_text(invoice))
    if invoice.due_date:
        w.date(terms, "ram:DueDateDateTime", invoice.due_date)
    items = sum((line.line_amount for line in document.lines), ZERO)
    charges = sum((c.amount for c in document.charges if c.kind == ChargeKind.CHARGE), ZERO)
    allowances = sum((c.amount for c in document.charges if c.kind == ChargeKind.ALLOWANCE), ZERO)
    tax = sum((row["amount"] for row in breakdown), ZERO)
    basis = items + charges - allowances
    summation = add(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    add(summation, "ram:LineTotalAmount", _amount(items))
    add(summation, "ram:ChargeTotalAmount", _amount(charges))
    add(summation, "ram:AllowanceTotalAmount", _amount(allowances))
    add(summation, "ram:TaxBasisTotalAmount", _amount(basis))
    add(summation, "ram:TaxTotalAmount", _amount(tax), currencyID=invoice.currency)
    add(summation, "ram:GrandTotalAmount", _amount(basis + tax))
    add(summation, "ram:DuePayableAmount", _amount(basis + tax))
    if invoice.is_credit_note and invoice.reference_invoice_id:
        reference = add(settlement, "ram:InvoiceReferencedDocument")
        add(reference, "ram:IssuerAssignedID", invoice.reference_invoice.number)
        w.date(reference, "ram:FormattedIssueDateTime", invoice.reference_invoice.invoice_date, qualified=True)
    return etree.tostring(w.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# Reading --------------------------------------------------------------------------------------------
class CiiReadError(Exception):
    """The file is no CII invoice the portal can read; `problems` are (location, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{location}: {message}" for location, message in problems))


@dataclass
class ReadInvoice:
    """What a reader found: the invoice as the services take it, and who the file says sold it."""

    data: InvoiceInput
    seller: Party
    seller_ids: set[str] = field(default_factory=set)  # BT-29 ids and GLNs
    seller_tax_ids: set[str] = field(default_factory=set)  # BT-31 / BT-32


def _text(element, path: str) -> str:
    found = element.find(path, NSMAP) if element is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _all_text(element, path: str) -> list[str]:
    return [(found.text or "").strip() for found in element.findall(path, NSMAP) if found.text and found.text.strip()] if element is not None else []


class _Reader:
    def __init__(self):
        self.problems: list[tuple[str, str]] = []

    def decimal(self, element, path: str, location: str, *, required: bool = True) -> Decimal | None:
        text = _text(element, path)
        if not text:
            if required:
                self.problems.append((location, "missing"))
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            self.problems.append((location, f"{text!r} is not a number"))
            return None

    def date(self, element, path: str, location: str, *, required: bool = True) -> datetime.date | None:
        text = _text(element, path)
        if not text:
            if required:
                self.problems.append((location, "missing"))
            return None
        try:
            return datetime.datetime.strptime(text, "%Y%m%d").date()
        except ValueError:
            self.problems.append((location, f"{text!r} is not a date (format 102, YYYYMMDD)"))
            return None


def _party(element) -> tuple[Party, set[str], set[str]]:
    address = {}
    postal = element.find("ram:PostalTradeAddress", NSMAP) if element is not None else None
    for tag_name, key in (
        ("ram:PostcodeCode", "postalOrZipCode"),
        ("ram:LineOne", "addressLine1"),
        ("ram:LineTwo", "addressLine2"),
        ("ram:CityName", "city"),
        ("ram:CountryID", "countryCode"),
        ("ram:CountrySubDivisionName", "stateOrRegion"),
    ):
        value = _text(postal, tag_name)
        if value:
            address[key] = value
    name = _text(element, "ram:Name")
    if name:
        address["name"] = name
    ids = set(_all_text(element, "ram:ID")) | set(_all_text(element, "ram:GlobalID"))
    tax_ids = set(_all_text(element, "ram:SpecifiedTaxRegistration/ram:ID"))
    party = Party(
        name=name,
        party_id=_text(element, "ram:ID"),
        gln=next(
            (
                g.text.strip()
                for g in (element.findall("ram:GlobalID", NSMAP) if element is not None else [])
                if g.get("schemeID") == GLN_SCHEME and g.text
            ),
            "",
        ),
        address=address,
        tax_id=next(iter(sorted(tax_ids)), ""),
    )
    return party, ids, tax_ids


def _charge_type(kind: str, code: str, reason: str) -> str:
    codes = CHARGE_CODES if kind == ChargeKind.CHARGE else ALLOWANCE_CODES
    for charge_type, charge_code in codes.items():
        if code and code == charge_code:
            return charge_type
    allowed = CHARGE_TYPES if kind == ChargeKind.CHARGE else ALLOWANCE_TYPES
    with translation.override("en"):
        by_label = {str(label).lower(): value for value, label in ChargeType.choices if value in allowed}
    if reason in allowed:
        return reason
    return by_label.get(reason.lower(), "Service" if kind == ChargeKind.CHARGE else "Special")


def _payment_terms(text: str) -> str:
    with translation.override("en"):
        for value, label in PaymentTerms.choices:
            if text == value or text.lower().startswith(str(label).lower()):
                return value
    return ""


def cii_read(xml: bytes) -> ReadInvoice:
    """The CII invoice as an `InvoiceInput` (rows' refs are RowRefs) and its seller; CiiReadError when the
    document is not one (not CII, or values the portal cannot hold: a fractional quantity, ...)."""
    root = parse(xml)
    if root.tag != ROOT:
        raise CiiReadError([("/", f"The document is a {etree.QName(root).localname}, not a CrossIndustryInvoice.")])
    reader = _Reader()
    header = root.find("rsm:ExchangedDocument", NSMAP)
    transaction = root.find("rsm:SupplyChainTradeTransaction", NSMAP)
    agreement = transaction.find("ram:ApplicableHeaderTradeAgreement", NSMAP) if transaction is not None else None
    settlement = transaction.find("ram:ApplicableHeaderTradeSettlement", NSMAP) if transaction is not None else None
    type_code = _text(header, "ram:TypeCode")
    data = InvoiceInput(
        number=_text(header, "ram:ID"),
        invoice_type=InvoiceType.CREDIT_NOTE if type_code in CREDIT_TYPE_CODES else InvoiceType.INVOICE,
        invoice_date=reader.date(header, "ram:IssueDateTime/udt:DateTimeString", "BT-2"),
        currency=_text(settlement, "ram:InvoiceCurrencyCode"),
    )
    seller, seller_ids, seller_tax_ids = _party(agreement.find("ram:SellerTradeParty", NSMAP) if agreement is not None else None)
    buyer, _ids, _tax_ids = _party(agreement.find("ram:BuyerTradeParty", NSMAP) if agreement is not None else None)
    if seller.party_id:
        data.remit_to_party_id = seller.party_id
    if buyer.party_id:
        data.bill_to_party_id = buyer.party_id
    if buyer.address:
        data.bill_to_address = buyer.address
    ship_to = _text(transaction, "ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:ID")
    if ship_to:
        data.ship_to_party_id = ship_to
    order = _text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID")
    lines = []
    for index, item in enumerate(transaction.findall("ram:IncludedSupplyChainTradeLineItem", NSMAP) if transaction is not None else [], start=1):
        line_id = _text(item, "ram:AssociatedDocumentLineDocument/ram:LineID") or str(index)
        ref = RowRef("BG-25", line_id)
        where = f"BG-25[{line_id}]"
        order_line = _text(item, "ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument/ram:LineID")
        po_number, po_sequence = order, None
        if order_line:
            head, _slash, tail = order_line.rpartition("/")
            if head:
                po_number = head
            if tail.isdigit():
                po_sequence = int(tail)
            elif not head:
                po_number = po_number or tail
        quantity = reader.decimal(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", f"{where}.BT-129")
        if quantity is not None and (quantity != quantity.to_integral_value() or quantity < 0):
            reader.problems.append((f"{where}.BT-129", f"The portal invoices whole units, not {quantity}."))
        unit_code = (item.find("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", NSMAP).get("unitCode") or "") if quantity is not None else ""
        price = reader.decimal(item, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount", f"{where}.BT-146")
        basis = reader.decimal(
            item, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity", f"{where}.BT-149", required=False
        )
        if price is not None and basis:
            price = price / basis
        if item.find("ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge", NSMAP) is not None:
            reader.problems.append((f"{where}.BG-27", "Line allowances and charges are not supported: state the net price (BT-146) instead."))
        rate = reader.decimal(
            item, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent", f"{where}.BT-152", required=False
        )
        net = reader.decimal(
            item, "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", f"{where}.BT-131"
        )
        if net is not None and price is not None and quantity is not None and round_money(quantity * price) != round_money(net):
            reader.problems.append(
                (
                    f"{where}.BT-131",
                    f"The line's net amount {net} is not its quantity {quantity} × net price {price} = {round_money(quantity * price)}.",
                )
            )
        lines.append(
            InvoiceLineInput(
                sequence=int(line_id) if line_id.isdigit() else index,
                purchase_order_number=po_number,
                po_line_sequence=po_sequence,
                asin=_text(item, "ram:SpecifiedTradeProduct/ram:BuyerAssignedID"),
                vendor_sku=_text(item, "ram:SpecifiedTradeProduct/ram:SellerAssignedID"),
                title=_text(item, "ram:SpecifiedTradeProduct/ram:Name"),
                quantity=int(quantity) if quantity is not None and quantity == quantity.to_integral_value() else None,
                unit_of_measure=UNITS.get(unit_code.upper(), ""),
                unit_cost=price,
                tax_type="VAT" if rate else "",
                tax_rate=rate or ZERO,
                ref=ref,
            )
        )
    data.lines = lines
    charges = []
    for index, element in enumerate(settlement.findall("ram:SpecifiedTradeAllowanceCharge", NSMAP) if settlement is not None else [], start=1):
        is_charge = _text(element, "ram:ChargeIndicator/udt:Indicator").lower() == "true"
        kind = ChargeKind.CHARGE if is_charge else ChargeKind.ALLOWANCE
        group = "BG-21" if is_charge else "BG-20"
        amount = reader.decimal(element, "ram:ActualAmount", f"{group}[{index}].{'BT-99' if is_charge else 'BT-92'}")
        rate = reader.decimal(element, "ram:CategoryTradeTax/ram:RateApplicablePercent", f"{group}[{index}]", required=False)
        reason = _text(element, "ram:Reason")
        charge_type = _charge_type(kind, _text(element, "ram:ReasonCode"), reason)
        with translation.override("en"):
            generic = reason.lower() == str(ChargeType(charge_type).label).lower()
        charges.append(
            InvoiceChargeInput(
                kind=kind,
                charge_type=charge_type,
                description="" if generic else reason,
                amount=amount,
                tax_type="VAT" if rate else "",
                tax_rate=rate or ZERO,
                ref=RowRef(group, str(index)),
            )
        )
    data.charges = charges
    taxes = []
    for index, element in enumerate(settlement.findall("ram:ApplicableTradeTax", NSMAP) if settlement is not None else [], start=1):
        amount = reader.decimal(element, "ram:CalculatedAmount", f"BG-23[{index}].BT-117")
        rate = reader.decimal(element, "ram:RateApplicablePercent", f"BG-23[{index}].BT-119", required=False) or ZERO
        if not amount and not rate:
            continue  # a 0% category: the portal keeps no tax row for it
        taxes.append(
            InvoiceTaxInput(
                tax_type="VAT",
                rate=rate,
                taxable_amount=reader.decimal(element, "ram:BasisAmount", f"BG-23[{index}].BT-116"),
                amount=amount,
                ref=RowRef("BG-23", str(index)),
            )
        )
    data.taxes = taxes
    data.grand_total = reader.decimal(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount", "BT-112")
    terms = settlement.find("ram:SpecifiedTradePaymentTerms", NSMAP) if settlement is not None else None
    payment_terms = _payment_terms(_text(terms, "ram:Description"))
    if payment_terms:
        data.payment_terms = payment_terms
    due = reader.date(terms, "ram:DueDateDateTime/udt:DateTimeString", "BT-9", required=False)
    if due:
        data.due_date = due
    reference = _text(settlement, "ram:InvoiceReferencedDocument/ram:IssuerAssignedID")
    if reference and data.invoice_type == InvoiceType.CREDIT_NOTE:
        data.reference_invoice_number = reference
    if reader.problems:
        raise CiiReadError(reader.problems)
    return ReadInvoice(data=data, seller=seller, seller_ids=seller_ids, seller_tax_ids=seller_tax_ids)
