"""Receiving at the DC: receipts booked against an ASN from scanned cartons or counted lines; over and
short are recorded when receiving completes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from purchase_orders.services.line_quantities import purchase_order_lines_record_receipt
from vendor_portal import events
from vendor_portal.errors import DomainValidationError, field_error, with_refs
from vendor_portal.gs1 import SSCC_LENGTH, gs1_check_digit
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_vendor_roles
from vendor_portal.states import require_transition, transition

from ..models import Carton, ComplianceEvent, ComplianceEventKind, Pallet, Receipt, ReceiptLine, Shipment, ShipmentState
from ._common import SHIPPERS, _header_snapshot, _shipment_for_update


@dataclass
class ReceivedLine:
    shipment_line_id: int
    quantity: int
    damaged: int = 0
    ref: object = None  # the door's reference of the line, for its errors


def sscc_from_scan(text: str) -> str:
    """A scanner reading the GS1-128 symbol may send the AI "00" (or "(00)") in front of the 18 digits,
    and before them the symbology identifier "]C1" when it is set to announce GS1-128."""
    text = text.strip().removeprefix("]C1").replace("(00)", "").replace(" ", "")
    return text[2:] if len(text) == 20 and text.startswith("00") else text


def _over_receipt_errors(counted: dict, refs: dict) -> list:
    """A count beyond what could plausibly have arrived: more than PORTAL_OVER_RECEIPT_FACTOR times the
    ordered quantity of the PO line, with what was received before. A typo (an extra digit or six), never
    a real over-delivery, and it would otherwise be booked into the vendor's receipts, claims and invoices."""
    factor = settings.PORTAL_OVER_RECEIPT_FACTOR
    errors = []
    for po_line, quantity in counted.items():
        most = factor * po_line.ordered_quantity - po_line.received_quantity
        if quantity > most:
            message = _("At most %(most)s more units of this line can be received: %(factor)s× the %(ordered)s ordered.") % {
                "most": max(most, 0),
                "factor": factor,
                "ordered": po_line.ordered_quantity,
            }
            errors.append(field_error(refs[po_line.pk], "quantity", message, "over_receipt"))
    return errors


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
    scan_id: uuid.UUID | None = None,
    pallet: Pallet | None = None,
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
        counted: dict = defaultdict(int)  # units counted on this receipt by PO line
        counted_refs: dict = {}
        for ref, line in with_refs(lines, "lines"):
            if line.shipment_line_id not in shipment_lines:
                errors.append(field_error(ref, "shipment_line", _("Not a line of this ASN."), "not_found"))
            elif line.quantity is None or line.quantity < 0 or line.damaged is None or line.damaged < 0 or line.damaged > line.quantity:
                errors.append(field_error(ref, "quantity", _("Received quantities are zero or more; damaged units are part of them.")))
            else:
                counted[shipment_lines[line.shipment_line_id].purchase_order_line] += line.quantity
                counted_refs.setdefault(shipment_lines[line.shipment_line_id].purchase_order_line_id, ref)
        errors.extend(_over_receipt_errors(counted, counted_refs))
        if not ssccs and not lines and not complete:
            errors.append(field_error(None, None, _("Scan a carton or count a line.")))
        if errors:
            raise DomainValidationError(_("The receipt has errors; nothing was booked."), errors=errors)
        now = timezone.now()
        receipt = Receipt.objects.create(
            shipment=shipment, warehouse_id=shipment.ship_to_id, received_at=now, received_by=actor.user, note=note, scan_id=scan_id, pallet=pallet
        )
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


# Scans on the receiving screen -----------------------------------------------------------------------
@dataclass(frozen=True)
class ScanOutcome:
    """What one scan booked: a carton, or every carton of a pallet that was not received yet."""

    receipt: Receipt
    sscc: str  # the carton's or the pallet's
    cartons: list[Carton]
    damaged: bool
    replayed: bool  # the page sent this scan before; this is the answer it got then

    @property
    def is_pallet(self) -> bool:
        return self.receipt.pallet_id is not None

    @property
    def message(self) -> str:
        if not self.is_pallet:
            if self.damaged:
                return _("Carton %(sscc)s recorded as damaged.") % {"sscc": self.sscc}
            return _("Carton %(sscc)s received.") % {"sscc": self.sscc}
        values = {"sscc": self.sscc, "count": len(self.cartons)}
        if self.damaged:
            return (
                ngettext(
                    "Pallet %(sscc)s received: %(count)s carton, recorded as damaged.",
                    "Pallet %(sscc)s received: %(count)s cartons, recorded as damaged.",
                    len(self.cartons),
                )
                % values
            )
        return ngettext("Pallet %(sscc)s received: %(count)s carton.", "Pallet %(sscc)s received: %(count)s cartons.", len(self.cartons)) % values


def _refuse_scan(message: str, code: str):
    return DomainValidationError(message, errors=[field_error(None, "sscc", message, code)])


