"""What the reconciliation service modules share: who is notified, the retailer check, refusals, and the
facts of a deduction as its audit rows (and so its webhooks) carry them."""
from __future__ import annotations

from vendor_portal.errors import DomainValidationError, ForbiddenError, field_error
from vendor_portal.roles import Role

from ..models import Deduction

FINANCE_ROLES = [Role.VENDOR_FINANCE, Role.VENDOR_ADMIN]
AP_ROLES = [Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN]
DEDUCTION_AUDITED = [
    "kind", "reason", "variance_type", "amount", "currency", "status", "invoice_id", "invoice_line_id", "purchase_order_id",
    "shipment_id", "reverses_id", "dispute_deadline", "remittance_id", "settled_at",
]


def _require_retailer(scope, action: str) -> None:
    if scope is None or not scope.is_retailer or not scope.can(action):
        raise ForbiddenError()


def _refuse(message: str, field: str | None = None, code: str = "invalid"):
    raise DomainValidationError(message, errors=[field_error(None, field, message, code)])


# Webhooks follow the audit trail (webhooks/events.py maps "deduction.raise", "dispute.answer" and
# "remittance.pay"); these shapes go into those audit rows so the deliveries carry the facts.
def deduction_event_data(deduction: Deduction) -> dict:
    return {
        "id": deduction.pk, "reference": deduction.reference, "kind": deduction.kind, "reason": deduction.reason,
        "variance_type": deduction.variance_type, "amount": {"amount": str(deduction.amount), "currency": deduction.currency},
        "status": deduction.status, "invoice_id": deduction.invoice_id, "reverses_id": deduction.reverses_id,
        "dispute_deadline": deduction.dispute_deadline.isoformat() if deduction.dispute_deadline else None,
    }
