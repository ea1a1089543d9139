"""The API's JSON body read into the invoicing services' typed input: amounts are decimal strings, counts
whole numbers, dates YYYY-MM-DD; what does not parse is refused here, named like `lines[2].unit_cost`.
Whether the values make a good invoice is the services' to say."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, FieldError, field_error

from ..services.inputs import CreditLineInput, InvoiceChargeInput, InvoiceInput, InvoiceLineInput, InvoiceTaxInput

HEADER_TEXT = (
    "number",
    "invoice_type",
    "currency",
    "marketplace",
    "payment_terms",
    "remit_to_party_id",
    "ship_from_party_id",
    "bill_to_party_id",
    "ship_to_party_id",
    "reference_invoice_number",
    "credit_reason",
    "credit_reference",
)
ADDRESSES = ("remit_to_address", "ship_from_address", "bill_to_address")
ACCEPTED = {
    *HEADER_TEXT,
    *ADDRESSES,
    "invoice_date",
    "due_date",
    "discount_percent",
    "discount_due_days",
    "grand_total",
    "lines",
    "charges",
    "taxes",
    # Accepted and ignored: the PO is the lines' (purchase_order_number), the rest is what the API answers.
    "purchase_order_number",
    "invoice_id",
    "id",
    "state",
    "source",
}


class _Reader:
    """Reads raw JSON values, collecting a field error for each that does not parse."""

    def __init__(self):
        self.errors: list[FieldError] = []

    def decimal(self, value, ref, name: str) -> Decimal | None:
        if value in (None, ""):
            return None
        if isinstance(value, float):
            self.errors.append(field_error(ref, name, _('Send amounts as decimal strings, e.g. "10.20".'), "invalid"))
            return None
        try:
            return Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            self.errors.append(field_error(ref, name, _("%(value)s is not a number.") % {"value": value}, "invalid"))
            return None

    def whole(self, value, ref, name: str) -> int | None:
        if isinstance(value, bool) or value in (None, ""):
            return None
        try:
            return int(str(value))
        except ValueError:
            self.errors.append(field_error(ref, name, _("Give a whole number."), "invalid"))
            return None

    def date(self, value, name: str) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            self.errors.append(field_error(None, name, _("Give a date as YYYY-MM-DD."), "invalid"))
            return None

    def rows(self, data: dict, name: str, what: str) -> list[tuple[str, dict]]:
        out = []
        for index, row in enumerate(data[name]):
            ref = f"{name}[{index}]"
            if isinstance(row, dict):
                out.append((ref, row))
            else:
                self.errors.append(field_error(ref, None, what, "invalid"))
        return out


def _text(value) -> str:
    """A text field as given: numbers and the like as their text (a choice the service then refuses)."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)


def invoice_input(data) -> InvoiceInput:
    """The body of a create, change or pre-flight as the services' input; a 400 naming each field that does not parse."""
    if not isinstance(data, dict):
        raise DomainValidationError(_("The body must be a JSON object."))
    read = _Reader()
    given = InvoiceInput()
    for name in sorted(set(data) - ACCEPTED):
        read.errors.append(field_error(None, name, _("Unknown field."), "unknown_field"))
    for name in HEADER_TEXT:
        if name in data:
            setattr(given, name, _text(data[name]))
    for name in ADDRESSES:
        if name in data:
            if not isinstance(data[name], dict):
                read.errors.append(field_error(None, name, _("An address is an object."), "invalid"))
            else:
                setattr(given, name, data[name])
    if "invoice_date" in data:
        given.invoice_date = read.date(data["invoice_date"], "invoice_date")
    if data.get("due_date"):
        given.due_date = read.date(data["due_date"], "due_date")
    if "discount_percent" in data:
        given.discount_percent = read.decimal(data["discount_percent"], None, "discount_percent")
    if "discount_due_days" in data:
        given.discount_due_days = read.whole(data["discount_due_days"] or 0, None, "discount_due_days")
    if data.get("grand_total") not in (None, ""):
        given.grand_total = read.decimal(data["grand_total"], None, "grand_total")
    if "lines" in data:
        if not isinstance(data["lines"], list):
            read.errors.append(field_error(None, "lines", _("Lines are a list."), "invalid"))
        else:
            given.lines = [_line(read, ref, row, index) for index, (ref, row) in enumerate(read.rows(data, "lines", _("Each line is an object.")))]
    if isinstance(data.get("charges"), list):
        given.charges = [
            InvoiceChargeInput(
                kind=_text(row.get("kind")),
                charge_type=_text(row.get("charge_type")),
                description=_text(row.get("description")),
                amount=read.decimal(row.get("amount"), ref, "amount"),
                tax_type=_text(row.get("tax_type")),
                tax_rate=read.decimal(row.get("tax_rate"), ref, "tax_rate"),
                tax_amount=read.decimal(row.get("tax_amount"), ref, "tax_amount"),
                ref=ref,
            )
            for ref, row in read.rows(data, "charges", _("Each charge is an object."))
        ]
    if isinstance(data.get("taxes"), list):
        given.taxes = [
            InvoiceTaxInput(
                tax_type=_text(row.get("tax_type")),
                rate=read.decimal(row.get("rate"), ref, "rate"),
                taxable_amount=read.decimal(row.get("taxable_amount"), ref, "taxable_amount"),
                amount=read.decimal(row.get("amount"), ref, "amount"),
                ref=ref,
            )
            for ref, row in read.rows(data, "taxes", _("Each tax is an object."))
        ]
    if read.errors:
        raise DomainValidationError(_("The invoice was not accepted: %(n)s problem(s).") % {"n": len(read.errors)}, errors=read.errors)
    return given


def _line(read: _Reader, ref: str, row: dict, index: int) -> InvoiceLineInput:
    sequence = row.get("sequence", index + 1)
    return InvoiceLineInput(
        sequence=read.whole(sequence, ref, "sequence"),
        purchase_order_number=_text(row.get("purchase_order_number")),
        po_line_sequence=read.whole(row.get("po_line_sequence"), ref, "po_line_sequence"),
        asin=_text(row.get("asin")),
        vendor_sku=_text(row.get("vendor_sku")),
        title=_text(row.get("title")),
        quantity=read.whole(row.get("quantity"), ref, "quantity"),
        unit_of_measure=_text(row.get("unit_of_measure")),
        unit_size=read.whole(row.get("unit_size"), ref, "unit_size"),
        unit_cost=read.decimal(row.get("unit_cost"), ref, "unit_cost"),
        tax_type=_text(row.get("tax_type")),
        tax_rate=read.decimal(row.get("tax_rate"), ref, "tax_rate"),
        tax_amount=read.decimal(row.get("tax_amount"), ref, "tax_amount"),
        credited_line=read.whole(row.get("credited_line"), ref, "credited_line"),
        ref=ref,
    )


def credit_lines(rows) -> list[CreditLineInput] | None:
    """A credit note's `lines` ([{"credited_line", "quantity", "unit_cost"}]); None when not given."""
    if rows is None:
        return None
    read = _Reader()
    lines = [
        CreditLineInput(
            credited_line=read.whole(row.get("credited_line"), ref, "credited_line"),
            quantity=read.whole(row.get("quantity"), ref, "quantity"),
            unit_cost=read.decimal(row.get("unit_cost"), ref, "unit_cost"),
            ref=ref,
        )
        for ref, row in read.rows({"lines": rows}, "lines", _("Each line is an object."))
    ]
    if read.errors:
        raise DomainValidationError(_("The credit note was not accepted: %(n)s problem(s).") % {"n": len(read.errors)}, errors=read.errors)
    return lines
