"""Inbound 855, purchase order acknowledgements: onto purchase_order_acknowledge, its refusals located
at the PO1/ACK segment they concern."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from edi import x12
from edi.x12.core import is_digits
from edi.x12.po855 import ACK_WITH_EXCEPTION_DETAIL_ONLY, ITEM_ACCEPTED, ITEM_BACKORDERED, ITEM_REJECTED, REJECTED_NO_DETAIL
from purchase_orders.models import PurchaseOrder, RejectionReason
from purchase_orders.services.confirmations import LineConfirmation, purchase_order_acknowledge
from purchase_orders.services.line_identity import GivenQuantity
from vendor_portal.errors import FieldError, PortalError
from vendor_portal.roles import Action

from ._common import _Context, _Element, _named_product, _Outcome, _product_position, _SetProblems, _unit

# ACK29 names why units are rejected; the portal's own reason names are understood too. A rejection
# without one (ACK*IR with no ACK29, or BAK02 RJ without lines) is "temporarily unavailable", as most
# vendors' systems mean it. The table in docs/edi-codes.md lists these.
DEFAULT_REJECTION_REASON = RejectionReason.TEMPORARILY_UNAVAILABLE
REJECTION_REASON_CODES = {
    "R1": RejectionReason.TEMPORARILY_UNAVAILABLE,
    "R2": RejectionReason.INVALID_PRODUCT_IDENTIFIER,
    "R3": RejectionReason.OBSOLETE_PRODUCT,
    **{value: value for value in RejectionReason.values},
}
ACK_STATUS_FIELDS = {ITEM_ACCEPTED: "accepted", ITEM_BACKORDERED: "backordered", ITEM_REJECTED: "rejected"}
CURRENT_SCHEDULE_SHIP, CURRENT_SCHEDULE_DELIVERY = "068", "067"


@dataclass(eq=False)
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
    # Each line goes to the service as the 855 gives it (line number, product ids, quantities in their
    # units): which PO line it is, and whether product and units fit, is the service's to say.
    confirmations: list[LineConfirmation] = []
    ship_dates: list[date] = []
    delivery_dates: list[date] = []
    mentioned: set[int] = set()
    for line, segments in zip(ack.lines, _line_segments(ts), strict=False):
        po1 = segments.po1
        if is_digits(line.line_number):
            mentioned.add(int(line.line_number))
        if not line.acks:
            problems.missing("ACK", po1.position + 1, _("Line %(n)s has no ACK segment.") % {"n": line.line_number or "-"})
            continue
        confirmation = LineConfirmation(
            sequence=int(line.line_number) if is_digits(line.line_number) else None,
            ordered=GivenQuantity(line.quantity, _unit(line.uom), ref=_Element(po1, 2, 3)),
            ref=segments,
            **_named_product(line.item_ids),
        )
        usable = True
        for line_ack, ack_segment in zip(line.acks, segments.acks, strict=False):
            status_field = ACK_STATUS_FIELDS.get(line_ack.status)
            if status_field is None:
                problems.element(
                    ack_segment,
                    1,
                    _("ACK01 %(code)s: use IA (accepted), IB (backordered) or IR (rejected).") % {"code": line_ack.status},
                    reference="668",
                )
                usable = False
                continue
            if line_ack.quantity is None or line_ack.quantity < 0:
                problems.element(
                    ack_segment,
                    2,
                    _("Line %(n)s: give the quantity in ACK02.") % {"n": line.line_number or "-"},
                    code="required",
                    reference="380",
                )
                usable = False
                continue
            confirmation.given.append((status_field, GivenQuantity(line_ack.quantity, _unit(line_ack.uom), ref=_Element(ack_segment, 2, 3))))
            if line_ack.status == ITEM_BACKORDERED:
                confirmation.backorder_date = line_ack.date or confirmation.backorder_date
            elif line_ack.status == ITEM_REJECTED and not line_ack.reason_code:
                confirmation.rejection_reason = DEFAULT_REJECTION_REASON
            elif line_ack.status == ITEM_REJECTED:
                reason = REJECTION_REASON_CODES.get(line_ack.reason_code)
                if reason is None:
                    problems.element(
                        ack_segment,
                        29,
                        _("ACK29 %(code)s: use R1 (temporarily unavailable), R2 (invalid product identifier) or R3 (obsolete product).")
                        % {"code": line_ack.reason_code},
                        reference="1271",
                    )
                    usable = False
                    continue
                confirmation.rejection_reason = reason
            elif line_ack.status == ITEM_ACCEPTED and line_ack.date:
                if line_ack.date_qualifier == CURRENT_SCHEDULE_SHIP:
                    ship_dates.append(line_ack.date)
                elif line_ack.date_qualifier == CURRENT_SCHEDULE_DELIVERY:
                    delivery_dates.append(line_ack.date)
        if usable:
            confirmations.append(confirmation)
    po_lines = list(po.lines.order_by("sequence"))
    if ack.ack_type == ACK_WITH_EXCEPTION_DETAIL_ONLY:
        # "Exceptions only": a line the vendor did not mention is accepted as ordered.
        confirmations += [
            LineConfirmation(sequence=po_line.sequence, accepted=po_line.ordered_quantity, ref=bak)
            for po_line in po_lines
            if po_line.sequence not in mentioned and po_line.ordered_quantity > 0
        ]
    elif ack.ack_type == REJECTED_NO_DETAIL and not ack.lines:
        confirmations += [
            LineConfirmation(sequence=po_line.sequence, rejected=po_line.ordered_quantity, rejection_reason=DEFAULT_REJECTION_REASON, ref=bak)
            for po_line in po_lines
            if po_line.ordered_quantity > 0
        ]
    if outcome.errors:
        return outcome
    try:
        purchase_order_acknowledge(
            scope=context.scope,
            number=po.number,
            lines=confirmations,
            actor=context.actor,
            scheduled_ship_date=min(ship_dates) if ship_dates else None,
            scheduled_delivery_date=min(delivery_dates) if delivery_dates else None,
        )
    except PortalError as error:
        for problem in error.field_errors():
            segment, index, reference = _locate_service_error(problem, bak, ts)
            problems.element(segment, index, problem.message, code=problem.code, reference=reference)
    return outcome


# Data element reference numbers of the elements the service's errors point at.
_ACK_ELEMENTS = {2: "380", 3: "355", 5: "373", 29: "1271"}
_PO1_ELEMENTS = {1: "350", 2: "330", 3: "355"}


def _locate_service_error(problem: FieldError, bak: x12.Segment, ts: x12.TransactionSet) -> tuple[x12.Segment, int, str]:
    """The segment and element of the 855 that a purchase_order_acknowledge error is about."""
    ref, name = problem.ref, problem.field
    if isinstance(ref, _Element):  # a quantity: its amount or its unit
        index = ref.unit if name == "unit_of_measure" else ref.quantity
        return ref.segment, index, (_PO1_ELEMENTS if ref.segment.id == "PO1" else _ACK_ELEMENTS).get(index, "")
    if isinstance(ref, _LineSegments):
        status = {
            "accepted": ITEM_ACCEPTED,
            "backordered": ITEM_BACKORDERED,
            "backorder_date": ITEM_BACKORDERED,
            "rejected": ITEM_REJECTED,
            "rejection_reason": ITEM_REJECTED,
        }.get(name)
        ack_segment = ref.ack(status) if status else None
        if ack_segment is not None:
            index = {"backorder_date": 5, "rejection_reason": 29}.get(name, 2)
            return ack_segment, index, _ACK_ELEMENTS[index]
        product = _product_position(ref.po1, name) if name in ("asin", "vendor_sku", "gtin") else None
        if product is not None:
            return ref.po1, product, "234"
        index = 1 if name == "sequence" else 2
        return ref.po1, index, _PO1_ELEMENTS[index]
    if name in ("scheduled_ship_date", "scheduled_delivery_date"):
        qualifier = CURRENT_SCHEDULE_SHIP if name == "scheduled_ship_date" else CURRENT_SCHEDULE_DELIVERY
        dated = next((s for s in ts.body if s.id == "ACK" and s[1] == ITEM_ACCEPTED and s[4] == qualifier), None)
        if dated is not None:
            return dated, 5, "373"
    return bak, 3, "324"
