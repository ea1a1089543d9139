"""Every write on invoices and credit notes. The screens, the portal API and the Amazon-compatible door
all call these, so an invoice is checked the same way whichever door it came through.

A draft is stored as the vendor states it; the hard checks run at submission and refuse the whole
invoice (nothing changes) with one error per problem, named like `lines[2].purchase_order_number`.
The pre-flight match shows the claims the retailer's 3-way match would raise, before submission.
"""
from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import PaymentTerms, PurchaseOrder, PurchaseOrderLine, UnitOfMeasure
from vendor_portal.errors import DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError
from vendor_portal.models import ApprovalStatus, BankDetails, Marketplace, ShipFromAddress, VendorAccount
from vendor_portal.roles import Action, Role
from vendor_portal.services.approvals import VENDOR_CHECKERS, ApprovalKind, approval_request_create, register_approval_kind
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles

from .models import (
    ALLOWANCE_TYPES,
    CHARGE_TYPES,
    CREDIT_COUNTED_STATES,
    RETAILER_STATES,
    SENT_STATES,
    ZERO,
    ChargeKind,
    CreditNoteReason,
    Invoice,
    InvoiceCharge,
    InvoiceLine,
    InvoiceSource,
    InvoiceState,
    InvoiceTax,
    InvoiceType,
    TaxType,
)

CENT = Decimal("0.01")
# Stated totals may differ from the sum of their parts by a rounding cent, no more.
ROUNDING_TOLERANCE = Decimal("0.01")
APPROVAL_KIND = "invoice_submission"
FINANCE_ROLES = [Role.VENDOR_FINANCE, Role.VENDOR_ADMIN]
# VAT a flipped invoice starts with, by marketplace (the vendor can change it on the draft).
DEFAULT_VAT_RATE = {"UK": Decimal("20"), "DE": Decimal("19"), "FR": Decimal("20")}

INVOICE_AUDITED = [
    "invoice_type", "number", "invoice_date", "currency", "state", "marketplace_id", "payment_terms", "discount_percent",
    "discount_due_days", "due_date", "items_subtotal", "charges_total", "allowances_total", "tax_total", "grand_total",
    "source", "purchase_order_id", "shipment_id", "reference_invoice_id", "credit_reason", "credit_reference",
    "remit_to_party_id", "ship_from_party_id", "bill_to_party_id", "ship_to_party_id", "approval_request_id",
    "submitted_at", "rejection_reason",
]
LINE_AUDITED = [
    "sequence", "purchase_order_number", "purchase_order_line_id", "credited_line_id", "asin", "vendor_sku", "quantity",
    "unit_cost", "line_amount", "tax_type", "tax_rate", "tax_amount",
]
CHARGE_AUDITED = ["kind", "charge_type", "description", "amount", "tax_type", "tax_rate", "tax_amount"]
TAX_AUDITED = ["tax_type", "rate", "taxable_amount", "amount"]


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _error(field_name: str | None, message: str, code: str = "invalid") -> dict:
    return {"field": field_name, "message": str(message), "code": code}


def _refuse(errors: list[dict], message=None):
    raise DomainValidationError(message or _("The invoice was not accepted: %(n)s problem(s).") % {"n": len(errors)}, errors=errors)


# The document as a whole: header plus its rows, saved or not ------------------------------------------
@dataclass
class InvoiceDocument:
    """An invoice with its rows, either loaded from the database or built from a payload (unsaved)."""

    invoice: Invoice
    lines: list[InvoiceLine] = field(default_factory=list)
    charges: list[InvoiceCharge] = field(default_factory=list)
    taxes: list[InvoiceTax] = field(default_factory=list)

    @classmethod
    def load(cls, invoice: Invoice) -> "InvoiceDocument":
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
        "items_subtotal": money(items),
        "charges_total": money(charges),
        "allowances_total": money(allowances),
        "row_tax": money(row_tax),
        "header_tax": money(header_tax),
        "grand_total": money(items + charges - allowances + header_tax),
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
        InvoiceTax(invoice=document.invoice, tax_type=tax_type, rate=rate, taxable_amount=money(max(taxable, ZERO)), amount=money(max(amount, ZERO)))
        for (tax_type, rate), (taxable, amount) in groups.items()
    ]


def apply_totals(document: InvoiceDocument, *, stated_total=None) -> None:
    totals = computed_totals(document)
    invoice = document.invoice
    invoice.items_subtotal = totals["items_subtotal"]
    invoice.charges_total = totals["charges_total"]
    invoice.allowances_total = totals["allowances_total"]
    invoice.tax_total = totals["header_tax"]
    invoice.grand_total = money(stated_total) if stated_total is not None else totals["grand_total"]


def due_date_for(invoice_date: datetime.date, terms: str) -> datetime.date:
    if terms == PaymentTerms.END_OF_MONTH:
        return invoice_date.replace(day=calendar.monthrange(invoice_date.year, invoice_date.month)[1])
    days = {PaymentTerms.NET_30: 30, PaymentTerms.NET_60: 60, PaymentTerms.NET_90: 90, PaymentTerms.NET_30_2_10: 30}.get(terms, 60)
    return invoice_date + datetime.timedelta(days=days)


