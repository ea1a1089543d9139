"""Submission: hard checks under lock, then submitted (PO lines count the units as invoiced), or sent for
a second person's approval above the vendor's threshold. Registers the invoice_submission approval kind."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import PurchaseOrderLine
from vendor_portal.audit_text import money
from vendor_portal.errors import ForbiddenError, InvalidTransitionError, NotFoundError
from vendor_portal.models import ApprovalStatus
from vendor_portal.roles import Action
from vendor_portal.services.approvals import VENDOR_CHECKERS, ApprovalKind, approval_request_create, register_approval_kind
from vendor_portal.services.audit import Actor

from ..models import Invoice, InvoiceState, InvoiceType
from ._common import _locked_invoice, _po_quantities, _refuse, _require_vendor, _set_state
from .checks import invoice_check
from .document import InvoiceDocument

APPROVAL_KIND = "invoice_submission"


def _lock_po_lines(document: InvoiceDocument) -> None:
    """Lock the PO lines (id order) so two invoices for the same units cannot pass the check at once."""
    ids = sorted({line.purchase_order_line_id for line in document.lines if line.purchase_order_line_id})
    if ids:
        list(PurchaseOrderLine.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _checked_document(invoice: Invoice) -> InvoiceDocument:
    """The invoice with its rows, its PO lines locked, refused (nothing changes) unless it passes the hard checks."""
    document = InvoiceDocument.load(invoice)
    _lock_po_lines(document)
    errors = invoice_check(document)
    if errors:
        _refuse(errors)
    return document


def _send(invoice: Invoice, actor: Actor, *, submitted_by=None, document: InvoiceDocument | None = None) -> None:
    """Submitted (the hard checks run here, under lock, unless the caller just ran them under the same
    lock and gives the `document`); the PO lines' invoiced quantities move."""
    from purchase_orders.services.line_quantities import purchase_order_lines_record_invoice

    if document is None:
        document = _checked_document(invoice)
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
    from ..tasks import render_invoice_document, render_invoice_ubl

    render_invoice_document.delay(invoice_id)
    render_invoice_ubl.delay(invoice_id)


def invoice_submit(*, scope, invoice_id, actor: Actor) -> Invoice:
    """Hard checks (refused with every reason, nothing changes); then submitted, or sent for a second
    person's approval when the total is above the vendor's threshold."""
    _require_vendor(scope)
    with transaction.atomic():
        invoice = _locked_invoice(scope, invoice_id)
        if invoice.state != InvoiceState.DRAFT:
            raise InvalidTransitionError(
                _("Invoice %(n)s is %(state)s: only a draft can be submitted.") % {"n": invoice.number, "state": invoice.get_state_display().lower()}
            )
        # The hard checks run once per submission: here, under the lock the submission keeps.
        document = _checked_document(invoice)
        if invoice.grand_total > invoice.vendor.invoice_approval_threshold:
            requester = actor.user or getattr(actor.token, "created_by", None)
            if requester is None:
                raise ForbiddenError(
                    _("Invoices above %(limit)s need a person to submit them for approval.") % {"limit": invoice.vendor.invoice_approval_threshold}
                )
            maker = Actor(user=requester, token=actor.token, channel=actor.channel, request_id=actor.request_id)
            approval = approval_request_create(
                vendor=invoice.vendor,
                kind=APPROVAL_KIND,
                actor=maker,
                target=invoice,
                summary=(
                    _("Submit %(type)s %(n)s for %(total)s")
                    % {"type": invoice.get_invoice_type_display().lower(), "n": invoice.number, "total": money(invoice.grand_total, invoice.currency)}
                )[:200],
                payload={
                    "invoice": invoice.number,
                    "invoice_url": f"/invoices/{invoice.pk}/",
                    "invoice_id": invoice.pk,
                    "total": str(invoice.grand_total),
                    "currency": invoice.currency,
                    "lines": len(document.lines),
                    "threshold": str(invoice.vendor.invoice_approval_threshold),
                },
            )
            invoice.approval_request = approval
            invoice.submitted_by = requester
            _set_state(
                invoice, InvoiceState.PENDING_APPROVAL, maker, action="invoice.request_approval", extra_fields=["approval_request", "submitted_by"]
            )
        else:
            _send(invoice, actor, document=document)
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

    invoice = (
        Invoice.objects.visible_to(scope).filter(pk=invoice_id).select_related("approval_request").first() if str(invoice_id).isdigit() else None
    )
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
