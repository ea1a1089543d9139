"""What the invoicing service modules share: refusals, the vendor check, the locked read of an invoice, the
duplicate-number error, and a state change with its audit row, event and notices."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import DomainValidationError, FieldError, ForbiddenError, NotFoundError, field_error
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles
from vendor_portal.states import transition

from ..models import Invoice, InvoiceState
from .document import INVOICE_AUDITED, InvoiceDocument

FINANCE_ROLES = [Role.VENDOR_FINANCE, Role.VENDOR_ADMIN]


def _refuse(errors: list[FieldError], message=None):
    raise DomainValidationError(message or _("The invoice was not accepted: %(n)s problem(s).") % {"n": len(errors)}, errors=errors)


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


def _duplicate_number_error(invoice: Invoice) -> FieldError:
    return field_error(None, "number", _("Invoice number %(n)s was already used.") % {"n": invoice.number}, "duplicate")


def _refusal(invoice: Invoice, target: str) -> str:
    return _("Invoice %(n)s is %(state)s and cannot become %(target)s.") % {
        "n": invoice.number,
        "state": invoice.get_state_display().lower(),
        "target": InvoiceState(target).label.lower(),
    }


def _set_state(invoice: Invoice, state: str, actor: Actor, *, action: str, extra_fields=(), note: str = "") -> None:
    before = snapshot(invoice, INVOICE_AUDITED)
    transition(invoice, state, refusal=_refusal)
    invoice.state_changed_at = timezone.now()
    invoice.save(update_fields=["state", "state_changed_at", "updated_at", *extra_fields])
    after = snapshot(invoice, INVOICE_AUDITED)
    if note:
        after["note"] = note
    audit_record(actor=actor, action=action, obj=invoice, before=before, after=after)
    events.publish(_state_event(invoice, previous_state=before["state"], channel=actor.channel, reason=note))
    _notify_state(invoice)


# The states other apps react to have their own event type (reconciliation matches on both).
STATE_EVENTS = {InvoiceState.SUBMITTED: events.InvoiceSubmitted, InvoiceState.ACCEPTED: events.InvoiceAccepted}


def _state_event(invoice: Invoice, *, previous_state: str, channel: str, reason: str = "") -> events.InvoiceStateChanged:
    return STATE_EVENTS.get(invoice.state, events.InvoiceStateChanged)(
        vendor_id=invoice.vendor_id,
        channel=channel,
        invoice_id=invoice.pk,
        number=invoice.number,
        invoice_type=invoice.invoice_type,
        state=invoice.state,
        previous_state=previous_state or "",
        total=str(invoice.grand_total),
        currency=invoice.currency,
        reason=reason,
    )


def _notify_state(invoice: Invoice) -> None:
    title = _("%(type)s %(number)s: %(state)s") % {
        "type": invoice.get_invoice_type_display(),
        "number": invoice.number,
        "state": invoice.get_state_display().lower(),
    }
    notify_vendor_roles(
        vendor=invoice.vendor,
        roles=FINANCE_ROLES,
        marketplace=invoice.marketplace,
        kind=f"invoice_{invoice.state}",
        title=title,
        body=invoice.rejection_reason if invoice.state == InvoiceState.REJECTED else "",
        url=f"/invoices/{invoice.pk}/",
    )
    if invoice.state == InvoiceState.SUBMITTED:
        notify_retailer_roles(
            roles=[Role.ACCOUNTS_PAYABLE],
            kind="invoice_submitted",
            vendor=invoice.vendor,
            title=_("New %(type)s %(n)s from %(vendor)s")
            % {"type": invoice.get_invoice_type_display().lower(), "n": invoice.number, "vendor": invoice.vendor.code},
            url=f"/invoices/{invoice.pk}/",
        )


def _po_quantities(document: InvoiceDocument, sign: int = 1) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for line in document.lines:
        if line.purchase_order_line_id:
            quantities[line.purchase_order_line_id] = quantities.get(line.purchase_order_line_id, 0) + sign * line.quantity
    return quantities