def sscc_scan_problem(sscc: str) -> str | None:
    """Why a scanned code cannot be an SSCC (told apart from "not on this ASN"), or None."""
    if len(sscc) != SSCC_LENGTH or not sscc.isascii() or not sscc.isdigit():
        return _("%(code)s is not a valid SSCC: an SSCC has 18 digits.") % {"code": sscc}
    if gs1_check_digit(sscc[:-1]) != int(sscc[-1]):
        return _("%(code)s is not a valid SSCC: its check digit is wrong (misread label?).") % {"code": sscc}
    return None


def receiving_scan(*, scope, shipment_id, scan_id: uuid.UUID, code: str, damaged: bool = False, actor: Actor) -> ScanOutcome:
    """Book one scan of the receiving screen: a carton SSCC receives the carton, a pallet SSCC every
    carton on the pallet not received yet (one receipt). `scan_id` is the page's id of the scan: sent
    again, the scan is answered from its first booking and nothing is counted twice."""
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)  # scans of one ASN queue here, so a retry sees the first try's receipt
        earlier = shipment.receipts.filter(scan_id=scan_id).select_related("pallet").first()
        if earlier is not None:
            return _scan_outcome(earlier, replayed=True)
        sscc = sscc_from_scan(code)
        if not sscc:
            raise _refuse_scan(_("Scan a carton or pallet label."), "required")
        problem = sscc_scan_problem(sscc)
        if problem:
            raise _refuse_scan(problem, "invalid_sscc")
        pallet = shipment.pallets.filter(sscc=sscc).first()
        if pallet is None:
            ssccs = [sscc]  # receipt_create refuses a carton of another ASN or one received before
        else:
            ssccs = list(pallet.cartons.filter(receipt_lines__isnull=True).order_by("index").values_list("sscc", flat=True))
            if not ssccs:
                raise _refuse_scan(_("Every carton of pallet %(sscc)s was already received.") % {"sscc": sscc}, "already_received")
        receipt = receipt_create(
            scope=scope,
            shipment_id=shipment.pk,
            scanned_ssccs=ssccs,
            damaged_ssccs=ssccs if damaged else [],
            scan_id=scan_id,
            pallet=pallet,
            actor=actor,
        )
        return _scan_outcome(receipt, replayed=False)


def _scan_outcome(receipt: Receipt, *, replayed: bool) -> ScanOutcome:
    lines = list(receipt.lines.select_related("carton").order_by("carton__index", "id"))
    cartons = list({line.carton_id: line.carton for line in lines if line.carton_id}.values())
    if receipt.pallet_id:
        sscc = receipt.pallet.sscc
    else:
        sscc = cartons[0].sscc if cartons else ""
    damaged = bool(lines) and all(line.damaged_quantity == line.quantity for line in lines)
    return ScanOutcome(receipt=receipt, sscc=sscc, cartons=cartons, damaged=damaged, replayed=replayed)


MISSING, DAMAGED = "missing", "damaged"
LABEL_MISSING, LABEL_UNREADABLE = ComplianceEventKind.LABEL_MISSING.value, ComplianceEventKind.LABEL_UNREADABLE.value
LABEL_FAULTS = (LABEL_MISSING, LABEL_UNREADABLE)
CARTON_EXCEPTIONS = (MISSING, DAMAGED, *LABEL_FAULTS)  # what the DC may report of one carton


