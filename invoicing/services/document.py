"""An invoice as a whole (InvoiceDocument: header plus lines, charges and taxes, saved or not) and what
follows from it: totals, header taxes, due date, default parties."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from purchase_orders.models import PaymentTerms
from vendor_portal.models import BankDetails, ShipFromAddress, VendorAccount
from vendor_portal.money import ZERO, round_money
from vendor_portal.services.audit import snapshot

from ..models import ChargeKind, Invoice, InvoiceCharge, InvoiceLine, InvoiceTax, TaxType

INVOICE_AUDITED = [
    "invoice_type",
    "number",
    "invoice_date",
    "currency",
    "state",
    "marketplace_id",
    "payment_terms",
    "discount_percent",
    "discount_due_days",
    "due_date",
    "items_subtotal",
    "charges_total",
    "allowances_total",
    "tax_total",
    "grand_total",
    "source",
    "purchase_order_id",
    "shipment_id",
    "reference_invoice_id",
    "credit_reason",
    "credit_reference",
    "remit_to_party_id",
    "ship_from_party_id",
    "bill_to_party_id",
    "ship_to_party_id",
    "remit_to_tax_id",
    "bill_to_tax_id",
    "approval_request_id",
    "submitted_at",
    "rejection_reason",
]
LINE_AUDITED = [
    "sequence",
    "purchase_order_number",
    "purchase_order_line_id",
    "credited_line_id",
    "asin",
    "vendor_sku",
    "quantity",
    "unit_cost",
    "line_amount",
    "tax_type",
    "tax_rate",
    "tax_amount",
]
CHARGE_AUDITED = ["kind", "charge_type", "description", "amount", "tax_type", "tax_rate", "tax_amount"]
TAX_AUDITED = ["tax_type", "rate", "taxable_amount", "amount"]


# The document as a whole: header plus its rows, saved or not ------------------------------------------
@dataclass
class InvoiceDocument:
    """An invoice with its rows, either loaded from the database or built from a payload (unsaved)."""

    invoice: Invoice
    lines: list[InvoiceLine] = field(default_factory=list)
    charges: list[InvoiceCharge] = field(default_factory=list)
    taxes: list[InvoiceTax] = field(default_factory=list)

    @classmethod
    def load(cls, invoice: Invoice) -> InvoiceDocument:
        lines = list(
            InvoiceLine.objects.filter(invoice=invoice).select_related("purchase_order_line__purchase_order", "credited_line").order_by("sequence")
        )
        return cls(invoice, lines, list(InvoiceCharge.objects.filter(invoice=invoice)), list(InvoiceTax.objects.filter(invoice=invoice)))

    def audit_state(self) -> dict:
        state = snapshot(self.invoice, INVOICE_AUDITED)
        state["lines"] = [snapshot(line, LINE_AUDITED) for line in self.lines]
        state["charges"] = [snapshot(charge, CHARGE_AUDITED) for charge in self.charges]
        state["taxes"] = [snapshot(tax, TAX_AUDITED) for tax in self.taxes]
        return state


def computed_totals(document: InvoiceDocument) -> dict:
    """What the header totals must be, from the rows."""
    items = sum((line.line_amount for line in document.lines), ZERO)
    charges = sum((c.amount for c in document.charges if c.kind == ChargeKind.CHARGE), ZERO)
    allowances = sum((c.amount for c in document.charges if c.kind == ChargeKind.ALLOWANCE), ZERO)
    row_tax = sum((line.tax_amount for line in document.lines), ZERO) + sum((c.sign * c.tax_amount for c in document.charges), ZERO)
    header_tax = sum((tax.amount for tax in document.taxes), ZERO)
    return {
        "items_subtotal": round_money(items),
        "charges_total": round_money(charges),
        "allowances_total": round_money(allowances),
        "row_tax": round_money(row_tax),
        "header_tax": round_money(header_tax),
        "grand_total": round_money(items + charges - allowances + header_tax),
    }


def derive_taxes(document: InvoiceDocument) -> list[InvoiceTax]:
    """Header taxes from the lines' and charges' taxes, one row per (type, rate)."""
    groups: dict[tuple, list[Decimal]] = {}
    for row, sign, base in [(line, 1, line.line_amount) for line in document.lines] + [(c, c.sign, c.amount) for c in document.charges]:
        if not row.tax_amount and not row.tax_rate:
            continue
        key = (row.tax_type or TaxType.VAT, Decimal(row.tax_rate).normalize())
        taxable, amount = groups.setdefault(key, [ZERO, ZERO])
        groups[key] = [taxable + sign * base, amount + sign * row.tax_amount]
    return [
        InvoiceTax(
            invoice=document.invoice,
            tax_type=tax_type,
            rate=rate,
            taxable_amount=round_money(max(taxable, ZERO)),
            amount=round_money(max(amount, ZERO)),
        )
        for (tax_type, rate), (taxable, amount) in groups.items()
    ]


def apply_totals(document: InvoiceDocument, *, stated_total=None) -> None:
    totals = computed_totals(document)
    invoice = document.invoice
    invoice.items_subtotal = totals["items_subtotal"]
    invoice.charges_total = totals["charges_total"]
    invoice.allowances_total = totals["allowances_total"]
    invoice.tax_total = totals["header_tax"]
    invoice.grand_total = round_money(stated_total) if stated_total is not None else totals["grand_total"]


def due_date_for(invoice_date: datetime.date, terms: str) -> datetime.date:
    if terms == PaymentTerms.END_OF_MONTH:
        return invoice_date.replace(day=calendar.monthrange(invoice_date.year, invoice_date.month)[1])
    days = {PaymentTerms.NET_30: 30, PaymentTerms.NET_60: 60, PaymentTerms.NET_90: 90, PaymentTerms.NET_30_2_10: 30}.get(terms, 60)
    return invoice_date + datetime.timedelta(days=days)


# Parties ---------------------------------------------------------------------------------------------
def _address_dict(address) -> dict:
    """One of our Address rows in Amazon's Address shape."""
    result = {"name": address.name, "addressLine1": address.line1, "city": address.city, "countryCode": address.country_code}
    if address.line2:
        result["addressLine2"] = address.line2
    if address.state_or_region:
        result["stateOrRegion"] = address.state_or_region
    if address.postal_code:
        result["postalOrZipCode"] = address.postal_code
    return result


