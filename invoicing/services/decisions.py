"""The retailer's accounts payable decisions on a sent invoice: accepted, rejected, on hold, approved for
payment, paid."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, ForbiddenError
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor

from ..models import RETAILER_STATES, Invoice, InvoiceState, InvoiceType
from ._common import _locked_invoice, _po_quantities, _set_state
from .document import InvoiceDocument


def invoice_decide(*, scope, invoice_id, state: str, actor: Actor, reason: str = "") -> Invoice:
    """The retailer's accounts payable moves a sent invoice: accepted or rejected (with a reason), on hold,
    approved for payment, paid. A rejected invoice gives its PO quantities back."""
    from purchase_orders.services.line_quantities import purchase_order_lines_record_invoice

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
