"""Deductions: AP re-runs the 3-way match and the chargebacks on request, or raises a deduction by hand.

- `match_run(*, scope, actor, invoice_id=None)` — AP re-runs the 3-way match (one invoice or all) and
  the chargebacks; returns `engine.MatchSummary`.
- `deduction_create(*, scope, actor, vendor, marketplace, kind, reason, amount, description, ...)` — AP
  raises a chargeback or co-op allowance by hand.
"""

from __future__ import annotations

import datetime
from decimal import InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from invoicing.models import Invoice
from vendor_portal import events
from vendor_portal.errors import NotFoundError
from vendor_portal.money import round_money
from vendor_portal.roles import Action, Role
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.notifications import notify_vendor_roles
from vendor_portal.tenancy import Scope

from ..models import Deduction, DeductionKind, DeductionReason, marketplace_today
from ._common import FINANCE_ROLES, _refuse, _require_retailer, deduction_event_data, deduction_raised


def system_scope() -> Scope:
    """The scope of beat jobs acting for the retailer's accounts payable."""
    return Scope(is_retailer=True, roles=frozenset({Role.ACCOUNTS_PAYABLE}))


# Matching -----------------------------------------------------------------------------------------
def match_run(*, scope, actor: Actor, invoice_id=None):
    """AP re-runs the match for one invoice (or all, with the chargebacks)."""
    from ..engine import chargebacks_raise, match_invoices

    _require_retailer(scope, Action.RUN_PAYMENTS)
    if invoice_id is not None:
        invoice = Invoice.objects.visible_to(scope).filter(pk=invoice_id).first() if str(invoice_id).isdecimal() else None
        if invoice is None:
            raise NotFoundError(_("Invoice not found."))
        return match_invoices(invoice_ids=[invoice.pk], actor=actor)
    summary = match_invoices(actor=actor)
    summary.claims_raised.extend(deduction.pk for deduction in chargebacks_raise(actor=actor))
    return summary


# Deductions raised by hand ------------------------------------------------------------------------
def deduction_create(
    *,
    scope,
    actor: Actor,
    vendor,
    marketplace,
    kind: str,
    reason: str,
    amount,
    description: str = "",
    invoice=None,
    purchase_order=None,
    shipment=None,
) -> Deduction:
    """AP raises a chargeback or a co-op allowance (agreed in advance) by hand."""
    from ..engine import dispute_windows, window_for

    _require_retailer(scope, Action.RUN_PAYMENTS)
    if kind not in (DeductionKind.CHARGEBACK, DeductionKind.COOP_ALLOWANCE):
        _refuse(_("Only chargebacks and co-op allowances are raised by hand."), "kind")
    if reason not in DeductionReason.values:
        _refuse(_("Unknown reason."), "reason")
    try:
        amount = round_money(amount)
    except (InvalidOperation, TypeError, ValueError):
        _refuse(_("Enter an amount."), "amount")
    if amount <= 0:
        _refuse(_("The amount must be above zero."), "amount")
    days, _max = window_for(dispute_windows(), marketplace.pk, kind)
    with transaction.atomic():
        deduction = Deduction.objects.create(
            vendor=vendor,
            marketplace=marketplace,
            kind=kind,
            reason=reason,
            amount=amount,
            currency=marketplace.currency,
            description=description[:300],
            invoice=invoice,
            purchase_order=purchase_order,
            shipment=shipment,
            dispute_deadline=marketplace_today(marketplace) + datetime.timedelta(days=days),
        )
        audit_record(actor=actor, action="deduction.raise", obj=deduction, after=deduction_event_data(deduction))
        events.publish(deduction_raised(deduction, channel=actor.channel, invoice_number=invoice.number if invoice is not None else ""))
        notify_vendor_roles(
            vendor=vendor,
            roles=FINANCE_ROLES,
            marketplace=marketplace,
            kind="deduction_raised",
            title=_("Deduction %(ref)s: %(amount)s %(cur)s") % {"ref": deduction.reference, "amount": amount, "cur": deduction.currency},
            url=f"/payments/deductions/{deduction.pk}/",
        )
    return deduction