def receiving_carton_exception(*, scope, shipment_id, sscc: str, exception: str, actor: Actor) -> Carton:
    """The exception path of a scan, per carton: `damaged` books all the carton's received units as damaged;
    `missing` (a carton of a scanned pallet that was not on it) takes its units back, so it counts as not
    scanned again and finishing records the shortage; `label_missing` and `label_unreadable` (the DC keyed the
    SSCC from the packing list) put a label fault of the received carton on the vendor's compliance record.
    Doing any of them twice changes nothing."""
    if exception not in CARTON_EXCEPTIONS:
        raise DomainValidationError(_("Report a carton missing or damaged, or its label missing or unreadable."), field="exception")
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        require_transition(shipment, ShipmentState.RECEIVED, refusal=_cannot_receive)
        sscc = sscc_from_scan(sscc)
        carton = shipment.cartons.filter(sscc=sscc).select_related("pallet").first()
        if carton is None:
            raise _refuse_scan(_("SSCC %(sscc)s is not a carton of this ASN.") % {"sscc": sscc}, "unknown_sscc")
        lines = list(ReceiptLine.objects.filter(receipt__shipment=shipment, carton=carton).select_related("receipt").order_by("pk"))
        if exception in LABEL_FAULTS:
            if not lines:
                raise _refuse_scan(
                    _("Carton %(sscc)s is not received yet: receive it (key in its SSCC) before reporting its label.") % {"sscc": sscc},
                    "not_received",
                )
            _record_label_fault(shipment, carton, exception, lines, actor)
            return carton
        if not lines:
            if exception == MISSING and carton.pallet_id and carton.pallet.receipts.exists():
                return carton  # already reported missing
            raise _refuse_scan(_("Carton %(sscc)s is not received yet.") % {"sscc": sscc}, "not_received")
        if exception == MISSING and not any(line.receipt.pallet_id for line in lines):
            raise _refuse_scan(
                _("Carton %(sscc)s was scanned on its own, so it is here: only a carton received with its pallet can be missing.") % {"sscc": sscc},
                "scanned_on_its_own",
            )
        before = [
            {"receipt": line.receipt_id, "shipment_line": line.shipment_line_id, "quantity": line.quantity, "damaged": line.damaged_quantity}
            for line in lines
        ]
        changes: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # shipment line -> [received, damaged] change
        if exception == MISSING:
            for line in lines:
                changes[line.shipment_line_id][0] -= line.quantity
                changes[line.shipment_line_id][1] -= line.damaged_quantity
            ReceiptLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
        else:
            for line in lines:
                changes[line.shipment_line_id][1] += line.quantity - line.damaged_quantity
            ReceiptLine.objects.filter(pk__in=[line.pk for line in lines]).update(damaged_quantity=F("quantity"))
        changes = {line_id: change for line_id, change in changes.items() if change != [0, 0]}
        if not changes:
            return carton  # already reported damaged
        po_lines = dict(shipment.lines.filter(pk__in=changes).values_list("pk", "purchase_order_line_id"))
        by_po_line: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for shipment_line_id, (received, hurt) in changes.items():
            by_po_line[po_lines[shipment_line_id]][0] += received
            by_po_line[po_lines[shipment_line_id]][1] += hurt
        purchase_order_lines_record_receipt(quantities={k: tuple(v) for k, v in by_po_line.items()}, actor=actor)
        receipt = lines[0].receipt
        audit_record(
            actor=actor,
            action=f"receipt.carton_{exception}",
            obj=receipt,
            vendor=shipment.vendor,
            before={"carton": carton.sscc, "lines": before},
            after={"carton": carton.sscc, "exception": exception, "changes": {str(k): v for k, v in changes.items()}},
        )
        # The vendor hears of the correction like of any receipt: by how much it changed what was received.
        events.publish(
            events.ReceiptPosted(
                vendor_id=shipment.vendor_id,
                channel=actor.channel,
                receipt_id=receipt.pk,
                shipment_id=shipment.pk,
                shipment_identifier=shipment.shipment_identifier,
                shipment_state=shipment.state,
                units_received=sum(received for received, _hurt in changes.values()),
                units_damaged=sum(hurt for _received, hurt in changes.values()),
                purchase_order_line_ids=tuple(sorted(by_po_line)),
            )
        )
    return carton


def _record_label_fault(shipment: Shipment, carton: Carton, kind: str, lines: list[ReceiptLine], actor: Actor) -> ComplianceEvent:
    """The carton's label fault on the record, once per carton and kind (the shipment is locked, and
    uniq_compliance_event_per_carton backs it); the vendor's shippers are told, as a chargeback may follow.
    A label is missing or unreadable, not both: one fault (and one chargeback) per carton."""
    event = ComplianceEvent.objects.filter(carton=carton, kind__in=LABEL_FAULTS).first()
    if event is not None and event.kind == kind:
        return event  # reported before
    if event is not None:
        raise _refuse_scan(
            _("The label of carton %(sscc)s was already reported: %(fault)s.") % {"sscc": carton.sscc, "fault": event.get_kind_display().lower()},
            "label_already_reported",
        )
    received_at = min(line.receipt.received_at for line in lines)
    details = {"sscc": carton.sscc, "carton": carton.index, "received_at": received_at.isoformat(), "warehouse": shipment.ship_to.code}
    if carton.pallet_id:
        details["pallet"] = carton.pallet.sscc
    event = ComplianceEvent.objects.create(
        vendor=shipment.vendor, shipment=shipment, carton=carton, kind=kind, occurred_at=timezone.now(), details=details
    )
    audit_record(
        actor=actor,
        action="compliance_event.record",
        obj=event,
        vendor=shipment.vendor,
        after=snapshot(event, ["kind", "shipment_id", "carton_id", "details"]),
    )
    values = {"dc": shipment.ship_to.code, "sscc": carton.sscc, "id": shipment.shipment_identifier}
    title = (
        _("%(dc)s received carton %(sscc)s of %(id)s without a label")
        if kind == LABEL_MISSING
        else _("%(dc)s could not scan the label of carton %(sscc)s of %(id)s")
    ) % values
    notify_vendor_roles(
        vendor=shipment.vendor,
        roles=SHIPPERS,
        marketplace=shipment.marketplace,
        kind="carton_label_fault",
        title=title,
        body=_("A carton label fault may be charged back."),
        url=f"/shipments/{shipment.pk}/",
    )
    return event


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
