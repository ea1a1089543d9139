"""Receiving at the DC: receipts booked against an ASN from scanned cartons or counted lines; over and
short are recorded when receiving completes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.services.line_quantities import purchase_order_lines_record_receipt
from vendor_portal import events
from vendor_portal.errors import DomainValidationError, field_error, with_refs
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_vendor_roles
from vendor_portal.states import require_transition, transition

from ..models import ComplianceEvent, ComplianceEventKind, Receipt, ReceiptLine, Shipment, ShipmentState
from ._common import SHIPPERS, _header_snapshot, _shipment_for_update


@dataclass
class ReceivedLine:
    shipment_line_id: int
    quantity: int
    damaged: int = 0
    ref: object = None  # the door's reference of the line, for its errors


def sscc_from_scan(text: str) -> str:
    """A scanner reading the GS1-128 symbol may send the AI "00" (or "(00)") in front of the 18 digits."""
    text = text.strip().replace("(00)", "").replace(" ", "")
    return text[2:] if len(text) == 20 and text.startswith("00") else text


def _cannot_receive(shipment: Shipment, _target: str) -> str:
    return _("Shipment %(id)s cannot be received: it is %(state)s.") % {
        "id": shipment.shipment_identifier,
        "state": shipment.get_state_display().lower(),
    }


def receipt_create(
    *,
    scope,
    shipment_id,
    actor: Actor,
    scanned_ssccs: list[str] = (),
    lines: list[ReceivedLine] = (),
    damaged_ssccs: list[str] = (),
    complete: bool = False,
    note: str = "",
) -> Receipt:
    """Book what the DC received against an ASN: scanned cartons (their ASN contents are trusted)
    and/or counted line quantities. `complete` finishes receiving; over/short is then recorded."""
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        # Receipts are booked while the shipment may still become received: submitted or receiving.
        require_transition(shipment, ShipmentState.RECEIVED, refusal=_cannot_receive)
        errors = []
        ssccs = [sscc_from_scan(sscc) for sscc in scanned_ssccs if sscc and sscc.strip()]
        damaged = {sscc_from_scan(sscc) for sscc in damaged_ssccs if sscc}
        cartons = {carton.sscc: carton for carton in shipment.cartons.filter(sscc__in=ssccs).prefetch_related("items")}
        already = set(ReceiptLine.objects.filter(carton__sscc__in=ssccs).values_list("carton__sscc", flat=True))
        if len(set(ssccs)) != len(ssccs):
            errors.append(field_error(None, "scanned_ssccs", _("A carton was scanned twice."), "duplicate_scan"))
        for sscc in ssccs:
            if sscc not in cartons:
                errors.append(field_error(None, "scanned_ssccs", _("SSCC %(sscc)s is not a carton of this ASN.") % {"sscc": sscc}, "unknown_sscc"))
            elif sscc in already:
                errors.append(field_error(None, "scanned_ssccs", _("Carton %(sscc)s was already received.") % {"sscc": sscc}, "already_received"))
        shipment_lines = {line.pk: line for line in shipment.lines.select_related("purchase_order_line")}
        for ref, line in with_refs(lines, "lines"):
            if line.shipment_line_id not in shipment_lines:
                errors.append(field_error(ref, "shipment_line", _("Not a line of this ASN."), "not_found"))
            elif line.quantity is None or line.quantity < 0 or line.damaged is None or line.damaged < 0 or line.damaged > line.quantity:
                errors.append(field_error(ref, "quantity", _("Received quantities are zero or more; damaged units are part of them.")))
        if not ssccs and not lines and not complete:
            errors.append(field_error(None, None, _("Scan a carton or count a line.")))
        if errors:
            raise DomainValidationError(_("The receipt has errors; nothing was booked."), errors=errors)
        now = timezone.now()
        receipt = Receipt.objects.create(shipment=shipment, warehouse=shipment.ship_to, received_at=now, received_by=actor.user, note=note)
        receipt_lines = []
        for sscc in ssccs:
            for item in cartons[sscc].items.all():
                hurt = item.quantity if sscc in damaged else 0
                receipt_lines.append(
                    ReceiptLine(
                        receipt=receipt, shipment_line_id=item.shipment_line_id, carton=cartons[sscc], quantity=item.quantity, damaged_quantity=hurt
                    )
                )
        for line in lines:
            receipt_lines.append(
                ReceiptLine(receipt=receipt, shipment_line_id=line.shipment_line_id, quantity=line.quantity, damaged_quantity=line.damaged)
            )
        ReceiptLine.objects.bulk_create(receipt_lines)
        audit_record(
            actor=actor,
            action="receipt.create",
            obj=receipt,
            vendor=shipment.vendor,
            after={
                "shipment": shipment.pk,
                "scanned_ssccs": ssccs,
                "lines": [
                    {"shipment_line": rl.shipment_line_id, "carton": rl.carton_id, "quantity": rl.quantity, "damaged": rl.damaged_quantity}
                    for rl in receipt_lines
                ],
            },
        )
        by_po_line: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for receipt_line in receipt_lines:
            po_line_id = shipment_lines[receipt_line.shipment_line_id].purchase_order_line_id
            by_po_line[po_line_id][0] += receipt_line.quantity
            by_po_line[po_line_id][1] += receipt_line.damaged_quantity
        if by_po_line:
            purchase_order_lines_record_receipt(quantities={k: tuple(v) for k, v in by_po_line.items()}, actor=actor)
        before = _header_snapshot(shipment)
        if shipment.state == ShipmentState.SUBMITTED:
            transition(shipment, ShipmentState.RECEIVING)
            shipment.receiving_started_at = now
        if complete:
            transition(shipment, ShipmentState.RECEIVED)
            shipment.received_at = now
            _record_over_short(shipment, actor, now)
        if _header_snapshot(shipment) != before:
            shipment.save(update_fields=["state", "receiving_started_at", "received_at", "updated_at"])
            audit_record(actor=actor, action="shipment.receive", obj=shipment, before=before, after=_header_snapshot(shipment))
        events.publish(
            events.ReceiptPosted(
                vendor_id=shipment.vendor_id,
                channel=actor.channel,
                receipt_id=receipt.pk,
                shipment_id=shipment.pk,
                shipment_identifier=shipment.shipment_identifier,
                shipment_state=shipment.state,
                units_received=sum(line.quantity for line in receipt_lines),
                units_damaged=sum(line.damaged_quantity for line in receipt_lines),
                purchase_order_line_ids=tuple(sorted(by_po_line)),
            )
        )
        if complete:
            notify_vendor_roles(
                vendor=shipment.vendor,
                roles=SHIPPERS,
                marketplace=shipment.marketplace,
                kind="shipment_received",
                title=_("%(dc)s received shipment %(id)s") % {"dc": shipment.ship_to.code, "id": shipment.shipment_identifier},
                url=f"/shipments/{shipment.pk}/",
            )
    return receipt


def _record_over_short(shipment: Shipment, actor: Actor, now) -> None:
    from ..selectors import shipment_receiving_summary

    for row in shipment_receiving_summary(shipment=shipment):
        difference = row["received"] - row["shipped"]
        if difference == 0:
            continue
        event = ComplianceEvent.objects.create(
            vendor=shipment.vendor,
            shipment=shipment,
            kind=ComplianceEventKind.OVER_SHIPPED if difference > 0 else ComplianceEventKind.SHORT_SHIPPED,
            occurred_at=now,
            details={"purchase_order": row["purchase_order"], "line": row["sequence"], "shipped": row["shipped"], "received": row["received"]},
        )
        audit_record(actor=actor, action="compliance_event.record", obj=event, after=snapshot(event, ["kind", "shipment_id", "details"]))
