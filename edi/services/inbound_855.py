"""Inbound 855, purchase order acknowledgements: onto purchase_order_acknowledge, its refusals located
at the PO1/ACK segment they concern."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from edi import x12
from edi.x12.codes import ElementError
from edi.x12.core import is_digits
from edi.x12.po855 import ACK_WITH_EXCEPTION_DETAIL_ONLY, ITEM_ACCEPTED, ITEM_BACKORDERED, ITEM_REJECTED, REJECTED_NO_DETAIL
from purchase_orders.models import PurchaseOrder, RejectionReason
from purchase_orders.services.confirmations import LineConfirmation, purchase_order_acknowledge
from vendor_portal.errors import PortalError
from vendor_portal.roles import Action

from ._common import _SERVICE_LINE_FIELD, UNITS, X12_UNITS, _Context, _item_id_positions, _Outcome, _product_mismatch, _SetProblems

# ACK29 names why units are rejected; the portal's own reason names are understood too.
REJECTION_REASON_CODES = {
    "R1": RejectionReason.TEMPORARILY_UNAVAILABLE,
    "R2": RejectionReason.INVALID_PRODUCT_IDENTIFIER,
    "R3": RejectionReason.OBSOLETE_PRODUCT,
    **{value: value for value in RejectionReason.values},
}
ACK_STATUS_FIELDS = {ITEM_ACCEPTED: "accepted", ITEM_BACKORDERED: "backordered", ITEM_REJECTED: "rejected"}
CURRENT_SCHEDULE_SHIP, CURRENT_SCHEDULE_DELIVERY = "068", "067"


@dataclass
class _LineSegments:
    """The PO1 of one line and its ACKs as received: where the 997 points for that line."""

    po1: x12.Segment
    acks: list[x12.Segment] = field(default_factory=list)

    def ack(self, status: str) -> x12.Segment | None:
        return next((segment for segment in self.acks if segment[1] == status), None)


def _line_segments(ts: x12.TransactionSet) -> list[_LineSegments]:
    lines: list[_LineSegments] = []
    for segment in ts.body:
        if segment.id == "PO1":
            lines.append(_LineSegments(segment))
        elif segment.id == "ACK" and lines:
            lines[-1].acks.append(segment)
    return lines


def _receive_855(ts: x12.TransactionSet, group: x12.FunctionalGroup, context: _Context) -> _Outcome:
    ack: x12.PurchaseOrderAck = ts.document
    outcome = _Outcome(reference=ack.po_number[:60])
    problems = _SetProblems(ts, group, outcome)
    bak = next(segment for segment in ts.body if segment.id == "BAK")
    if not context.may(Action.CONFIRM_PURCHASE_ORDERS):
        problems.element(bak, 3, _("Your role does not allow confirming purchase orders."), code="forbidden", reference="324")
        return outcome
    po = PurchaseOrder.objects.visible_to(context.scope).filter(number=ack.po_number).first()
    if po is None:
        problems.element(bak, 3, _("Purchase order %(number)s not found.") % {"number": ack.po_number}, code="not_found", reference="324")
        return outcome
    outcome.obj = po
    po_lines = {line.sequence: line for line in po.lines.select_related("product")}
    located = _line_segments(ts)
    confirmations: list[LineConfirmation] = []
    where: list[_LineSegments | None] = []  # the segments of each confirmation, for the service's errors
    ship_dates: list[date] = []
    delivery_dates: list[date] = []
    seen: set[int] = set()
    for line, segments in zip(ack.lines, located):
        po1 = segments.po1
        if not is_digits(line.line_number) or int(line.line_number) not in po_lines:
            problems.element(po1, 1, _("PO %(number)s has no line %(n)s.") % {"number": po.number, "n": line.line_number}, code="unknown_line", reference="350")
            continue
        po_line = po_lines[int(line.line_number)]
        if po_line.sequence in seen:
            problems.element(po1, 1, _("Line %(n)s is acknowledged twice.") % {"n": po_line.sequence}, code="duplicate_line", reference="350")
            continue
        seen.add(po_line.sequence)
        mismatched = False
        for qualifier, position in _item_id_positions(po1).items():
            if _product_mismatch(qualifier, po1[position], po_line):
                problems.element(
                    po1, position,
                    _("Line %(n)s orders ASIN %(asin)s, SKU %(sku)s: %(qualifier)s %(value)s is another product.")
                    % {"n": po_line.sequence, "asin": po_line.asin, "sku": po_line.vendor_sku, "qualifier": qualifier, "value": po1[position]},
                    code="product_identifier_mismatch", reference="234",
                )
                mismatched = True
        if mismatched:
            continue
        if UNITS.get(line.uom) != po_line.unit_of_measure:
            problems.element(po1, 3, _("Line %(n)s is ordered in %(unit)s (%(code)s).") % {"n": po_line.sequence, "unit": po_line.unit_of_measure, "code": X12_UNITS[po_line.unit_of_measure]}, code="unit_mismatch", reference="355")
            continue
        if line.quantity != po_line.ordered_quantity:
            problems.element(po1, 2, _("Line %(n)s orders %(ordered)s, not %(given)s.") % {"n": po_line.sequence, "ordered": po_line.ordered_quantity, "given": line.quantity}, code="ordered_quantity_mismatch", reference="330")
            continue
        if not line.acks:
            problems.missing("ACK", po1.position + 1, _("Line %(n)s has no ACK segment.") % {"n": po_line.sequence})
            continue
        quantities = {"accepted": 0, "backordered": 0, "rejected": 0}
        confirmation = LineConfirmation(sequence=po_line.sequence)
        usable = True
        for line_ack, ack_segment in zip(line.acks, segments.acks):
            status_field = ACK_STATUS_FIELDS.get(line_ack.status)
            if status_field is None:
                problems.element(ack_segment, 1, _("ACK01 %(code)s: use IA (accepted), IB (backordered) or IR (rejected).") % {"code": line_ack.status}, reference="668")
                usable = False
                continue
            if line_ack.quantity is None or line_ack.quantity < 0:
                problems.element(ack_segment, 2, _("Line %(n)s: give the quantity in ACK02.") % {"n": po_line.sequence}, code="required", x12_code=ElementError.MANDATORY_MISSING, reference="380")
                usable = False
                continue
            if line_ack.uom and UNITS.get(line_ack.uom) != po_line.unit_of_measure:
                problems.element(ack_segment, 3, _("Line %(n)s is ordered in %(unit)s (%(code)s).") % {"n": po_line.sequence, "unit": po_line.unit_of_measure, "code": X12_UNITS[po_line.unit_of_measure]}, code="unit_mismatch", reference="355")
                usable = False
                continue
            quantities[status_field] += line_ack.quantity
            if line_ack.status == ITEM_BACKORDERED:
                confirmation.backorder_date = line_ack.date or confirmation.backorder_date
            elif line_ack.status == ITEM_REJECTED and line_ack.reason_code:
                reason = REJECTION_REASON_CODES.get(line_ack.reason_code)
                if reason is None:
                    problems.element(ack_segment, 29, _("ACK29 %(code)s: use R1 (temporarily unavailable), R2 (invalid product identifier) or R3 (obsolete product).") % {"code": line_ack.reason_code}, reference="1271")
                    usable = False
                    continue
                confirmation.rejection_reason = reason
            elif line_ack.status == ITEM_ACCEPTED and line_ack.date:
                if line_ack.date_qualifier == CURRENT_SCHEDULE_SHIP:
                    ship_dates.append(line_ack.date)
                elif line_ack.date_qualifier == CURRENT_SCHEDULE_DELIVERY:
                    delivery_dates.append(line_ack.date)
        if not usable:
            continue
        confirmation.accepted, confirmation.backordered, confirmation.rejected = quantities["accepted"], quantities["backordered"], quantities["rejected"]
        confirmations.append(confirmation)
        where.append(segments)
    if ack.ack_type == ACK_WITH_EXCEPTION_DETAIL_ONLY:
        # "Exceptions only": a line the vendor did not mention is accepted as ordered.
        for sequence, po_line in po_lines.items():
            if sequence not in seen and po_line.ordered_quantity > 0:
                confirmations.append(LineConfirmation(sequence=sequence, accepted=po_line.ordered_quantity))
                where.append(None)
    elif ack.ack_type == REJECTED_NO_DETAIL and not ack.lines:
        for sequence, po_line in po_lines.items():
            if po_line.ordered_quantity > 0:
                confirmations.append(LineConfirmation(sequence=sequence, rejected=po_line.ordered_quantity,
                                                      rejection_reason=RejectionReason.TEMPORARILY_UNAVAILABLE))
                where.append(None)
    if outcome.errors:
        return outcome
    try:
        purchase_order_acknowledge(
            scope=context.scope, number=po.number, lines=confirmations, actor=context.actor,
            scheduled_ship_date=min(ship_dates) if ship_dates else None,
            scheduled_delivery_date=min(delivery_dates) if delivery_dates else None,
        )
    except PortalError as error:
        for item in error.as_error_list():
            segment, index, reference = _locate_service_error(item.get("field") or "", where, bak, ts)
            problems.element(segment, index, item["message"], code=item.get("code") or "invalid", reference=reference)
    return outcome


def _locate_service_error(field_name: str, where: list, bak: x12.Segment, ts: x12.TransactionSet) -> tuple[x12.Segment, int, str]:
    """The segment and element of the 855 that a purchase_order_acknowledge error names."""
    match = _SERVICE_LINE_FIELD.match(field_name)
    if match and int(match[1]) < len(where) and where[int(match[1])] is not None:
        segments, name = where[int(match[1])], match[2]
        status = {"accepted": ITEM_ACCEPTED, "backordered": ITEM_BACKORDERED, "backorder_date": ITEM_BACKORDERED,
                  "rejected": ITEM_REJECTED, "rejection_reason": ITEM_REJECTED}.get(name)
        ack_segment = segments.ack(status) if status else None
        if ack_segment is not None:
            index = {"backorder_date": 5, "rejection_reason": 29}.get(name, 2)
            return ack_segment, index, {5: "373", 29: "1271"}.get(index, "380")
        return segments.po1, 1 if name == "sequence" else 2, "350" if name == "sequence" else "330"
    if field_name in ("scheduled_ship_date", "scheduled_delivery_date"):
        qualifier = CURRENT_SCHEDULE_SHIP if field_name == "scheduled_ship_date" else CURRENT_SCHEDULE_DELIVERY
        dated = next((s for s in ts.body if s.id == "ACK" and s[1] == ITEM_ACCEPTED and s[4] == qualifier), None)
        if dated is not None:
            return dated, 5, "373"
    return bak, 3, "324"
