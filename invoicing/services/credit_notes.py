"""Credit notes: a draft against a sent invoice, crediting its lines (all of them by default)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vendor_portal.errors import InvalidTransitionError, NotFoundError, field_error, with_refs
from vendor_portal.models import marketplace_today
from vendor_portal.services.audit import Actor

from ..models import SENT_STATES, CreditNoteReason, Invoice, InvoiceSource, InvoiceType
from ._common import _refuse, _require_vendor
from .drafts import _next_number, _store_new
from .inputs import CreditLineInput, InvoiceInput, InvoiceLineInput
from .payload import build_document


def credit_note_create(
    *,
    scope,
    reference_invoice_id,
    actor: Actor,
    number: str = "",
    reason: str = CreditNoteReason.QUANTITY_CORRECTION,
    reference: str = "",
    lines: list[CreditLineInput] | None = None,
) -> Invoice:
    """A draft credit note against a sent invoice: the invoice lines `lines` credit (their quantity and cost
    unless given); by default every line at its full quantity and cost, for the vendor to trim."""
    _require_vendor(scope)
    original = Invoice.objects.visible_to(scope).filter(pk=reference_invoice_id).first() if str(reference_invoice_id).isdigit() else None
    if original is None:
        raise NotFoundError(_("Invoice not found."), field="reference_invoice")
    if original.invoice_type != InvoiceType.INVOICE or original.state not in SENT_STATES:
        raise InvalidTransitionError(_("A credit note needs a submitted invoice to credit."))
    original_lines = {line.pk: line for line in original.lines.all()}
    if lines is None:
        lines = [CreditLineInput(credited_line=pk) for pk in original_lines]
    rows = []
    for index, (ref, line) in enumerate(with_refs(lines, "lines"), start=1):
        credited = original_lines.get(line.credited_line)
        if credited is None:
            _refuse([field_error(ref, "credited_line", _("This line is not on invoice %(n)s.") % {"n": original.number}, "not_found")])
        rows.append(
            InvoiceLineInput(
                sequence=index,
                credited_line=credited.pk,
                purchase_order_number=credited.purchase_order_number,
                po_line_sequence=credited.purchase_order_line.sequence if credited.purchase_order_line_id else None,
                asin=credited.asin,
                vendor_sku=credited.vendor_sku,
                title=credited.title,
                quantity=line.quantity if line.quantity is not None else credited.quantity,
                unit_cost=line.unit_cost if line.unit_cost is not None else credited.unit_cost,
                unit_of_measure=credited.unit_of_measure,
                unit_size=credited.unit_size,
                tax_type=credited.tax_type,
                tax_rate=credited.tax_rate,
                ref=ref,
            )
        )
    data = InvoiceInput(
        number=number or _next_number(original.vendor, f"CN-{original.number}"[:40]),
        invoice_type=InvoiceType.CREDIT_NOTE,
        invoice_date=marketplace_today(original.marketplace),
        marketplace=original.marketplace.code,
        currency=original.currency,
        payment_terms=original.payment_terms,
        reference_invoice_number=original.number,
        credit_reason=reason,
        credit_reference=reference,
        lines=rows,
    )
    document, errors = build_document(scope=scope, data=data)
    if errors:
        _refuse(errors)
    invoice = document.invoice
    invoice.source = InvoiceSource.CREDIT
    invoice.purchase_order_id = original.purchase_order_id
    invoice.created_by = actor.user
    for name in (
        "remit_to_party_id",
        "remit_to_address",
        "ship_from_party_id",
        "ship_from_address",
        "bill_to_party_id",
        "bill_to_address",
        "ship_to_party_id",
        "remit_to_tax_id",
        "bill_to_tax_id",
    ):
        setattr(invoice, name, getattr(original, name))
    return _store_new(document, actor)
