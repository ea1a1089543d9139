"""Reading a payload (API, screens, the Amazon door) into an unsaved InvoiceDocument: every field parsed,
every problem one error named like `lines[2].unit_cost`."""
from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import PaymentTerms, PurchaseOrder, PurchaseOrderLine, UnitOfMeasure
from vendor_portal.models import Marketplace

from ..models import (
    ALLOWANCE_TYPES,
    CHARGE_TYPES,
    ZERO,
    ChargeKind,
    CreditNoteReason,
    Invoice,
    InvoiceCharge,
    InvoiceLine,
    InvoiceSource,
    InvoiceTax,
    InvoiceType,
    TaxType,
)
from ._common import _error
from .document import InvoiceDocument, apply_totals, derive_taxes, due_date_for, money


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
