"""What the reconciliation service modules share: who is notified, the retailer check, refusals, the
facts of a deduction as its audit rows carry them, and its DeductionRaised event."""

from __future__ import annotations

from vendor_portal import events
from vendor_portal.errors import DomainValidationError, ForbiddenError, field_error
from vendor_portal.roles import Role

from ..models import Deduction

FINANCE_ROLES = [Role.VENDOR_FINANCE, Role.VENDOR_ADMIN]
AP_ROLES = [Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN]
DEDUCTION_AUDITED = [
    "kind",
    "reason",
    "variance_type",
    "amount",
    "currency",
    "status",
    "invoice_id",
    "invoice_line_id",
    "purchase_order_id",
    "shipment_id",
    "reverses_id",
    "dispute_deadline",
    "remittance_id",
    "settled_at",
]


def _require_retailer(scope, action: str) -> None:
    if scope is None or not scope.is_retailer or not scope.can(action):
        raise ForbiddenError()


def _refuse(message: str, field: str | None = None, code: str = "invalid"):
    raise DomainValidationError(message, errors=[field_error(None, field, message, code)])


def deduction_event_data(deduction: Deduction) -> dict:
    """What the audit rows of a deduction raised by hand (and of a dispute's answer) record of it."""
    return {
        "id": deduction.pk,
        "reference": deduction.reference,
        "kind": deduction.kind,
        "reason": deduction.reason,
        "variance_type": deduction.variance_type,
        "amount": {"amount": str(deduction.amount), "currency": deduction.currency},
        "status": deduction.status,
        "invoice_id": deduction.invoice_id,
        "reverses_id": deduction.reverses_id,
        "dispute_deadline": deduction.dispute_deadline.isoformat() if deduction.dispute_deadline else None,
    }


def deduction_raised(deduction: Deduction, *, channel: str, invoice_number: str = "") -> events.DeductionRaised:
    """The news of a deduction just raised (a claim, a chargeback, a reversal): publish it next to its audit row."""
    return events.DeductionRaised(
        vendor_id=deduction.vendor_id,
        channel=channel,
        deduction_id=deduction.pk,
        reference=deduction.reference,
        kind=deduction.kind,
        reason=deduction.reason,
        variance_type=deduction.variance_type,
        amount=str(deduction.amount),
        currency=deduction.currency,
        status=deduction.status,
        dispute_deadline=deduction.dispute_deadline.isoformat() if deduction.dispute_deadline else None,
        invoice_id=deduction.invoice_id,
        invoice_number=invoice_number,
        reverses_id=deduction.reverses_id,
    )