def default_parties(*, vendor, marketplace, purchase_order=None, ship_from=None) -> dict:
    """Remit-to from the vendor's bank details, ship-from from its first ship-from place, bill-to from the PO."""
    account = VendorAccount.objects.filter(vendor=vendor, marketplace=marketplace).first()
    vendor_code = account.vendor_code if account else vendor.code
    parties = {"remit_to_party_id": vendor_code, "ship_from_party_id": vendor_code, "remit_to_address": {}, "ship_from_address": {}}
    bank = BankDetails.objects.filter(vendor=vendor).first()
    if bank is not None:
        address_lines = [part.strip() for part in bank.remit_to_address.splitlines() if part.strip()]
        parties["remit_to_address"] = {
            "name": bank.account_holder,
            "addressLine1": address_lines[0] if address_lines else bank.bank_name,
            "countryCode": marketplace.country_code,
        }
        if len(address_lines) > 1:
            parties["remit_to_address"]["addressLine2"] = ", ".join(address_lines[1:])
    else:
        parties["remit_to_address"] = {"name": vendor.name, "addressLine1": vendor.name, "countryCode": marketplace.country_code}
    ship_from = ship_from or ShipFromAddress.objects.for_vendor(vendor).active().order_by("pk").first()
    if ship_from is not None:
        parties["ship_from_address"] = _address_dict(ship_from)
    parties["remit_to_tax_id"] = account.tax_registration_number if account else ""
    # Bill-to: the retailer's entity in the marketplace, whatever the PO (its party id comes from the PO).
    parties["bill_to_address"] = dict(marketplace.bill_to_address or {})
    parties["bill_to_tax_id"] = marketplace.bill_to_tax_id
    if purchase_order is not None:
        parties["bill_to_party_id"] = purchase_order.bill_to_party_id or purchase_order.buying_party_id
        parties["ship_to_party_id"] = purchase_order.ship_to.code
    return parties
