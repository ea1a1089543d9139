"""Inbound 810, invoices and credit notes: read into the invoicing payload, created and submitted like an
invoice from the screens, its refusals located at the BIG, IT1 or TDS segment they concern."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from edi import x12
from edi.x12.core import is_digits
from invoicing.services.drafts import invoice_create
from invoicing.services.inputs import InvoiceChargeInput, InvoiceInput, InvoiceLineInput, InvoiceTaxInput
from invoicing.services.submission import invoice_submit
from vendor_portal.errors import FieldError, PortalError
from vendor_portal.roles import Action

from ._common import EACH_PRICE_BASES, UNITS, _Context, _item_id_positions, _Outcome, _SetProblems

CHARGE_CODES = {"D240": "Freight", "B840": "Packing", "G830": "SpecialHandlingService", "D980": "InsuranceFee", "C310": "Discount"}
TAX_TYPES = {"ST": "ST", "VA": "VAT", "GS": "GST", "PS": "PST"}
TERMS_BY_NET_DAYS = {30: "net30", 60: "net60", 90: "net90"}


def _tax_type(code: str) -> str:
    return TAX_TYPES.get(code, code)


def _invoice_input(invoice: x12.Invoice, it1s: list[x12.Segment]) -> InvoiceInput:
    """The invoicing service's input for an 810: each line's ref its IT1 segment, for the 997."""
    data = InvoiceInput(
        number=invoice.invoice_number,
        invoice_type="CreditNote" if invoice.is_credit_note else "Invoice",
        invoice_date=invoice.invoice_date,
        grand_total=invoice.total_amount,
    )
    if invoice.currency:
        data.currency = invoice.currency
    remit_to = invoice.party("RI")
    if remit_to is not None and remit_to.id_code:
        data.remit_to_party_id = remit_to.id_code
    terms = invoice.terms
    if terms is not None:
        if terms.discount_percent and terms.discount_days == 10 and terms.net_days == 30 and terms.discount_percent == 2:
            data.payment_terms = "2/10net30"
        elif terms.net_days in TERMS_BY_NET_DAYS:
            data.payment_terms = TERMS_BY_NET_DAYS[terms.net_days]
    data.lines = [
        InvoiceLineInput(
            sequence=_sequence(line, index),
            purchase_order_number=invoice.po_number,
            asin=line.item_ids.get(x12.ItemId.ASIN, ""),
            vendor_sku=line.item_ids.get(x12.ItemId.VENDOR_ITEM, ""),
            quantity=line.quantity,
            unit_of_measure=UNITS.get(line.uom, line.uom),
            unit_size=line.pack_size,  # the PO line's case size without a PO4
            unit_cost=line.unit_price,
            # IT104 per each (IT105 PE) on a line in cases: the service prices the case at the PO line's size.
            unit_cost_per_each=line.price_basis in EACH_PRICE_BASES,
            tax_type=_tax_type(line.taxes[0].type_code) if line.taxes else "",
            tax_rate=(line.taxes[0].percent or Decimal(0)) if line.taxes else Decimal(0),
            tax_amount=sum((tax.amount or 0 for tax in line.taxes), Decimal(0)),
            ref=it1s[index] if index < len(it1s) else None,
        )
        for index, line in enumerate(invoice.lines)
    ]
    charges = [*invoice.allowances_charges, *(charge for line in invoice.lines for charge in line.allowances_charges)]
    data.charges = [
        InvoiceChargeInput(
            kind="allowance" if charge.indicator == "A" else "charge",
            charge_type=CHARGE_CODES.get(charge.code, "Special" if charge.indicator == "A" else "Service"),
            description=charge.description,
            amount=charge.amount or Decimal(0),
        )
        for charge in charges
    ]
    if invoice.taxes:
        data.taxes = [
            InvoiceTaxInput(tax_type=_tax_type(tax.type_code), rate=tax.percent or Decimal(0), amount=tax.amount or Decimal(0))
            for tax in invoice.taxes
        ]
    return data


def _sequence(line: x12.InvoiceLine, index: int) -> int:
    return int(line.line_number) if is_digits(line.line_number) else index + 1


def _locate_invoice_error(problem: FieldError, ts: x12.TransactionSet, it1_by_sequence: dict) -> tuple[x12.Segment, int, str]:
    """The segment and element of the 810 that an invoicing error is about: a line's own IT1 (the ref the
    door gave it, or the sequence of the stored line the hard checks name), else the header segment."""
    body = ts.body
    big = next(segment for segment in body if segment.id == "BIG")
    name = problem.field or ""
    it1 = problem.ref if isinstance(problem.ref, x12.Segment) else it1_by_sequence.get(problem.data.get("sequence"))
    if it1 is not None:
        if name == "purchase_order_number":
            return big, 4, "324"
        positions = _item_id_positions(it1)
        element = {"quantity": 2, "unit_of_measure": 3, "unit_cost": 4, "line_amount": 4, "sequence": 1}.get(name)
        if element is None:
            element = positions.get(x12.ItemId.VENDOR_ITEM) or positions.get(x12.ItemId.ASIN) or 1
        return it1, element, {1: "350", 2: "358", 3: "355", 4: "212"}.get(element, "234")
    if name in ("grand_total", "items_subtotal", "charges_total", "allowances_total", "tax_total", "taxes"):
        return next(segment for segment in body if segment.id == "TDS"), 1, "610"
    if name == "currency":
        cur = next((segment for segment in body if segment.id == "CUR"), None)
        if cur is not None:
            return cur, 2, "100"
    if name == "invoice_date":
        return big, 1, "373"
    return big, 2, "76"


def _receive_810(ts, group, context: _Context) -> _Outcome:
    invoice: x12.Invoice = ts.document
    outcome = _Outcome(reference=invoice.invoice_number[:60])
    problems = _SetProblems(ts, group, outcome)
    if not context.may(Action.MANAGE_INVOICES):
        big = next(segment for segment in ts.body if segment.id == "BIG")
        problems.element(big, 2, _("Your role does not allow submitting invoices."), code="forbidden", reference="76")
        return outcome
    it1s = [segment for segment in ts.body if segment.id == "IT1"]
    it1_by_sequence = {_sequence(line, index): segment for index, (line, segment) in enumerate(zip(invoice.lines, it1s, strict=False))}
    try:
        with transaction.atomic():
            created = invoice_create(scope=context.scope, data=_invoice_input(invoice, it1s), actor=context.actor)
            outcome.obj = invoice_submit(scope=context.scope, invoice_id=created.pk, actor=context.actor)
    except PortalError as error:
        for problem in error.field_errors():
            segment, index, reference = _locate_invoice_error(problem, ts, it1_by_sequence)
            problems.element(segment, index, problem.message, code=problem.code, reference=reference)
    return outcome
