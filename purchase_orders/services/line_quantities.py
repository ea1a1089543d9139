"""PO line quantities that other apps move inside their own transactions: shipped (ASNs), received
(receipts) and invoiced (invoices), and the PO's state that follows."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import DomainValidationError, field_error
from vendor_portal.services.audit import Actor, audit_record

from ..models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderState
from ._common import _set_state


# Shipments and receipts (called by shipments.services inside its transaction) -----------------------
def _refresh_state_after_shipment(po: PurchaseOrder, actor: Actor) -> None:
    lines = list(po.lines.all())
    if not any(line.shipped_quantity for line in lines):
        return
    target = PurchaseOrderState.SHIPPED if all(line.open_to_ship == 0 for line in lines) else PurchaseOrderState.PARTIALLY_SHIPPED
    if po.state != target and po.can_transition_to(target):
        _set_state(po, target, actor, action="purchase_order.ship")


def purchase_order_lines_record_shipment(*, quantities: dict[int, int], actor: Actor) -> list[PurchaseOrderLine]:
    """Add (or, for a Replace ASN, take back) shipped quantities: {PO line id: change}.

    Locks the lines in id order, refuses to ship more than accepted + backordered, and moves each PO
    to partially shipped or shipped.
    """
    with transaction.atomic():
        lines = list(PurchaseOrderLine.objects.select_for_update().filter(pk__in=quantities).select_related("purchase_order").order_by("pk"))
        errors = []
        for line in lines:
            new_shipped = line.shipped_quantity + quantities[line.pk]
            if new_shipped < 0 or new_shipped > line.accepted_quantity + line.backordered_quantity:
                errors.append(
                    field_error(
                        None,
                        f"lines.{line.pk}",
                        _("PO %(number)s line %(n)s: only %(open)s open to ship, %(wanted)s asked.")
                        % {"number": line.purchase_order.number, "n": line.sequence, "open": line.open_to_ship, "wanted": quantities[line.pk]},
                        "over_shipped",
                    )
                )
        if errors:
            raise DomainValidationError(_("More than was confirmed cannot be shipped."), errors=errors)
        purchase_orders = {}
        for line in lines:
            before = {"shipped_quantity": line.shipped_quantity}
            line.shipped_quantity += quantities[line.pk]
            line.save(update_fields=["shipped_quantity"])
            audit_record(
                actor=actor,
                action="purchase_order_line.ship",
                obj=line,
                vendor=line.purchase_order.vendor,
                before=before,
                after={"shipped_quantity": line.shipped_quantity},
            )
            purchase_orders[line.purchase_order_id] = line.purchase_order
        for po in PurchaseOrder.objects.select_for_update().filter(pk__in=purchase_orders).order_by("pk"):
            _refresh_state_after_shipment(po, actor)
    return lines


def purchase_order_lines_record_receipt(*, quantities: dict[int, tuple[int, int]], actor: Actor) -> list[PurchaseOrderLine]:
    """Add DC receipts: {PO line id: (received, damaged)}. A PO whose shipped units are all received
    and that has nothing left to ship becomes received; a DC taking units back (a carton reported
    missing after its pallet was received) makes such a PO shipped again."""
    with transaction.atomic():
        lines = list(PurchaseOrderLine.objects.select_for_update().filter(pk__in=quantities).select_related("purchase_order").order_by("pk"))
        purchase_orders = {}
        for line in lines:
            received, damaged = quantities[line.pk]
            before = {"received_quantity": line.received_quantity, "damaged_quantity": line.damaged_quantity}
            line.received_quantity += received
            line.damaged_quantity += damaged
            line.save(update_fields=["received_quantity", "damaged_quantity"])
            audit_record(
                actor=actor,
                action="purchase_order_line.receive",
                obj=line,
                vendor=line.purchase_order.vendor,
                before=before,
                after={"received_quantity": line.received_quantity, "damaged_quantity": line.damaged_quantity},
            )
            purchase_orders[line.purchase_order_id] = line.purchase_order
        received: dict[int, list[int]] = {}
        for line in lines:
            received.setdefault(line.purchase_order.vendor_id, []).append(line.pk)
        events.publish(
            *(
                events.PurchaseOrderLinesReceived(vendor_id=vendor_id, channel=actor.channel, purchase_order_line_ids=tuple(line_ids))
                for vendor_id, line_ids in received.items()
            )
        )
        for po in PurchaseOrder.objects.select_for_update().filter(pk__in=purchase_orders).order_by("pk"):
            po_lines = list(po.lines.all())
            fully_received = all(line.open_to_ship == 0 and line.received_quantity >= line.shipped_quantity for line in po_lines)
            if fully_received and po.can_transition_to(PurchaseOrderState.RECEIVED):
                _set_state(po, PurchaseOrderState.RECEIVED, actor, action="purchase_order.receive")
            elif not fully_received and po.state == PurchaseOrderState.RECEIVED:
                _set_state(po, PurchaseOrderState.SHIPPED, actor, action="purchase_order.receive_taken_back")
    return lines


# Invoices (called by invoicing.services inside its transaction) -----------------------------------
def purchase_order_lines_record_invoice(*, quantities: dict[int, int], actor: Actor) -> list[PurchaseOrderLine]:
    """Add (or, for a rejected invoice, take back) invoiced quantities: {PO line id: change}. Never below zero."""
    with transaction.atomic():
        lines = list(PurchaseOrderLine.objects.select_for_update().filter(pk__in=quantities).select_related("purchase_order").order_by("pk"))
        for line in lines:
            before = {"invoiced_quantity": line.invoiced_quantity}
            line.invoiced_quantity = max(0, line.invoiced_quantity + quantities[line.pk])
            line.save(update_fields=["invoiced_quantity"])
            audit_record(
                actor=actor,
                action="purchase_order_line.invoice",
                obj=line,
                vendor=line.purchase_order.vendor,
                before=before,
                after={"invoiced_quantity": line.invoiced_quantity},
            )
    return lines