def _marketplace_today(marketplace) -> datetime.date:
    import zoneinfo

    try:
        zone = zoneinfo.ZoneInfo(marketplace.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    return timezone.localdate(timezone=zone) if zone else timezone.localdate()


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
        parties["remit_to_address"] = {"name": bank.account_holder, "addressLine1": address_lines[0] if address_lines else bank.bank_name,
                                       "countryCode": marketplace.country_code}
        if len(address_lines) > 1:
            parties["remit_to_address"]["addressLine2"] = ", ".join(address_lines[1:])
    else:
        parties["remit_to_address"] = {"name": vendor.name, "addressLine1": vendor.name, "countryCode": marketplace.country_code}
    ship_from = ship_from or ShipFromAddress.objects.filter(vendor=vendor).order_by("pk").first()
    if ship_from is not None:
        parties["ship_from_address"] = _address_dict(ship_from)
    if purchase_order is not None:
        parties["bill_to_party_id"] = purchase_order.bill_to_party_id or purchase_order.buying_party_id
        parties["ship_to_party_id"] = purchase_order.ship_to.code
        parties["bill_to_address"] = {}
    return parties


# Reading a payload -----------------------------------------------------------------------------------
def _parse_decimal(value, where: str, errors: list, *, required=True, default=ZERO) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors.append(_error(where, _("This field is required."), "required"))
        return default
    if isinstance(value, float):
        errors.append(_error(where, _("Send amounts as decimal strings, e.g. \"10.20\"."), "invalid"))
        return default
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.append(_error(where, _("%(value)s is not a number.") % {"value": value}, "invalid"))
        return default
    if not number.is_finite() or number < 0:
        errors.append(_error(where, _("Give a number of zero or more."), "invalid"))
        return default
    if number != number.quantize(Decimal("0.0001")):
        errors.append(_error(where, _("At most 4 decimal places."), "invalid"))
        return default
    return number


def _parse_int(value, where: str, errors: list, *, minimum=1) -> int:
    if isinstance(value, bool) or value in (None, ""):
        errors.append(_error(where, _("This field is required."), "required"))
        return 0
    try:
        number = int(str(value))
    except ValueError:
        errors.append(_error(where, _("Give a whole number."), "invalid"))
        return 0
    if number < minimum:
        errors.append(_error(where, _("Give a number of at least %(n)s.") % {"n": minimum}, "invalid"))
    return number


def _parse_date(value, where: str, errors: list) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        errors.append(_error(where, _("Give a date as YYYY-MM-DD."), "invalid"))
        return None


def _choice(value, choices, where: str, errors: list, *, default=""):
    if value in (None, ""):
        return default
    if not isinstance(value, str) or value not in choices:
        errors.append(_error(where, _("%(value)s is not one of %(choices)s.") % {"value": value, "choices": ", ".join(sorted(choices))}, "invalid_choice"))
        return default
    return value


def _resolve_po_line(purchase_orders: dict, number: str, data: dict) -> PurchaseOrderLine | None:
    po = purchase_orders.get(number)
    if po is None:
        return None
    lines = list(po.lines.all())
    sequence = data.get("po_line_sequence")
    if sequence not in (None, ""):
        return next((line for line in lines if str(line.sequence) == str(sequence)), None)
    asin, sku = (data.get("asin") or "").strip(), (data.get("vendor_sku") or "").strip()
    for line in lines:
        if (asin and line.asin == asin) or (sku and line.vendor_sku == sku):
            return line
    return None


def _build_lines(invoice: Invoice, rows: list, errors: list, scope) -> list[InvoiceLine]:
    numbers = {str(row.get("purchase_order_number") or "").strip() for row in rows if isinstance(row, dict)} - {""}
    # Only POs the caller may see resolve (another vendor's, or another marketplace's for a limited member, do not).
    purchase_orders = {
        po.number: po
        for po in PurchaseOrder.objects.visible_to(scope).filter(vendor_id=invoice.vendor_id, number__in=numbers).prefetch_related("lines")
    }
    credited = {}
    credited_ids = [row.get("credited_line") for row in rows if isinstance(row, dict) and row.get("credited_line")]
    if credited_ids and invoice.reference_invoice_id:
        credited = {str(line.pk): line for line in InvoiceLine.objects.filter(invoice_id=invoice.reference_invoice_id, pk__in=[
            int(i) for i in credited_ids if str(i).isdigit()])}
    lines = []
    seen = set()
    for index, row in enumerate(rows):
        where = f"lines[{index}]"
        if not isinstance(row, dict):
            errors.append(_error(where, _("Each line is an object."), "invalid"))
            continue
        sequence = _parse_int(row.get("sequence", index + 1), f"{where}.sequence", errors)
        if sequence in seen:
            errors.append(_error(f"{where}.sequence", _("Line %(n)s appears twice.") % {"n": sequence}, "duplicate"))
        seen.add(sequence)
        number = str(row.get("purchase_order_number") or "").strip()
        po_line = _resolve_po_line(purchase_orders, number, row) if number else None
        quantity = _parse_int(row.get("quantity"), f"{where}.quantity", errors)
        unit_cost = _parse_decimal(row.get("unit_cost"), f"{where}.unit_cost", errors, required=po_line is None)
        if row.get("unit_cost") in (None, "") and po_line is not None:
            unit_cost = po_line.net_cost
        unit_cost = money(unit_cost)
        line_amount = money(quantity * unit_cost)
        tax_rate = _parse_decimal(row.get("tax_rate"), f"{where}.tax_rate", errors, required=False)
        tax_amount = _parse_decimal(row.get("tax_amount"), f"{where}.tax_amount", errors, required=False, default=None)
        if tax_amount is None:
            tax_amount = money(line_amount * tax_rate / 100)
        credited_line = None
        if row.get("credited_line"):
            credited_line = credited.get(str(row["credited_line"]))
            if credited_line is None:
                errors.append(_error(f"{where}.credited_line", _("This line is not on the credited invoice."), "not_found"))
        lines.append(
            InvoiceLine(
                invoice=invoice,
                sequence=sequence,
                purchase_order_line=po_line,
                purchase_order_number=number[:20],
                credited_line=credited_line,
                asin=(row.get("asin") or (po_line.asin if po_line else ""))[:10],
                vendor_sku=(row.get("vendor_sku") or (po_line.vendor_sku if po_line else ""))[:40],
                title=(row.get("title") or (po_line.title if po_line else ""))[:300],
                quantity=quantity,
                unit_of_measure=_choice(row.get("unit_of_measure"), UnitOfMeasure.values, f"{where}.unit_of_measure", errors,
                                        default=po_line.unit_of_measure if po_line else UnitOfMeasure.EACHES),
                unit_size=int(row.get("unit_size") or (po_line.unit_size if po_line else 1)),
                unit_cost=unit_cost,
                line_amount=line_amount,
                tax_type=_choice(row.get("tax_type"), TaxType.values, f"{where}.tax_type", errors, default=TaxType.VAT if tax_rate else ""),
                tax_rate=tax_rate,
                tax_amount=money(tax_amount),
            )
        )
    return lines


def _build_charges(invoice: Invoice, rows: list, errors: list) -> list[InvoiceCharge]:
    charges = []
    for index, row in enumerate(rows):
        where = f"charges[{index}]"
        if not isinstance(row, dict):
            errors.append(_error(where, _("Each charge is an object."), "invalid"))
            continue
        kind = _choice(row.get("kind"), ChargeKind.values, f"{where}.kind", errors, default=ChargeKind.CHARGE)
        allowed = ALLOWANCE_TYPES if kind == ChargeKind.ALLOWANCE else CHARGE_TYPES
        charge_type = _choice(row.get("charge_type"), allowed, f"{where}.charge_type", errors)
        if not charge_type:
            charge_type = "Special" if kind == ChargeKind.ALLOWANCE else "Service"
        amount = money(_parse_decimal(row.get("amount"), f"{where}.amount", errors))
        tax_rate = _parse_decimal(row.get("tax_rate"), f"{where}.tax_rate", errors, required=False)
        tax_amount = _parse_decimal(row.get("tax_amount"), f"{where}.tax_amount", errors, required=False, default=None)
        if tax_amount is None:
            tax_amount = amount * tax_rate / 100
        charges.append(
            InvoiceCharge(
                invoice=invoice, kind=kind, charge_type=charge_type, description=str(row.get("description") or "")[:200], amount=amount,
                tax_type=_choice(row.get("tax_type"), TaxType.values, f"{where}.tax_type", errors, default=TaxType.VAT if tax_rate else ""),
                tax_rate=tax_rate, tax_amount=money(tax_amount),
            )
        )
    return charges


def _build_taxes(invoice: Invoice, rows: list, errors: list) -> list[InvoiceTax]:
    taxes = []
    for index, row in enumerate(rows):
        where = f"taxes[{index}]"
        if not isinstance(row, dict):
            errors.append(_error(where, _("Each tax is an object."), "invalid"))
            continue
        tax_type = _choice(row.get("tax_type"), TaxType.values, f"{where}.tax_type", errors) or TaxType.VAT
        taxes.append(
            InvoiceTax(
                invoice=invoice, tax_type=tax_type, rate=_parse_decimal(row.get("rate"), f"{where}.rate", errors, required=False),
                taxable_amount=money(_parse_decimal(row.get("taxable_amount"), f"{where}.taxable_amount", errors, required=False)),
                amount=money(_parse_decimal(row.get("amount"), f"{where}.amount", errors)),
            )
        )
    return taxes


HEADER_FIELDS = {
    "number", "invoice_type", "invoice_date", "currency", "marketplace", "payment_terms", "discount_percent", "discount_due_days",
    "due_date", "remit_to_party_id", "remit_to_address", "ship_from_party_id", "ship_from_address", "bill_to_party_id",
    "bill_to_address", "ship_to_party_id", "reference_invoice_number", "credit_reason", "credit_reference",
    "purchase_order_number", "lines", "charges", "taxes", "grand_total",
}


def _apply_header(invoice: Invoice, data: dict, errors: list, *, scope) -> None:
    unknown = set(data) - HEADER_FIELDS - {"invoice_id", "id", "state", "source"}
    for name in sorted(unknown):
        errors.append(_error(name, _("Unknown field."), "unknown_field"))
    if "number" in data:
        number = str(data.get("number") or "").strip()
        if not number or len(number) > 40:
            errors.append(_error("number", _("An invoice number is 1 to 40 characters."), "invalid"))
        invoice.number = number[:40]
    if "invoice_type" in data:
        invoice.invoice_type = _choice(data["invoice_type"], InvoiceType.values, "invoice_type", errors, default=InvoiceType.INVOICE)
    if "invoice_date" in data:
        invoice.invoice_date = _parse_date(data["invoice_date"], "invoice_date", errors) or invoice.invoice_date
    if "marketplace" in data:
        marketplace = Marketplace.objects.filter(code=str(data["marketplace"] or "").upper()).first()
        if marketplace is None or not scope.sees_marketplace(marketplace.pk):
            errors.append(_error("marketplace", _("Unknown marketplace."), "not_found"))
        else:
            invoice.marketplace = marketplace
    if "currency" in data:
        currency = str(data.get("currency") or "").upper()
        if len(currency) != 3 or not currency.isalpha():
            errors.append(_error("currency", _("A currency is a three-letter ISO 4217 code."), "invalid"))
        invoice.currency = currency[:3]
    if "payment_terms" in data:
        invoice.payment_terms = _choice(data["payment_terms"], PaymentTerms.values, "payment_terms", errors, default=invoice.payment_terms)
    if "discount_percent" in data:
        invoice.discount_percent = _parse_decimal(data["discount_percent"], "discount_percent", errors, required=False)
    if "discount_due_days" in data:
        invoice.discount_due_days = _parse_int(data["discount_due_days"] or 0, "discount_due_days", errors, minimum=0)
    for name in ("remit_to_party_id", "ship_from_party_id", "bill_to_party_id", "ship_to_party_id"):
        if name in data:
            setattr(invoice, name, str(data[name] or "")[:20])
    for name in ("remit_to_address", "ship_from_address", "bill_to_address"):
        if name in data:
            if not isinstance(data[name], dict):
                errors.append(_error(name, _("An address is an object."), "invalid"))
            else:
                setattr(invoice, name, data[name])
    if "credit_reason" in data:
        invoice.credit_reason = _choice(data["credit_reason"], CreditNoteReason.values, "credit_reason", errors)
    if "credit_reference" in data:
        invoice.credit_reference = str(data["credit_reference"] or "")[:60]
    if data.get("reference_invoice_number"):
        reference = Invoice.objects.for_vendor(invoice.vendor).filter(number=str(data["reference_invoice_number"])).first()
        if reference is None:
            errors.append(_error("reference_invoice_number", _("Invoice %(n)s not found.") % {"n": data["reference_invoice_number"]}, "not_found"))
        else:
            invoice.reference_invoice = reference
    if invoice.invoice_type == InvoiceType.INVOICE and (invoice.reference_invoice_id or invoice.credit_reason or invoice.credit_reference):
        errors.append(_error("reference_invoice_number", _("Credit note details belong only on a credit note."), "credit_details_on_invoice"))
    invoice.due_date = _parse_date(data["due_date"], "due_date", errors) if data.get("due_date") else (
        due_date_for(invoice.invoice_date, invoice.payment_terms) if invoice.invoice_date else None
    )


def _save_document(document: InvoiceDocument, *, replace_rows: bool) -> None:
    invoice = document.invoice
    invoice.save()
    if replace_rows:
        InvoiceLine.objects.filter(invoice=invoice).delete()
        InvoiceCharge.objects.filter(invoice=invoice).delete()
        InvoiceTax.objects.filter(invoice=invoice).delete()
    # Rows are written in bulk: the invoice's audit event carries every line, charge and tax.
    for row in document.lines + document.charges + document.taxes:
        row.invoice = invoice
    document.lines = InvoiceLine.objects.bulk_create(document.lines)
    document.charges = InvoiceCharge.objects.bulk_create(document.charges)
    document.taxes = InvoiceTax.objects.bulk_create(document.taxes)


def build_document(*, scope, data: dict, invoice: Invoice | None = None) -> tuple[InvoiceDocument, list[dict]]:
    """A draft from a payload, unsaved: used to create, to edit and to pre-flight without saving."""
    errors: list[dict] = []
    if not isinstance(data, dict):
        return InvoiceDocument(Invoice(vendor=scope.vendor)), [_error(None, _("The body must be a JSON object."), "invalid")]
    if invoice is None:
        invoice = Invoice(vendor=scope.vendor, invoice_date=timezone.localdate(), source=InvoiceSource.MANUAL)
    _apply_header(invoice, data, errors, scope=scope)
    existing = InvoiceDocument.load(invoice) if invoice.pk else InvoiceDocument(invoice)
    lines = _build_lines(invoice, data["lines"], errors, scope) if isinstance(data.get("lines"), list) else existing.lines
    if "lines" in data and not isinstance(data.get("lines"), list):
        errors.append(_error("lines", _("Lines are a list."), "invalid"))
    charges = _build_charges(invoice, data["charges"], errors) if isinstance(data.get("charges"), list) else existing.charges
    document = InvoiceDocument(invoice, lines, charges, [])
    if isinstance(data.get("taxes"), list):
        document.taxes = _build_taxes(invoice, data["taxes"], errors)
    elif "lines" in data or "charges" in data or not invoice.pk:
        document.taxes = derive_taxes(document)
    else:
        document.taxes = existing.taxes
    # The first PO named is the invoice's marketplace, currency and bill-to, unless the payload says.
    first_po = next((line.purchase_order_line.purchase_order for line in lines if line.purchase_order_line_id), None)
    if invoice.marketplace_id is None:
        if first_po is not None:
            invoice.marketplace = first_po.marketplace
        else:
            errors.append(_error("marketplace", _("Name the marketplace, or a purchase order on a line."), "required"))
    if not invoice.currency:
        invoice.currency = first_po.currency if first_po else (invoice.marketplace.currency if invoice.marketplace_id else "")
    if invoice.purchase_order_id is None and first_po is not None:
        invoice.purchase_order = first_po
    if invoice.invoice_date and not data.get("due_date"):
        invoice.due_date = due_date_for(invoice.invoice_date, invoice.payment_terms)
    stated = data.get("grand_total")
    stated_total = _parse_decimal(stated, "grand_total", errors, required=False, default=None) if stated not in (None, "") else None
    apply_totals(document, stated_total=stated_total)
    return document, errors


def _fill_party_defaults(invoice: Invoice) -> None:
    if invoice.remit_to_party_id and invoice.remit_to_address:
        return
    parties = default_parties(vendor=invoice.vendor, marketplace=invoice.marketplace, purchase_order=invoice.purchase_order)
    for name, value in parties.items():
        if not getattr(invoice, name):
            setattr(invoice, name, value)


# Drafts ----------------------------------------------------------------------------------------------
def invoice_create(*, scope, data: dict, actor: Actor, source: str = InvoiceSource.MANUAL) -> Invoice:
    """A draft invoice or credit note from a payload (API, screens, the Amazon door). Nothing is checked
    beyond the shape here: the hard checks run at submission."""
    _require_vendor(scope)
    document, errors = build_document(scope=scope, data=data)
    invoice = document.invoice
    if not invoice.number and not any(e["field"] == "number" for e in errors):
        errors.append(_error("number", _("Give the invoice number."), "required"))
    if errors:
        _refuse(errors, _("The invoice draft was not saved."))
    invoice.source = source
    invoice.created_by = actor.user
    _fill_party_defaults(invoice)
    if invoice.invoice_type == InvoiceType.CREDIT_NOTE and invoice.source == InvoiceSource.MANUAL and invoice.reference_invoice_id:
        invoice.source = InvoiceSource.CREDIT
    return _store_new(document, actor)


def _store_new(document: InvoiceDocument, actor: Actor) -> Invoice:
    invoice = document.invoice
    try:
        with transaction.atomic():
            _check_number_free(invoice)
            _save_document(document, replace_rows=False)
            audit_record(actor=actor, action="invoice.create", obj=invoice, after=document.audit_state())
    except IntegrityError:
        _refuse([_duplicate_number_error(invoice)])
    return invoice


def _duplicate_number_error(invoice: Invoice) -> dict:
    return _error("number", _("Invoice number %(n)s was already used.") % {"n": invoice.number}, "duplicate")


def _check_number_free(invoice: Invoice) -> None:
    if Invoice.objects.filter(vendor=invoice.vendor, number=invoice.number).exclude(pk=invoice.pk).exists():
        _refuse([_duplicate_number_error(invoice)])


def _require_vendor(scope) -> None:
    if scope is None or scope.vendor is None:
        raise ForbiddenError(_("Only a vendor's people and tokens write invoices."))


def _locked_invoice(scope, invoice_id) -> Invoice:
    try:
        invoice = Invoice.objects.visible_to(scope).select_for_update().filter(pk=int(invoice_id)).first()
    except (TypeError, ValueError):
        invoice = None
    if invoice is None:
        raise NotFoundError(_("Invoice not found."))
    return invoice


def invoice_update(*, scope, invoice_id, data: dict, actor: Actor) -> Invoice:
    """Edit a draft: header fields, and the lines / charges / taxes lists when given (each replaces the old)."""
    _require_vendor(scope)
    with transaction.atomic():
        invoice = _locked_invoice(scope, invoice_id)
        if not invoice.is_editable:
            raise InvalidTransitionError(_("Invoice %(n)s is %(state)s: only a draft can be changed.") % {"n": invoice.number, "state": invoice.get_state_display().lower()})
        before = InvoiceDocument.load(invoice).audit_state()
        if "invoice_type" in data and data["invoice_type"] != invoice.invoice_type:
            raise DomainValidationError(_("The type of a draft cannot change; start a new one."), field="invoice_type")
        document, errors = build_document(scope=scope, data=data, invoice=invoice)
        if errors:
            _refuse(errors, _("The changes were not saved."))
        _check_number_free(invoice)
        try:
            with transaction.atomic():
                _save_document(document, replace_rows=True)
        except IntegrityError:
            _refuse([_duplicate_number_error(invoice)])
        audit_record(actor=actor, action="invoice.update", obj=invoice, before=before, after=document.audit_state())
    return invoice


def invoiceable_quantity(line: PurchaseOrderLine) -> int:
    """Units a flip proposes: received when known, else shipped, else accepted; minus what was invoiced."""
    basis = line.received_quantity or line.shipped_quantity or line.accepted_quantity
    return max(0, basis - line.invoiced_quantity)


def _next_number(vendor, base: str) -> str:
    taken = set(Invoice.objects.filter(vendor=vendor, number__startswith=base).values_list("number", flat=True))
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def _line_payload(po_line: PurchaseOrderLine, quantity: int, vat_rate) -> dict:
    row = {
        "purchase_order_number": po_line.purchase_order.number, "po_line_sequence": po_line.sequence, "asin": po_line.asin,
        "vendor_sku": po_line.vendor_sku, "title": po_line.title, "quantity": quantity, "unit_cost": str(po_line.net_cost),
        "unit_of_measure": po_line.unit_of_measure, "unit_size": po_line.unit_size,
    }
    if vat_rate:
        row.update(tax_type=TaxType.VAT, tax_rate=str(vat_rate))
    return row


def invoice_from_purchase_order(*, scope, po_number: str, actor: Actor, number: str = "", invoice_date=None) -> Invoice:
    """Flip a PO into a draft invoice: every line still to invoice, at the PO's net cost."""
    _require_vendor(scope)
    po = PurchaseOrder.objects.visible_to(scope).select_related("marketplace", "ship_to").filter(number=str(po_number or "").strip()).first()
    if po is None:
        raise NotFoundError(_("Purchase order %(number)s not found.") % {"number": po_number}, field="po_number")
    vat = DEFAULT_VAT_RATE.get(po.marketplace.code)
    rows = [_line_payload(line, invoiceable_quantity(line), vat) for line in po.lines.order_by("sequence") if invoiceable_quantity(line) > 0]
    if not rows:
        raise DomainValidationError(_("Nothing on PO %(number)s is left to invoice.") % {"number": po.number}, field="po_number")
    for index, row in enumerate(rows):
        row["sequence"] = index + 1
    data = {
        "number": number or _next_number(po.vendor, f"INV-{po.number}"), "invoice_type": InvoiceType.INVOICE,
        "invoice_date": (invoice_date or _marketplace_today(po.marketplace)).isoformat(), "marketplace": po.marketplace.code,
        "currency": po.currency, "payment_terms": po.payment_terms, "lines": rows,
    }
    if po.payment_terms == PaymentTerms.NET_30_2_10:
        data.update(discount_percent="2", discount_due_days=10)
    document, errors = build_document(scope=scope, data=data)
    if errors:
        _refuse(errors)
    document.invoice.purchase_order = po
    document.invoice.source = InvoiceSource.PURCHASE_ORDER
    document.invoice.created_by = actor.user
    _fill_party_defaults(document.invoice)
    return _store_new(document, actor)


def invoice_from_shipment(*, scope, shipment_id, actor: Actor, number: str = "", invoice_date=None) -> Invoice:
    """Flip a submitted ASN into a draft invoice: its lines and quantities (less anything already invoiced)."""
    from shipments.models import Shipment, ShipmentState

    _require_vendor(scope)
    try:
        shipment = Shipment.objects.visible_to(scope).select_related("marketplace", "ship_from").filter(pk=int(shipment_id)).first()
    except (TypeError, ValueError):
        shipment = None
    if shipment is None:
        raise NotFoundError(_("Shipment not found."), field="shipment_id")
    if shipment.state in (ShipmentState.DRAFT, ShipmentState.CANCELLED):
        raise InvalidTransitionError(_("Only a submitted ASN can be invoiced; %(id)s is %(state)s.") % {"id": shipment.shipment_identifier, "state": shipment.get_state_display().lower()})
    vat = DEFAULT_VAT_RATE.get(shipment.marketplace.code)
    rows = []
    purchase_orders = []
    for shipment_line in shipment.lines.select_related("purchase_order_line__purchase_order").order_by("purchase_order_line__purchase_order__number", "purchase_order_line__sequence"):
        po_line = shipment_line.purchase_order_line
        # This ASN's units, unless the PO line's shipped units were already invoiced (e.g. from the PO or another ASN).
        quantity = min(shipment_line.quantity, max(0, po_line.shipped_quantity - po_line.invoiced_quantity))
        if quantity > 0:
            rows.append(_line_payload(po_line, quantity, vat))
            purchase_orders.append(po_line.purchase_order)
    if not rows:
        raise DomainValidationError(_("Nothing on ASN %(id)s is left to invoice.") % {"id": shipment.shipment_identifier}, field="shipment_id")
    for index, row in enumerate(rows):
        row["sequence"] = index + 1
    first_po = purchase_orders[0]
    data = {
        "number": number or _next_number(shipment.vendor, f"INV-{shipment.shipment_identifier}"[:40]),
        "invoice_type": InvoiceType.INVOICE, "invoice_date": (invoice_date or _marketplace_today(shipment.marketplace)).isoformat(),
        "marketplace": shipment.marketplace.code, "currency": first_po.currency, "payment_terms": first_po.payment_terms, "lines": rows,
    }
    document, errors = build_document(scope=scope, data=data)
    if errors:
        _refuse(errors)
    invoice = document.invoice
    invoice.purchase_order = first_po
    invoice.source = InvoiceSource.SHIPMENT
    invoice.shipment_id = shipment.pk
    invoice.shipment_identifier = shipment.shipment_identifier[:40]
    invoice.created_by = actor.user
    parties = default_parties(vendor=shipment.vendor, marketplace=shipment.marketplace, purchase_order=first_po, ship_from=shipment.ship_from)
    for name, value in parties.items():
        setattr(invoice, name, value)
    return _store_new(document, actor)


def credit_note_create(
    *, scope, reference_invoice_id, actor: Actor, number: str = "", reason: str = CreditNoteReason.QUANTITY_CORRECTION,
    reference: str = "", lines: list[dict] | None = None,
) -> Invoice:
    """A draft credit note against a sent invoice. `lines` [{"credited_line", "quantity", "unit_cost"}]; by default
    every line at its full quantity and cost, for the vendor to trim."""
    _require_vendor(scope)
    original = Invoice.objects.visible_to(scope).filter(pk=reference_invoice_id).first() if str(reference_invoice_id).isdigit() else None
    if original is None:
        raise NotFoundError(_("Invoice not found."), field="reference_invoice")
    if original.invoice_type != InvoiceType.INVOICE or original.state not in SENT_STATES:
        raise InvalidTransitionError(_("A credit note needs a submitted invoice to credit."))
    original_lines = {line.pk: line for line in original.lines.all()}
    if lines is None:
        lines = [{"credited_line": pk, "quantity": line.quantity, "unit_cost": str(line.unit_cost)} for pk, line in original_lines.items()]
    rows = []
    for index, row in enumerate(lines):
        credited = original_lines.get(int(row.get("credited_line") or 0)) if str(row.get("credited_line") or "").isdigit() else None
        if credited is None:
            _refuse([_error(f"lines[{index}].credited_line", _("This line is not on invoice %(n)s.") % {"n": original.number}, "not_found")])
        rows.append({
            "sequence": index + 1, "credited_line": credited.pk, "purchase_order_number": credited.purchase_order_number,
            "po_line_sequence": credited.purchase_order_line.sequence if credited.purchase_order_line_id else None,
            "asin": credited.asin, "vendor_sku": credited.vendor_sku, "title": credited.title,
            "quantity": row.get("quantity", credited.quantity), "unit_cost": row.get("unit_cost", str(credited.unit_cost)),
            "unit_of_measure": credited.unit_of_measure, "unit_size": credited.unit_size,
            "tax_type": credited.tax_type, "tax_rate": str(credited.tax_rate),
        })
    data = {
        "number": number or _next_number(original.vendor, f"CN-{original.number}"[:40]), "invoice_type": InvoiceType.CREDIT_NOTE,
        "invoice_date": _marketplace_today(original.marketplace).isoformat(), "marketplace": original.marketplace.code,
        "currency": original.currency, "payment_terms": original.payment_terms, "reference_invoice_number": original.number,
        "credit_reason": reason, "credit_reference": reference, "lines": rows,
    }
    document, errors = build_document(scope=scope, data=data)
    if errors:
        _refuse(errors)
    invoice = document.invoice
    invoice.source = InvoiceSource.CREDIT
    invoice.purchase_order_id = original.purchase_order_id
    invoice.created_by = actor.user
    for name in ("remit_to_party_id", "remit_to_address", "ship_from_party_id", "ship_from_address", "bill_to_party_id", "bill_to_address", "ship_to_party_id"):
        setattr(invoice, name, getattr(original, name))
    return _store_new(document, actor)


def invoice_delete_draft(*, scope, invoice_id, actor: Actor) -> None:
    _require_vendor(scope)
    with transaction.atomic():
        invoice = _locked_invoice(scope, invoice_id)
        if not invoice.is_editable:
            raise InvalidTransitionError(_("Only a draft can be deleted."))
        before = InvoiceDocument.load(invoice).audit_state()
        audit_record(actor=actor, action="invoice.delete", obj=invoice, before=before)
        invoice.delete()


# Hard checks -----------------------------------------------------------------------------------------
def _sent_quantities(po_line_ids, *, exclude_invoice_id) -> dict[int, int]:
    """Units the sent invoices bill per PO line, less the units accepted credit notes took back (quantity
    corrections): what the 3-way match counts as already invoiced."""
    rows = (
        InvoiceLine.objects.filter(purchase_order_line_id__in=po_line_ids, invoice__state__in=SENT_STATES, invoice__invoice_type=InvoiceType.INVOICE)
        .exclude(invoice_id=exclude_invoice_id)
        .values("purchase_order_line_id")
        .annotate(total=Sum("quantity"))
    )
    sent = {row["purchase_order_line_id"]: row["total"] for row in rows}
    credited = (
        InvoiceLine.objects.filter(
            credited_line__purchase_order_line_id__in=po_line_ids, credited_line__invoice__state__in=SENT_STATES,
            credited_line__invoice__invoice_type=InvoiceType.INVOICE, invoice__invoice_type=InvoiceType.CREDIT_NOTE,
            invoice__state__in=CREDIT_COUNTED_STATES, invoice__credit_reason=CreditNoteReason.QUANTITY_CORRECTION,
        )
        .exclude(credited_line__invoice_id=exclude_invoice_id)
        .values("credited_line__purchase_order_line_id")
        .annotate(total=Sum("quantity"))
    )
    for row in credited:
        po_line_id = row["credited_line__purchase_order_line_id"]
        sent[po_line_id] = max(0, sent.get(po_line_id, 0) - row["total"])
    return sent


def invoice_check(document: InvoiceDocument, *, today: datetime.date | None = None) -> list[dict]:
    """The hard checks: every reason the retailer would refuse this invoice, one error each."""
    invoice = document.invoice
    errors: list[dict] = []
    is_invoice = invoice.invoice_type == InvoiceType.INVOICE
    if not invoice.number:
        errors.append(_error("number", _("Give the invoice number."), "required"))
    elif Invoice.objects.filter(vendor_id=invoice.vendor_id, number=invoice.number).exclude(pk=invoice.pk).exists():
        errors.append(_duplicate_number_error(invoice))
    if invoice.invoice_date:
        # The vendor dates the invoice in its own time zone: a date is in the future only if it is
        # tomorrow everywhere on earth (UTC+14).
        today = today or (timezone.now() + datetime.timedelta(hours=14)).date()
        if invoice.invoice_date > today:
            errors.append(_error("invoice_date", _("The invoice date %(date)s is in the future.") % {"date": invoice.invoice_date.isoformat()}, "future_date"))
    if not document.lines:
        errors.append(_error("lines", _("An invoice needs at least one line."), "required"))

    # Purchase orders: the vendor's own, in the invoice's currency.
    numbers = {line.purchase_order_number for line in document.lines if line.purchase_order_number}
    purchase_orders = {po.number: po for po in PurchaseOrder.objects.filter(vendor_id=invoice.vendor_id, number__in=numbers)}
    wrong_currency = set()
    for index, line in enumerate(document.lines):
        where = f"lines[{index}]"
        if line.quantity <= 0:
            errors.append(_error(f"{where}.quantity", _("The quantity must be above zero."), "invalid"))
        if line.credited_line_id and is_invoice:
            errors.append(_error(f"{where}.credited_line", _("Credit note details belong only on a credit note."), "credit_details_on_invoice"))
        if not line.purchase_order_number:
            if is_invoice:
                errors.append(_error(f"{where}.purchase_order_number", _("Every line of an invoice names its purchase order."), "required"))
            continue
        po = purchase_orders.get(line.purchase_order_number)
        if po is None:
            errors.append(_error(f"{where}.purchase_order_number", _("Purchase order %(n)s not found.") % {"n": line.purchase_order_number}, "not_found"))
            continue
        if line.purchase_order_line_id is None or line.purchase_order_line.purchase_order_id != po.pk:
            errors.append(_error(f"{where}.vendor_sku", _("This item is not on purchase order %(n)s.") % {"n": po.number}, "not_on_po"))
        if po.currency != invoice.currency and po.number not in wrong_currency:
            wrong_currency.add(po.number)
            errors.append(_error("currency", _("Purchase order %(n)s is in %(po)s; the invoice is in %(inv)s.") % {"n": po.number, "po": po.currency, "inv": invoice.currency}, "currency_mismatch"))

    # Arithmetic: each line, then the header.
    for index, line in enumerate(document.lines):
        if line.line_amount != money(line.quantity * line.unit_cost):
            errors.append(_error(f"lines[{index}].line_amount", _("%(q)s × %(c)s is %(t)s, not %(a)s.") % {"q": line.quantity, "c": line.unit_cost, "t": money(line.quantity * line.unit_cost), "a": line.line_amount}, "arithmetic"))
    totals = computed_totals(document)
    for name in ("items_subtotal", "charges_total", "allowances_total"):
        if abs(getattr(invoice, name) - totals[name]) > ROUNDING_TOLERANCE:
            errors.append(_error(name, _("%(field)s is %(stated)s but its rows add up to %(sum)s.") % {"field": name, "stated": getattr(invoice, name), "sum": totals[name]}, "arithmetic"))
    if abs(totals["row_tax"] - totals["header_tax"]) > ROUNDING_TOLERANCE:
        errors.append(_error("taxes", _("The line and charge taxes add up to %(rows)s but the invoice's taxes are %(header)s.") % {"rows": totals["row_tax"], "header": totals["header_tax"]}, "tax_mismatch"))
    if abs(invoice.tax_total - totals["header_tax"]) > ROUNDING_TOLERANCE:
        errors.append(_error("tax_total", _("The tax total is %(stated)s but the taxes add up to %(sum)s.") % {"stated": invoice.tax_total, "sum": totals["header_tax"]}, "arithmetic"))
    expected = money(invoice.items_subtotal + invoice.charges_total - invoice.allowances_total + invoice.tax_total)
    if abs(invoice.grand_total - expected) > ROUNDING_TOLERANCE:
        errors.append(_error("grand_total", _("Items + charges − allowances + tax is %(sum)s, not %(stated)s.") % {"sum": expected, "stated": invoice.grand_total}, "arithmetic"))
    if invoice.grand_total <= 0:
        errors.append(_error("grand_total", _("The total is zero."), "zero_total"))

    if is_invoice:
        if invoice.reference_invoice_id or invoice.credit_reason:
            errors.append(_error("reference_invoice_number", _("Credit note details belong only on a credit note."), "credit_details_on_invoice"))
        errors.extend(_over_invoicing_errors(document))
    else:
        errors.extend(_credit_limit_errors(document))
    return errors


def _over_invoicing_errors(document: InvoiceDocument) -> list[dict]:
    """A PO line is invoiced at most up to what was shipped (or accepted, before anything shipped)."""
    errors = []
    wanted: dict[int, int] = {}
    for line in document.lines:
        if line.purchase_order_line_id:
            wanted[line.purchase_order_line_id] = wanted.get(line.purchase_order_line_id, 0) + line.quantity
    already = _sent_quantities(list(wanted), exclude_invoice_id=document.invoice.pk)
    reported = set()
    for index, line in enumerate(document.lines):
        po_line = line.purchase_order_line
        if po_line is None or po_line.pk in reported:
            continue
        limit = po_line.shipped_quantity or po_line.accepted_quantity
        if already.get(po_line.pk, 0) + wanted[po_line.pk] > limit:
            reported.add(po_line.pk)
            errors.append(_error(
                f"lines[{index}].quantity",
                _("PO %(n)s line %(s)s: %(limit)s units were shipped/accepted, %(before)s are already invoiced and this invoice adds %(now)s.")
                % {"n": line.purchase_order_number, "s": po_line.sequence, "limit": limit, "before": already.get(po_line.pk, 0), "now": wanted[po_line.pk]},
                "over_invoiced",
            ))
    return errors


def _credit_limit_errors(document: InvoiceDocument) -> list[dict]:
    invoice = document.invoice
    reference = invoice.reference_invoice
    if reference is None:
        return [_error("reference_invoice_number", _("A credit note names the invoice it credits."), "required")]
    errors = []
    if reference.invoice_type != InvoiceType.INVOICE or reference.state not in SENT_STATES:
        errors.append(_error("reference_invoice_number", _("Invoice %(n)s was never submitted; it cannot be credited.") % {"n": reference.number}, "invalid_reference"))
    if reference.currency != invoice.currency:
        errors.append(_error("currency", _("The credited invoice is in %(c)s.") % {"c": reference.currency}, "currency_mismatch"))
    earlier = InvoiceLine.objects.filter(
        credited_line__invoice=reference, invoice__state__in=SENT_STATES, invoice__invoice_type=InvoiceType.CREDIT_NOTE
    ).exclude(invoice_id=invoice.pk).values("credited_line_id").annotate(quantity=Sum("quantity"), amount=Sum("line_amount"))
    earlier = {row["credited_line_id"]: row for row in earlier}
    for index, line in enumerate(document.lines):
        original = line.credited_line
        if original is None:
            errors.append(_error(f"lines[{index}].credited_line", _("Each credit note line names the invoice line it credits."), "required"))
            continue
        before = earlier.get(original.pk, {"quantity": 0, "amount": ZERO})
        if before["quantity"] + line.quantity > original.quantity:
            errors.append(_error(f"lines[{index}].quantity", _("Line %(s)s of %(n)s had %(q)s units; %(before)s are already credited.") % {"s": original.sequence, "n": reference.number, "q": original.quantity, "before": before["quantity"]}, "over_credited"))
        if line.unit_cost > original.unit_cost:
            errors.append(_error(f"lines[{index}].unit_cost", _("The credited cost cannot be above the invoiced %(c)s.") % {"c": original.unit_cost}, "over_credited"))
        elif before["amount"] + line.line_amount > original.line_amount:
            errors.append(_error(f"lines[{index}].line_amount", _("Line %(s)s of %(n)s was %(a)s; %(before)s is already credited.") % {"s": original.sequence, "n": reference.number, "a": original.line_amount, "before": before["amount"]}, "over_credited"))
    credited_before = Invoice.objects.filter(reference_invoice=reference, state__in=SENT_STATES).exclude(pk=invoice.pk).aggregate(total=Sum("grand_total"))["total"] or ZERO
    if credited_before + invoice.grand_total > reference.grand_total:
        errors.append(_error("grand_total", _("Invoice %(n)s totalled %(t)s and %(before)s is already credited.") % {"n": reference.number, "t": reference.grand_total, "before": credited_before}, "over_credited"))
    return errors


# Pre-flight match ------------------------------------------------------------------------------------
def invoice_preflight(*, scope, invoice: Invoice | InvoiceDocument) -> dict:
    """The claims the retailer's 3-way match would raise, line by line, and the hard-check errors.

    Price claim (PPV): (invoiced cost − PO cost) × quantity when the invoice asks more than the PO.
    Shortage claim (PQV): units invoiced beyond those received (less what earlier invoices took) × invoiced cost.
    """
    document = invoice if isinstance(invoice, InvoiceDocument) else InvoiceDocument.load(invoice)
    if document.invoice.vendor_id != getattr(scope.vendor, "pk", document.invoice.vendor_id) and not scope.is_retailer:
        raise NotFoundError(_("Invoice not found."))
    po_line_ids = [line.purchase_order_line_id for line in document.lines if line.purchase_order_line_id]
    earlier = _sent_quantities(po_line_ids, exclude_invoice_id=document.invoice.pk)
    rows, used = [], {}
    price_total = shortage_total = ZERO
    is_invoice = document.invoice.invoice_type == InvoiceType.INVOICE
    for index, line in enumerate(document.lines):
        po_line = line.purchase_order_line
        row = {
            "index": index, "sequence": line.sequence, "purchase_order_number": line.purchase_order_number, "asin": line.asin,
            "vendor_sku": line.vendor_sku, "invoiced_quantity": line.quantity, "invoiced_cost": line.unit_cost,
            "po_cost": None, "received_quantity": None, "previously_invoiced_quantity": None,
            "price_claim": ZERO, "shortage_claim": ZERO, "shortage_units": 0, "warnings": [],
        }
        if po_line is not None and is_invoice:
            prior = earlier.get(po_line.pk, 0) + used.get(po_line.pk, 0)
            used[po_line.pk] = used.get(po_line.pk, 0) + line.quantity
            row.update(po_cost=po_line.net_cost, received_quantity=po_line.received_quantity, previously_invoiced_quantity=prior)
            if line.unit_cost > po_line.net_cost:
                row["price_claim"] = money((line.unit_cost - po_line.net_cost) * line.quantity)
                row["warnings"].append(_("Unit cost %(inv)s is above the PO cost %(po)s: a price claim (PPV) of %(claim)s.") % {"inv": line.unit_cost, "po": po_line.net_cost, "claim": row["price_claim"]})
            received_left = max(0, po_line.received_quantity - prior)
            if line.quantity > received_left:
                row["shortage_units"] = line.quantity - received_left
                row["shortage_claim"] = money(row["shortage_units"] * line.unit_cost)
                row["warnings"].append(_("%(units)s units more than received: a shortage claim (PQV) of %(claim)s.") % {"units": row["shortage_units"], "claim": row["shortage_claim"]})
            price_total += row["price_claim"]
            shortage_total += row["shortage_claim"]
        rows.append(row)
    claims = money(price_total + shortage_total)
    return {
        "lines": rows,
        "price_claim_total": money(price_total),
        "shortage_claim_total": money(shortage_total),
        "claims_total": claims,
        "grand_total": document.invoice.grand_total,
        "expected_payment": money(document.invoice.grand_total - claims) if is_invoice else document.invoice.grand_total,
        "currency": document.invoice.currency,
        "errors": invoice_check(document),
    }


def invoice_preflight_draft(*, scope, data: dict, invoice: Invoice | None = None) -> dict:
    """The pre-flight of a payload (a new draft, or changes to `invoice`) without saving anything."""
    _require_vendor(scope)
    if invoice is not None:
        invoice = Invoice.objects.visible_to(scope).get(pk=invoice.pk)
    document, errors = build_document(scope=scope, data=data, invoice=invoice)
    if errors:
        _refuse(errors, _("The draft cannot be read."))
    return invoice_preflight(scope=scope, invoice=document)


# Submission and approval -----------------------------------------------------------------------------
def _set_state(invoice: Invoice, state: str, actor: Actor, *, action: str, extra_fields=(), note: str = "") -> None:
    if not invoice.can_transition_to(state):
        raise InvalidTransitionError(
            _("Invoice %(n)s is %(state)s and cannot become %(target)s.") % {"n": invoice.number, "state": invoice.get_state_display().lower(), "target": InvoiceState(state).label.lower()}
        )
    before = snapshot(invoice, INVOICE_AUDITED)
    invoice.state = state
    invoice.state_changed_at = timezone.now()
    invoice.save(update_fields=["state", "state_changed_at", "updated_at", *extra_fields])
    after = snapshot(invoice, INVOICE_AUDITED)
    if note:
        after["note"] = note
    audit_record(actor=actor, action=action, obj=invoice, before=before, after=after)
    _notify_state(invoice)


def _notify_state(invoice: Invoice) -> None:
    title = _("%(type)s %(number)s: %(state)s") % {
        "type": invoice.get_invoice_type_display(), "number": invoice.number, "state": invoice.get_state_display().lower(),
    }
    notify_vendor_roles(
        vendor=invoice.vendor, roles=FINANCE_ROLES, marketplace=invoice.marketplace, kind=f"invoice_{invoice.state}",
        title=title, body=invoice.rejection_reason if invoice.state == InvoiceState.REJECTED else "",
        url=f"/invoices/{invoice.pk}/",
    )
    if invoice.state == InvoiceState.SUBMITTED:
        notify_retailer_roles(
            roles=[Role.ACCOUNTS_PAYABLE], kind="invoice_submitted", vendor=invoice.vendor,
            title=_("New %(type)s %(n)s from %(vendor)s") % {"type": invoice.get_invoice_type_display().lower(), "n": invoice.number, "vendor": invoice.vendor.code},
            url=f"/invoices/{invoice.pk}/",
        )


def _lock_po_lines(document: InvoiceDocument) -> None:
    """Lock the PO lines (id order) so two invoices for the same units cannot pass the check at once."""
    ids = sorted({line.purchase_order_line_id for line in document.lines if line.purchase_order_line_id})
    if ids:
        list(PurchaseOrderLine.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _send(invoice: Invoice, actor: Actor, *, submitted_by=None) -> None:
    """Hard checks once more under lock, then submitted; the PO lines' invoiced quantities move."""
    from purchase_orders.services import purchase_order_lines_record_invoice

    document = InvoiceDocument.load(invoice)
    _lock_po_lines(document)
    errors = invoice_check(document)
    if errors:
        _refuse(errors)
    invoice.submitted_at = timezone.now()
    invoice.submitted_by = submitted_by if submitted_by is not None else actor.user
    invoice.rejection_reason = ""
    _set_state(invoice, InvoiceState.SUBMITTED, actor, action="invoice.submit", extra_fields=["submitted_at", "submitted_by", "rejection_reason"])
    if invoice.invoice_type == InvoiceType.INVOICE:
        quantities = _po_quantities(document)
        if quantities:
            purchase_order_lines_record_invoice(quantities=quantities, actor=actor)
    invoice_id = invoice.pk
    transaction.on_commit(lambda: _queue_document(invoice_id))


def _queue_document(invoice_id: int) -> None:
    from .tasks import render_invoice_document

    render_invoice_document.delay(invoice_id)


def _po_quantities(document: InvoiceDocument, sign: int = 1) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for line in document.lines:
        if line.purchase_order_line_id:
            quantities[line.purchase_order_line_id] = quantities.get(line.purchase_order_line_id, 0) + sign * line.quantity
    return quantities


def invoice_submit(*, scope, invoice_id, actor: Actor) -> Invoice:
    """Hard checks (refused with every reason, nothing changes); then submitted, or sent for a second
    person's approval when the total is above the vendor's threshold."""
    _require_vendor(scope)
    with transaction.atomic():
        invoice = _locked_invoice(scope, invoice_id)
        if invoice.state != InvoiceState.DRAFT:
            raise InvalidTransitionError(_("Invoice %(n)s is %(state)s: only a draft can be submitted.") % {"n": invoice.number, "state": invoice.get_state_display().lower()})
        document = InvoiceDocument.load(invoice)
        _lock_po_lines(document)
        errors = invoice_check(document)
        if errors:
            _refuse(errors)
        if invoice.grand_total > invoice.vendor.invoice_approval_threshold:
            requester = actor.user or getattr(actor.token, "created_by", None)
            if requester is None:
                raise ForbiddenError(_("Invoices above %(limit)s need a person to submit them for approval.") % {"limit": invoice.vendor.invoice_approval_threshold})
            maker = Actor(user=requester, token=actor.token, channel=actor.channel, request_id=actor.request_id)
            approval = approval_request_create(
                vendor=invoice.vendor, kind=APPROVAL_KIND, actor=maker, target=invoice,
                summary=(_("Submit %(type)s %(n)s for %(total)s %(cur)s") % {"type": invoice.get_invoice_type_display().lower(), "n": invoice.number, "total": invoice.grand_total, "cur": invoice.currency})[:200],
                payload={"invoice": invoice.number, "invoice_url": f"/invoices/{invoice.pk}/", "invoice_id": invoice.pk, "total": str(invoice.grand_total),
                         "currency": invoice.currency, "lines": len(document.lines), "threshold": str(invoice.vendor.invoice_approval_threshold)},
            )
            invoice.approval_request = approval
            invoice.submitted_by = requester
            _set_state(invoice, InvoiceState.PENDING_APPROVAL, maker, action="invoice.request_approval", extra_fields=["approval_request", "submitted_by"])
        else:
            _send(invoice, actor)
    return invoice


def _apply_invoice_approval(approval, actor: Actor) -> None:
    """The checker approved: submit the invoice (the hard checks run again, under lock)."""
    invoice = Invoice.objects.select_for_update().filter(pk=approval.payload.get("invoice_id"), vendor_id=approval.vendor_id).first()
    if invoice is None or invoice.state != InvoiceState.PENDING_APPROVAL or invoice.approval_request_id != approval.pk:
        raise InvalidTransitionError(_("This invoice no longer waits for approval."))
    _send(invoice, actor, submitted_by=invoice.submitted_by)


register_approval_kind(
    ApprovalKind(name=APPROVAL_KIND, checker_action=Action.APPROVE_INVOICES, apply=_apply_invoice_approval, checker_roles=VENDOR_CHECKERS)
)


def invoice_approve(*, scope, invoice_id, actor: Actor, approve: bool = True, note: str = "") -> Invoice:
    """The second person's decision on an invoice waiting for approval (same as on the approvals screen)."""
    from vendor_portal.services.approvals import approval_decide

    invoice = Invoice.objects.visible_to(scope).filter(pk=invoice_id).select_related("approval_request").first() if str(invoice_id).isdigit() else None
    if invoice is None:
        raise NotFoundError(_("Invoice not found."))
    if invoice.state != InvoiceState.PENDING_APPROVAL or invoice.approval_request is None:
        raise InvalidTransitionError(_("Invoice %(n)s is not waiting for approval.") % {"n": invoice.number})
    approval_decide(approval=invoice.approval_request, approve=approve, actor=actor, scope=scope, note=note)
    if not approve:
        invoice_return_to_draft(scope=scope, invoice_id=invoice.pk, actor=actor)
    invoice.refresh_from_db()
    return invoice


def invoice_return_to_draft(*, scope, invoice_id, actor: Actor) -> Invoice:
    """After the checker rejected (or the maker withdrew) the approval request, the invoice is a draft again."""
    with transaction.atomic():
        invoice = _locked_invoice(scope, invoice_id)
        approval = invoice.approval_request
        if invoice.state != InvoiceState.PENDING_APPROVAL or (approval is not None and approval.status == ApprovalStatus.PENDING):
            raise InvalidTransitionError(_("Invoice %(n)s still waits for its approval decision.") % {"n": invoice.number})
        _set_state(invoice, InvoiceState.DRAFT, actor, action="invoice.return_to_draft")
    return invoice


def invoice_decide(*, scope, invoice_id, state: str, actor: Actor, reason: str = "") -> Invoice:
    """The retailer's accounts payable moves a sent invoice: accepted or rejected (with a reason), on hold,
    approved for payment, paid. A rejected invoice gives its PO quantities back."""
    from purchase_orders.services import purchase_order_lines_record_invoice

    if scope is None or not scope.is_retailer or not scope.can(Action.RUN_PAYMENTS):
        raise ForbiddenError()
    if state not in RETAILER_STATES:
        raise DomainValidationError(_("%(s)s is not a state the retailer sets.") % {"s": state}, field="state")
    if state in (InvoiceState.REJECTED, InvoiceState.ON_HOLD) and not reason.strip():
        raise DomainValidationError(_("Say why."), field="reason")
    with transaction.atomic():
        invoice = _locked_invoice(scope, invoice_id)
        extra = []
        if state == InvoiceState.REJECTED:
            invoice.rejection_reason = reason.strip()
            extra = ["rejection_reason"]
        _set_state(invoice, state, actor, action=f"invoice.{InvoiceState(state).value}", extra_fields=extra, note=reason.strip())
        if state == InvoiceState.REJECTED and invoice.invoice_type == InvoiceType.INVOICE:
            quantities = _po_quantities(InvoiceDocument.load(invoice), sign=-1)
            if quantities:
                purchase_order_lines_record_invoice(quantities=quantities, actor=actor)
    return invoice


# The invoice document (PDF/A) ------------------------------------------------------------------------
def invoice_document_render(*, invoice: Invoice, actor: Actor):
    """Render the invoice as PDF/A-3b with its data attached as JSON; stored under a deterministic key."""
    import hashlib
    import json
    import os
    import tempfile

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.template.loader import render_to_string
    from weasyprint import Attachment

    from vendor_portal.models import Document
    from vendor_portal.models.jobs import document_upload_to
    from vendor_portal.pdfa import render_html_pdfa

    from .selectors import invoice_data_json

    document = InvoiceDocument.load(invoice)
    data = json.dumps(invoice_data_json(document), indent=2, sort_keys=True).encode()
    with tempfile.TemporaryDirectory() as directory:
        data_path = os.path.join(directory, f"{invoice.invoice_type.lower()}-{invoice.pk}.json")
        with open(data_path, "wb") as handle:
            handle.write(data)
        html = render_to_string("invoicing/invoice_pdf.html", {"doc": document, "invoice": invoice, "totals": computed_totals(document)})
        pdf = render_html_pdfa(
            html, variant="pdf/a-3b",
            attachments=[Attachment(filename=data_path, description="Invoice data (Amazon vendorInvoices shape)", relationship="Data")],
        )
    with transaction.atomic():
        # One document per key: the old file goes, so the new one is stored under the same name.
        for old in Document.objects.select_for_update().filter(vendor=invoice.vendor, kind="invoice", key=invoice.document_key):
            old.file.delete(save=False)
            old.delete()
        stored = Document(
            vendor=invoice.vendor, kind="invoice", key=invoice.document_key, content_type="application/pdf", size=len(pdf),
            title=(_("%(type)s %(n)s") % {"type": invoice.get_invoice_type_display(), "n": invoice.number})[:200],
            sha256=hashlib.sha256(pdf).hexdigest(), target_type=invoice._meta.label_lower, target_id=str(invoice.pk), uploaded_by=actor.user,
        )
        name = document_upload_to(stored, invoice.document_key)
        default_storage.delete(name)  # a file left by an earlier run must not push the new one to another name
        stored.file.save(name, ContentFile(pdf), save=False)
        stored.save()
    return stored


def invoice_document(*, scope, invoice_id, actor: Actor):
    """The stored PDF/A, rendered first when missing or older than the invoice's last change."""
    from vendor_portal.models import Document

    invoice = Invoice.objects.visible_to(scope).filter(pk=invoice_id).first() if str(invoice_id).isdigit() else None
    if invoice is None:
        raise NotFoundError(_("Invoice not found."))
    stored = Document.objects.filter(vendor=invoice.vendor, kind="invoice", key=invoice.document_key).first()
    if stored is None or stored.created_at < invoice.updated_at or not stored.file or not stored.file.storage.exists(stored.file.name):
        stored = invoice_document_render(invoice=invoice, actor=actor)
    return stored
