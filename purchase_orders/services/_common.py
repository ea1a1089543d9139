"""What the purchase order service modules share: audited fields, who confirms, the locked
read of a PO and a state change with its audit row."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import NotFoundError
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.states import transition

from ..models import PurchaseOrder

PO_AUDITED = [
    "state",
    "ship_window_start",
    "ship_window_end",
    "delivery_window_start",
    "delivery_window_end",
    "promised_ship_date",
    "promised_delivery_date",
    "estimated_ship_date",
    "estimated_delivery_date",
    "has_unconfirmed_changes",
    "confirmation_due_at",
]
LINE_AUDITED = [
    "sequence",
    "vendor_sku",
    "ordered_quantity",
    "accepted_quantity",
    "backordered_quantity",
    "rejected_quantity",
    "rejection_reason",
    "backorder_date",
    "cancelled_quantity",
    "net_cost",
]
CONFIRMERS = [Role.VENDOR_ADMIN, Role.VENDOR_OPS]


def _locked_po(scope, number: str) -> PurchaseOrder:
    """Lock the PO row and its lines (in sequence order) for a write; another vendor's PO is 'not found'."""
    po = PurchaseOrder.objects.visible_to(scope).select_for_update().filter(number=number).first()
    if po is None:
        raise NotFoundError(_("Purchase order %(number)s not found.") % {"number": number})
    return po


def _set_state(po: PurchaseOrder, state: str, actor: Actor, *, action: str, note: str = "") -> None:
    before = snapshot(po, PO_AUDITED)
    transition(po, state)
    po.state_changed_at = timezone.now()
    po.save(update_fields=["state", "state_changed_at", "updated_at"])
    after = snapshot(po, PO_AUDITED)
    if note:
        after["note"] = note
    audit_record(actor=actor, action=action, obj=po, before=before, after=after)
