"""Every EDI write. Inbound X12 goes through the same services as the screens and the API (with an
Actor on channel "edi"), so it meets the same checks and leaves the same audit rows; outbound X12 is
generated from portal objects with control numbers from per-partner counters.

    edi_receive(vendor=..., content=..., actor=..., source=...)   parse, dispatch each set, answer with 997s
    edi_purchase_order_850(purchase_order=...)                    the 850 for a new PO
    edi_remittance_820(vendor=..., remittance=...)                the 820 for a payment
    edi_inbox_poll()                                              the watched folder (Celery beat)
"""
from __future__ import annotations

import logging
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edi import x12
from edi.x12.codes import AckCode, ElementError, InterchangeNote, SegmentError, SetError
from edi.x12.core import Problem, decode, is_digits, parse_envelope
from edi.x12.po855 import (
    ACK_WITH_EXCEPTION_DETAIL_ONLY,
    ITEM_ACCEPTED,
    ITEM_BACKORDERED,
    ITEM_REJECTED,
    REJECTED_NO_DETAIL,
)
from invoicing.services.drafts import invoice_create
from invoicing.services.submission import invoice_submit
from purchase_orders.models import PurchaseOrder, PurchaseOrderType, RejectionReason, UnitOfMeasure
from purchase_orders.services import LineConfirmation, purchase_order_acknowledge
from vendor_portal.errors import DomainValidationError, ForbiddenError, NotFoundError, PortalError
from vendor_portal.models import Channel, TokenScope, Vendor, VendorAccount
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.tenancy import Scope

from .models import (
    MAX_INTERCHANGE_BYTES,
    ControlNumberCounter,
    ControlNumberKind,
    Direction,
    Interchange,
    InterchangeSource,
    InterchangeStatus,
    SetStatus,
    TradingPartner,
    TransactionRecord,
)

logger = logging.getLogger(__name__)

DEFAULTS = {
    "EDI_RETAILER_ISA_QUALIFIER": "ZZ",
    "EDI_RETAILER_ISA_ID": "NORTHWIND",
    "EDI_RETAILER_GS_ID": "NORTHWIND",
    "EDI_INBOX_DIR": str(Path(settings.BASE_DIR) / "var" / "edi" / "inbox"),
}
DUPLICATE_INTERCHANGE = "025"  # TA105: duplicate interchange control number
# A file claimed by a worker that died is picked up again after this long.
STALE_CLAIM_SECONDS = 15 * 60
INBOX_SUFFIXES = (".edi", ".x12")


def edi_setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def retailer_partner() -> x12.Partner:
    return x12.Partner(
        edi_setting("EDI_RETAILER_ISA_QUALIFIER"), edi_setting("EDI_RETAILER_ISA_ID"), edi_setting("EDI_RETAILER_GS_ID")
    )


def _x12_partner(partner: TradingPartner) -> x12.Partner:
    return x12.Partner(partner.isa_qualifier, partner.isa_id, partner.gs_application_id)


def active_partner(vendor) -> TradingPartner | None:
    return TradingPartner.objects.for_vendor(vendor).filter(is_active=True).order_by("pk").first()


# Trading partners ----------------------------------------------------------------------------------
_EDI_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,14}")


def trading_partner_create(*, vendor: Vendor, isa_id: str, actor: Actor, isa_qualifier: str = "ZZ", gs_application_id: str = "", name: str = "") -> TradingPartner:
    isa_id, gs_application_id, isa_qualifier = isa_id.strip(), gs_application_id.strip(), isa_qualifier.strip().upper()
    errors = []
    if not _EDI_ID.fullmatch(isa_id):
        errors.append({"field": "isa_id", "message": _("An ISA id is 1-15 letters, digits, spaces, dots, dashes or underscores."), "code": "invalid"})
    if gs_application_id and not _EDI_ID.fullmatch(gs_application_id):
        errors.append({"field": "gs_application_id", "message": _("A GS application id is 1-15 letters, digits, spaces, dots, dashes or underscores."), "code": "invalid"})
    if not re.fullmatch(r"[A-Z0-9]{2}", isa_qualifier):
        errors.append({"field": "isa_qualifier", "message": _("An ISA qualifier is two letters or digits, e.g. ZZ or 01."), "code": "invalid"})
    if errors:
        raise DomainValidationError(_("The trading partner has errors."), errors=errors)
    try:
        with transaction.atomic():
            partner = TradingPartner.objects.create(
                vendor=vendor, isa_qualifier=isa_qualifier, isa_id=isa_id, gs_application_id=gs_application_id, name=name[:100]
            )
            audit_record(actor=actor, action="edi_trading_partner.create", obj=partner,
                         after={"isa_qualifier": isa_qualifier, "isa_id": isa_id, "gs_application_id": gs_application_id})
    except IntegrityError:
        raise DomainValidationError(_("ISA id %(id)s is already in use.") % {"id": f"{isa_qualifier}:{isa_id}"}, field="isa_id")
    return partner


def trading_partner_set_active(*, scope: Scope, partner_id, is_active: bool, actor: Actor) -> TradingPartner:
    with transaction.atomic():
        partner = TradingPartner.objects.visible_to(scope).select_for_update().filter(pk=partner_id).first()
        if partner is None:
            raise NotFoundError(_("Trading partner not found."))
        if partner.is_active != is_active:
            partner.is_active = is_active
            partner.save(update_fields=["is_active"])
            audit_record(actor=actor, action="edi_trading_partner.activate" if is_active else "edi_trading_partner.deactivate",
                         obj=partner, before={"is_active": not is_active}, after={"is_active": is_active})
    return partner


# Storing interchanges ------------------------------------------------------------------------------
def _storable(text: str) -> str:
    # PostgreSQL text and jsonb refuse NUL characters; garbage input may carry them.
    return text.replace("\x00", "\ufffd")


def _problem_dict(problem: Problem) -> dict:
    return {
        "level": problem.level,
        "code": str(problem.code),
        "message": _storable(problem.message),
        "group": _storable(problem.group_control_number),
        "set": _storable(problem.set_control_number),
        "segment": _storable(problem.segment_id),
        "position": problem.segment_position,
        "element": problem.element_position,
        "bad_value": _storable(problem.bad_value),
    }


@dataclass
class _OutboundSet:
    set_id: str
    group_control_number: int
    control_number: int
    reference: str = ""
    obj: object | None = None


def _store_outbound(*, partner: TradingPartner, isa_control_number: int, text: str, sets: list[_OutboundSet], actor: Actor, action: str) -> Interchange:
    sender, receiver = retailer_partner(), _x12_partner(partner)
    interchange = Interchange.objects.create(
        vendor_id=partner.vendor_id, partner=partner, direction=Direction.OUTBOUND, status=InterchangeStatus.SENT,
        source=InterchangeSource.PORTAL, control_number=str(isa_control_number).zfill(9),
        sender_qualifier=sender.qualifier, sender_id=sender.id, receiver_qualifier=receiver.qualifier, receiver_id=receiver.id,
        set_ids=",".join(dict.fromkeys(s.set_id for s in sets)), content=text, size=len(text.encode()),
    )
    TransactionRecord.objects.bulk_create([
        TransactionRecord(
            interchange=interchange, set_id=s.set_id, group_control_number=str(s.group_control_number),
            control_number=str(s.control_number).zfill(4), status=SetStatus.SENT, reference=s.reference[:60],
            object_type=s.obj._meta.label_lower if s.obj is not None else "", object_id=str(s.obj.pk) if s.obj is not None else "",
        )
        for s in sets
    ])
    audit_record(actor=actor, action=action, obj=interchange, after={
        "control_number": interchange.control_number, "partner": str(partner),
        "sets": [{"set": s.set_id, "group": s.group_control_number, "control_number": s.control_number, "reference": s.reference} for s in sets],
    })
    return interchange


def _allocate(partner: TradingPartner, kind: str) -> int:
    return ControlNumberCounter.allocate(partner_id=partner.pk, kind=kind)


# Inbound -------------------------------------------------------------------------------------------
@dataclass
class _Outcome:
    """What dispatching one transaction set did."""

    reference: str = ""
    obj: object | None = None
    errors: list[dict] = field(default_factory=list)


class _SetProblems:
    """Domain refusals filed on a transaction set as 997 problems, located at the segment and element
    that caused them, so the AK3/AK4 point the partner at the line to fix."""

    def __init__(self, ts: x12.TransactionSet, group: x12.FunctionalGroup, outcome: _Outcome):
        self.ts, self.group, self.outcome = ts, group, outcome

    def element(self, segment: x12.Segment, index: int, message: str, *, code: str = "invalid",
                x12_code: str = ElementError.INVALID_CODE, reference: str = "") -> None:
        self.ts.problems.append(Problem(
            "element", x12_code, str(message), group_control_number=self.group.control_number,
            set_control_number=self.ts.control_number, segment_id=segment.id, segment_position=segment.position,
            element_position=index, element_reference=reference, bad_value=segment[index][:99],
        ))
        self.outcome.errors.append({"code": code, "message": str(message), "segment": segment.id,
                                    "position": segment.position, "element": index})

    def missing(self, segment_id: str, position: int, message: str, *, code: str = "required") -> None:
        self.ts.problems.append(Problem(
            "segment", SegmentError.MANDATORY_MISSING, str(message), group_control_number=self.group.control_number,
            set_control_number=self.ts.control_number, segment_id=segment_id, segment_position=position,
        ))
        self.outcome.errors.append({"code": code, "message": str(message), "segment": segment_id, "position": position, "element": None})

    def unsupported(self, message: str, *, code: str = "not_supported") -> None:
        self.ts.problems.append(Problem(
            "set", SetError.NOT_SUPPORTED, str(message), group_control_number=self.group.control_number,
            set_control_number=self.ts.control_number,
        ))
        self.outcome.errors.append({"code": code, "message": str(message), "segment": "", "position": None, "element": None})


@dataclass
class _Context:
    vendor: Vendor
    partner: TradingPartner
    scope: Scope
    actor: Actor
    interchange: Interchange
    check_permissions: bool = True  # False for the watched folder, where the vendor itself is the sender

    def may(self, action: str) -> bool:
        """People need the action's role; an integrator token needs its edi scope."""
        if not self.check_permissions:
            return True
        if self.scope.token_scopes is not None:
            return TokenScope.EDI in self.scope.token_scopes
        return self.scope.can(action)


# 855 -----------------------------------------------------------------------------------------------
# ACK29 names why units are rejected; the portal's own reason names are understood too.
REJECTION_REASON_CODES = {
    "R1": RejectionReason.TEMPORARILY_UNAVAILABLE,
    "R2": RejectionReason.INVALID_PRODUCT_IDENTIFIER,
    "R3": RejectionReason.OBSOLETE_PRODUCT,
    **{value: value for value in RejectionReason.values},
}
UNITS = {"EA": UnitOfMeasure.EACHES, "CA": UnitOfMeasure.CASES}
X12_UNITS = {value: key for key, value in UNITS.items()}
ACK_STATUS_FIELDS = {ITEM_ACCEPTED: "accepted", ITEM_BACKORDERED: "backordered", ITEM_REJECTED: "rejected"}
CURRENT_SCHEDULE_SHIP, CURRENT_SCHEDULE_DELIVERY = "068", "067"
GTIN_QUALIFIERS = (x12.ItemId.UPC, x12.ItemId.EAN, x12.ItemId.GTIN14)
_SERVICE_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


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


def _item_id_positions(segment: x12.Segment, start: int = 6) -> dict[str, int]:
    """Qualifier -> position of its value in a PO1/LIN id-pair list."""
    return {segment[index]: index + 1 for index in range(start, len(segment.elements), 2) if segment[index]}


def _product_mismatch(qualifier: str, value: str, po_line) -> bool:
    if qualifier == x12.ItemId.ASIN:
        return value != po_line.asin
    if qualifier == x12.ItemId.VENDOR_ITEM:
        return value != po_line.vendor_sku
    if qualifier in GTIN_QUALIFIERS:
        gtin = po_line.product.gtin if po_line.product is not None else ""
        return value.zfill(14) != gtin.zfill(14)
    return False


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


# 856 -----------------------------------------------------------------------------------------------
# BSN01: an original ASN or a replacement; TD504: how the goods travel.
ASN_PURPOSES = {"00": "Original", "05": "Replace"}
SMALL_PARCEL_METHODS = {"U"}  # private parcel service
TRANSPORT_METHODS_856 = {"A": "air", "O": "ocean", "S": "ocean"}


def _segments_of_856(ts: x12.TransactionSet, shipment: x12.Shipment) -> dict[int, dict[str, x12.Segment]]:
    """id() of each order, pallet, carton and item of the parsed 856 -> the segments it was read from,
    paired the way read_856 builds the tree (children appended in the order their HLs appear)."""
    where: dict[int, dict[str, x12.Segment]] = {}
    by_hl: dict[str, object] = {}
    taken: dict[tuple[int, str], int] = {}
    current: dict[str, x12.Segment] | None = None

    def next_child(parent, kind: str):
        children = getattr(parent, kind, None)
        key = (id(parent), kind)
        index = taken.get(key, 0)
        taken[key] = index + 1
        return children[index] if children is not None and index < len(children) else None

    for segment in ts.body:
        if segment.id == "HL":
            level, parent = segment[3], by_hl.get(segment[2], shipment)
            kind = {"O": "orders", "T": "pallets", "P": "cartons", "I": "items"}.get(level)
            child = next_child(parent, kind) if kind else None
            current = None
            if child is not None:
                by_hl[segment[1]] = child
                current = where.setdefault(id(child), {"HL": segment})
            continue
        if current is not None and segment.id not in current:
            current[segment.id] = segment
    return where


def _receive_856(ts, group, context: _Context) -> _Outcome:
    """An ASN the vendor's system built: onto shipment_create_from_confirmation, SSCCs (MAN*GM) as given."""
    from shipments.models import TransportMode
    from shipments.services.confirmations import ConfirmedCarton, ConfirmedPallet, ShipmentConfirmationInput, shipment_create_from_confirmation
    from shipments.services.plans import ShipPlanLine
    from vendor_portal.models import ShipFromAddress

    shipment: x12.Shipment = ts.document
    outcome = _Outcome(reference=shipment.shipment_id[:60])
    problems = _SetProblems(ts, group, outcome)
    bsn = next(segment for segment in ts.body if segment.id == "BSN")
    if not context.may(Action.MANAGE_SHIPMENTS):
        problems.element(bsn, 2, _("Your role does not allow submitting ASNs."), code="forbidden", reference="396")
        return outcome
    if shipment.purpose not in ASN_PURPOSES:
        problems.element(bsn, 1, _("BSN01 %(code)s: send 00 (original) or 05 (replace).") % {"code": shipment.purpose}, reference="353")
        return outcome
    where = _segments_of_856(ts, shipment)
    numbers = {order.po_number for order in shipment.orders}
    purchase_orders = {
        po.number: po
        for po in PurchaseOrder.objects.visible_to(context.scope).filter(number__in=numbers).select_related("ship_to").prefetch_related("lines__product")
    }
    line_totals: dict[int, int] = {}
    first_item_of_line: dict[int, x12.ShipmentItem] = {}
    carton_list: list[tuple[x12.Carton, ConfirmedCarton]] = []
    pallets: dict[str, tuple[x12.Pallet, ConfirmedPallet]] = {}

    def resolve(item: x12.ShipmentItem, po: PurchaseOrder):
        segments = where.get(id(item), {})
        lin, sn1 = segments.get("LIN", bsn), segments.get("SN1", bsn)
        lines = {line.sequence: line for line in po.lines.all()}
        if is_digits(item.line_number) and int(item.line_number) in lines:
            po_line = lines[int(item.line_number)]
        else:
            matches = [line for line in lines.values() if item.item_ids and not any(_product_mismatch(q, v, line) for q, v in item.item_ids.items())]
            if len(matches) != 1:
                problems.element(lin, 1, _("PO %(number)s has no line %(n)s with these product identifiers.") % {"number": po.number, "n": item.line_number or "-"}, code="unknown_line", reference="350")
                return None
            po_line = matches[0]
        for qualifier, value in item.item_ids.items():
            if _product_mismatch(qualifier, value, po_line):
                problems.element(
                    lin, 1, _("Line %(n)s ships ASIN %(asin)s, SKU %(sku)s: %(qualifier)s %(value)s is another product.")
                    % {"n": po_line.sequence, "asin": po_line.asin, "sku": po_line.vendor_sku, "qualifier": qualifier, "value": value},
                    code="product_identifier_mismatch", reference="350",
                )
                return None
        if UNITS.get(item.uom) != po_line.unit_of_measure:
            problems.element(sn1, 3, _("Line %(n)s is ordered in %(unit)s (%(code)s).") % {"n": po_line.sequence, "unit": po_line.unit_of_measure, "code": X12_UNITS[po_line.unit_of_measure]}, code="unit_mismatch", reference="355")
            return None
        line_totals[po_line.pk] = line_totals.get(po_line.pk, 0) + item.quantity
        first_item_of_line.setdefault(po_line.pk, item)
        return po_line

    def carton_of(carton: x12.Carton, po: PurchaseOrder) -> int:
        packed = []
        for item in carton.items:
            po_line = resolve(item, po)
            if po_line is not None:
                packed.append(ShipPlanLine(purchase_order_line_id=po_line.pk, quantity=item.quantity))
        carton_list.append((carton, ConfirmedCarton(sscc=carton.sscc, items=packed, tracking_number=carton.tracking_number)))
        return len(carton_list) - 1

    for order in shipment.orders:
        po = purchase_orders.get(order.po_number)
        if po is None:
            problems.element(where[id(order)].get("PRF", bsn), 1, _("Purchase order %(number)s not found.") % {"number": order.po_number}, code="not_found", reference="324")
            continue
        for pallet in order.pallets:
            for item in pallet.items:
                problems.element(where.get(id(item), {}).get("LIN", bsn), 1, _("Pack the items of pallet %(sscc)s in cartons (HL P) with their own SSCCs.") % {"sscc": pallet.sscc}, code="pallet_items_not_supported", reference="350")
            # A pallet of several POs appears under each order with the same SSCC: it is one pallet.
            given = pallets.setdefault(pallet.sscc, (pallet, ConfirmedPallet(sscc=pallet.sscc)))[1]
            given.cartons += [carton_of(carton, po) for carton in pallet.cartons]
        for carton in order.cartons:
            carton_of(carton, po)
        for item in order.items:
            resolve(item, po)
    if outcome.errors:
        return outcome
    dcs = {po.ship_to.code for po in purchase_orders.values()}
    ship_to_party = next((party for party in shipment.parties if party.entity_code == "ST"), None)
    ship_to = ship_to_party.id_code if ship_to_party is not None and ship_to_party.id_code else (next(iter(dcs)) if len(dcs) == 1 else "")
    ship_from_party = next((party for party in shipment.parties if party.entity_code == "SF"), None)
    ship_from = ""
    if ship_from_party is not None and ShipFromAddress.objects.for_vendor(context.vendor).filter(code=ship_from_party.id_code).exists():
        ship_from = ship_from_party.id_code
    data = ShipmentConfirmationInput(
        ship_to=ship_to,
        shipment_identifier=shipment.shipment_id,
        ship_date=shipment.shipped_date or shipment.shipment_date,
        lines=[ShipPlanLine(purchase_order_line_id=line_id, quantity=quantity) for line_id, quantity in line_totals.items()],
        transport_mode=TransportMode.SMALL_PARCEL if shipment.transport_method in SMALL_PARCEL_METHODS else TransportMode.LTL,
        transport_method=TRANSPORT_METHODS_856.get(shipment.transport_method, "road"),
        carrier_scac=shipment.carrier_scac,
        bol_number=shipment.bill_of_lading,
        pro_number=shipment.pro_number,
        estimated_arrival=shipment.estimated_delivery,
        ship_from=ship_from,
        cartons=[given for _carton, given in carton_list],
        pallets=[given for _pallet, given in pallets.values()],
        asn_type=ASN_PURPOSES[shipment.purpose],
    )
    try:
        outcome.obj = shipment_create_from_confirmation(scope=context.scope, data=data, actor=context.actor)
    except PortalError as error:
        items_of_lines = list(first_item_of_line.values())
        cartons = [carton for carton, _given in carton_list]
        pallet_list = [pallet for pallet, _given in pallets.values()]
        for problem in error.as_error_list():
            segment, index, reference = _locate_856_error(problem.get("field") or "", where, bsn, ts, items_of_lines, cartons, pallet_list)
            problems.element(segment, index, problem["message"], code=problem.get("code") or "invalid", reference=reference)
    return outcome


_SERVICE_856_FIELD = re.compile(r"^(lines|cartons|pallets)\[(\d+)\](?:\.(.+))?$")


def _locate_856_error(field_name: str, where: dict, bsn: x12.Segment, ts: x12.TransactionSet, items: list, cartons: list, pallets: list) -> tuple[x12.Segment, int, str]:
    """The segment and element of the 856 that a shipment_create_from_confirmation error names."""
    match = _SERVICE_856_FIELD.match(field_name)
    if match:
        kind, index, rest = match[1], int(match[2]), match[3] or ""
        found = {"lines": items, "cartons": cartons, "pallets": pallets}[kind]
        segments = where.get(id(found[index]), {}) if index < len(found) else {}
        if kind == "lines" and "SN1" in segments:
            return (segments["SN1"], 2, "382") if rest == "quantity" else (segments.get("LIN", segments["SN1"]), 1, "350")
        if kind == "cartons" and rest.startswith("items") and index < len(found):
            item_index = re.match(r"items\[(\d+)\]", rest)
            carton = found[index]
            if item_index and int(item_index[1]) < len(carton.items):
                sn1 = where.get(id(carton.items[int(item_index[1])]), {}).get("SN1")
                if sn1 is not None:
                    return sn1, 2, "382"
        if kind == "cartons" and rest == "tracking_number" and "REF" in segments:
            return segments["REF"], 2, "127"
        if "MAN" in segments:
            return segments["MAN"], 2, "88"
        if "HL" in segments:
            return segments["HL"], 1, "628"
    headers = {"ship_date": ("DTM", 2, "373"), "estimated_arrival": ("DTM", 2, "373"), "bol_number": ("REF", 2, "127"), "carrier_scac": ("TD5", 3, "67")}
    if field_name in headers:
        segment_id, index, reference = headers[field_name]
        found_segment = next((s for s in ts.body if s.id == segment_id), None)
        if found_segment is not None:
            return found_segment, index, reference
    if field_name == "tracking_number":
        carton_hl = next((s for s in ts.body if s.id == "HL" and s[3] == "P"), None)
        if carton_hl is not None:
            return carton_hl, 1, "628"
    return bsn, 2, "396"


# 810 -----------------------------------------------------------------------------------------------
CHARGE_CODES = {"D240": "Freight", "B840": "Packing", "G830": "SpecialHandlingService", "D980": "InsuranceFee", "C310": "Discount"}
TAX_TYPES = {"ST": "ST", "VA": "VAT", "GS": "GST", "PS": "PST"}
TERMS_BY_NET_DAYS = {30: "net30", 60: "net60", 90: "net90"}


def _tax_type(code: str) -> str:
    return TAX_TYPES.get(code, code)


def _invoice_payload(invoice: x12.Invoice) -> dict:
    """The invoicing service's payload for an 810, as the screens and the API send it."""
    data = {
        "number": invoice.invoice_number, "invoice_type": "CreditNote" if invoice.is_credit_note else "Invoice",
        "invoice_date": invoice.invoice_date.isoformat(), "grand_total": str(invoice.total_amount),
    }
    if invoice.currency:
        data["currency"] = invoice.currency
    remit_to = invoice.party("RI")
    if remit_to is not None and remit_to.id_code:
        data["remit_to_party_id"] = remit_to.id_code
    terms = invoice.terms
    if terms is not None:
        if terms.discount_percent and terms.discount_days == 10 and terms.net_days == 30 and terms.discount_percent == 2:
            data["payment_terms"] = "2/10net30"
        elif terms.net_days in TERMS_BY_NET_DAYS:
            data["payment_terms"] = TERMS_BY_NET_DAYS[terms.net_days]
    data["lines"] = [
        {
            "sequence": int(line.line_number) if is_digits(line.line_number) else index + 1,
            "purchase_order_number": invoice.po_number,
            "asin": line.item_ids.get(x12.ItemId.ASIN, ""), "vendor_sku": line.item_ids.get(x12.ItemId.VENDOR_ITEM, ""),
            "quantity": line.quantity, "unit_of_measure": UNITS.get(line.uom, line.uom), "unit_cost": str(line.unit_price),
            "tax_type": _tax_type(line.taxes[0].type_code) if line.taxes else "",
            "tax_rate": str(line.taxes[0].percent or 0) if line.taxes else "0",
            "tax_amount": str(sum((tax.amount or 0 for tax in line.taxes), Decimal(0))),
        }
        for index, line in enumerate(invoice.lines)
    ]
    charges = [*invoice.allowances_charges, *(charge for line in invoice.lines for charge in line.allowances_charges)]
    data["charges"] = [
        {"kind": "allowance" if charge.indicator == "A" else "charge",
         "charge_type": CHARGE_CODES.get(charge.code, "Special" if charge.indicator == "A" else "Service"),
         "description": charge.description, "amount": str(charge.amount or 0)}
        for charge in charges
    ]
    if invoice.taxes:
        data["taxes"] = [{"tax_type": _tax_type(tax.type_code), "rate": str(tax.percent or 0), "amount": str(tax.amount or 0)} for tax in invoice.taxes]
    return data


def _locate_invoice_error(field_name: str, ts: x12.TransactionSet) -> tuple[x12.Segment, int, str]:
    """The segment and element of the 810 that an invoicing error names."""
    body = ts.body
    big = next(segment for segment in body if segment.id == "BIG")
    it1s = [segment for segment in body if segment.id == "IT1"]
    match = _SERVICE_LINE_FIELD.match(field_name)
    if match and int(match[1]) < len(it1s):
        it1, name = it1s[int(match[1])], match[2]
        if name == "purchase_order_number":
            return big, 4, "324"
        positions = _item_id_positions(it1)
        element = {"quantity": 2, "unit_of_measure": 3, "unit_cost": 4, "line_amount": 4, "sequence": 1}.get(name)
        if element is None:
            element = positions.get(x12.ItemId.VENDOR_ITEM) or positions.get(x12.ItemId.ASIN) or 1
        return it1, element, {1: "350", 2: "358", 3: "355", 4: "212"}.get(element, "234")
    if field_name in ("grand_total", "items_subtotal", "charges_total", "allowances_total", "tax_total", "taxes"):
        return next(segment for segment in body if segment.id == "TDS"), 1, "610"
    if field_name == "currency":
        cur = next((segment for segment in body if segment.id == "CUR"), None)
        if cur is not None:
            return cur, 2, "100"
    if field_name == "invoice_date":
        return big, 1, "373"
    return big, 2, "76"


def _receive_810(ts, group, context: _Context) -> _Outcome:
    invoice: x12.Invoice = ts.document
    outcome = _Outcome(reference=invoice.invoice_number[:60])
    problems = _SetProblems(ts, group, outcome)
    if not context.may(Action.MANAGE_INVOICES):
        big = next(segment for segment in ts.body if segment.id == "BIG")
        problems.element(big, 2, _("Your role does not allow submitting invoices."), code="forbidden", reference="76")
        return outcome
    try:
        with transaction.atomic():
            created = invoice_create(scope=context.scope, data=_invoice_payload(invoice), actor=context.actor)
            outcome.obj = invoice_submit(scope=context.scope, invoice_id=created.pk, actor=context.actor)
    except PortalError as error:
        for item in error.as_error_list():
            segment, index, reference = _locate_invoice_error(item.get("field") or "", ts)
            problems.element(segment, index, item["message"], code=item.get("code") or "invalid", reference=reference)
    return outcome


def _receive_outbound_only(ts, group, context: _Context) -> _Outcome:
    outcome = _Outcome()
    _SetProblems(ts, group, outcome).unsupported(
        _("The retailer sends %(set)s transaction sets; it does not accept them.") % {"set": ts.id_code}
    )
    return outcome


# 997 from the partner: the answer to what we sent ----------------------------------------------------
def _number(value: str) -> str:
    return str(int(value)) if is_digits(value) else value


def _receive_997(ts, group, context: _Context) -> _Outcome:
    ack: x12.FunctionalAck = ts.document
    outcome = _Outcome(reference=ack.group_control_number[:60])
    set_ids = [t.id_code for t in x12.SET_TYPES if t.functional_id_code == ack.functional_id_code]
    records = list(
        TransactionRecord.objects.select_related("interchange")
        .filter(interchange__partner=context.partner, interchange__direction=Direction.OUTBOUND,
                group_control_number=_number(ack.group_control_number), set_id__in=set_ids)
    )
    if not records:
        message = _("No %(kind)s group %(number)s was sent to you.") % {"kind": ack.functional_id_code, "number": ack.group_control_number}
        outcome.errors.append({"code": "not_found", "message": message, "segment": "AK1", "position": 2, "element": 2})
        return outcome
    by_number = {_number(s.control_number): s for s in ack.sets}
    group_accepted = ack.status in (AckCode.ACCEPTED, AckCode.ACCEPTED_WITH_ERRORS)
    interchanges = {}
    for record in records:
        set_ack = by_number.get(_number(record.control_number))
        accepted = set_ack.accepted if set_ack is not None else group_accepted
        errors = [] if accepted else [{"code": "rejected_by_partner", "message": _("Rejected by the partner's 997 (AK5 %(codes)s).") % {"codes": ",".join(set_ack.error_codes) if set_ack else ack.status}}]
        TransactionRecord.objects.filter(pk=record.pk).update(status=SetStatus.ACCEPTED if accepted else SetStatus.REJECTED, errors=errors)
        interchanges[record.interchange_id] = record.interchange
    for sent in interchanges.values():
        statuses = set(TransactionRecord.objects.filter(interchange=sent).values_list("status", flat=True))
        before = {"status": sent.status, "acknowledgement": sent.acknowledgement_id}
        sent.status = _status_from_sets(statuses)
        sent.acknowledgement = context.interchange
        sent.save(update_fields=["status", "acknowledgement"])
        audit_record(actor=context.actor, action="edi_interchange.acknowledged", obj=sent, before=before,
                     after={"status": sent.status, "acknowledgement": context.interchange.pk})
    outcome.obj = records[0].interchange
    return outcome


def _status_from_sets(statuses: set[str]) -> str:
    if statuses == {SetStatus.ACCEPTED}:
        return InterchangeStatus.ACCEPTED
    if SetStatus.ACCEPTED in statuses:
        return InterchangeStatus.PARTIALLY_ACCEPTED
    if SetStatus.SENT in statuses or not statuses:
        return InterchangeStatus.SENT
    return InterchangeStatus.REJECTED


HANDLERS = {
    "855": _receive_855,
    "856": _receive_856,
    "810": _receive_810,
    "997": _receive_997,
    "850": _receive_outbound_only,
    "820": _receive_outbound_only,
}


# The receive entry point ---------------------------------------------------------------------------
def _envelope_problem(ix: x12.Interchange, code: str, message: str, bad_value: str = "") -> None:
    ix.envelope_problems.append(Problem("interchange", code, message, bad_value=bad_value))


def _dispatch(ix: x12.Interchange, context: _Context) -> dict[int, _Outcome]:
    outcomes: dict[int, _Outcome] = {}
    for group in ix.groups:
        if group.problems:
            continue
        for ts in group.transaction_sets:
            if ts.problems or ts.document is None:
                continue
            handler = HANDLERS[ts.id_code]
            try:
                with transaction.atomic():
                    outcomes[id(ts)] = handler(ts, group, context)
            except Exception:  # noqa: BLE001 - one bad set must not lose the others or the 997
                logger.exception("EDI set %s %s of interchange %s failed", ts.id_code, ts.control_number, context.interchange.pk)
                outcome = _Outcome()
                _SetProblems(ts, group, outcome).unsupported(
                    _("The portal could not process this transaction set; the retailer has been told."), code="internal_error"
                )
                outcomes[id(ts)] = outcome
    return outcomes


def _answer(ix: x12.Interchange, partner: TradingPartner, actor: Actor) -> Interchange | None:
    """The 997s (and TA1 when asked for or when the envelope is refused) for a received interchange."""
    acks = x12.acknowledge(ix)
    ta1 = x12.build_ta1(ix) if (ix.ack_requested or ix.envelope_problems) else None
    if not acks and ta1 is None:
        return None
    isa_number = _allocate(partner, ControlNumberKind.INTERCHANGE)
    groups, sets = [], []
    for ack in acks:
        group_number = _allocate(partner, ControlNumberKind.GROUP)
        set_number = _allocate(partner, ControlNumberKind.TRANSACTION_SET)
        groups.append(x12.DocumentGroup(group_number, [ack], set_number))
        sets.append(_OutboundSet("997", group_number, set_number, reference=f"{ack.functional_id_code} {ack.group_control_number}"))
    candidates = [x12.DEFAULT_DELIMITERS]
    if ix.delimiters is not None:
        # Answer in the partner's own delimiters (the 004010 envelope has no repetition separator).
        candidates.insert(0, x12.Delimiters(ix.delimiters.element, ix.delimiters.component, ix.delimiters.segment))
    for delimiters in candidates:
        try:
            text = x12.write_interchange(
                sender=retailer_partner(), receiver=_x12_partner(partner), control_number=isa_number, groups=groups,
                created_at=timezone.now(), delimiters=delimiters, interchange_acks=[ta1] if ta1 else [],
            )
            break
        except ValueError:  # delimiters X12 refuses, or one that occurs in the data echoed back
            if delimiters is candidates[-1]:
                raise
    answer = _store_outbound(partner=partner, isa_control_number=isa_number, text=text, sets=sets, actor=actor, action="edi_interchange.acknowledge")
    if not sets:
        answer.set_ids = "TA1"
        answer.save(update_fields=["set_ids"])
    return answer


def edi_receive(*, vendor: Vendor, content: bytes | str, actor: Actor, source: str, filename: str = "", scope: Scope | None = None) -> Interchange:
    """Receive one X12 interchange from `vendor`: check the envelope and the sender, apply each set
    through the portal's services, and answer every functional group with a 997.

    Bad X12 never raises: its problems are stored and answered. Raises only for what cannot be
    stored at all (empty, too large) or a caller who is not a vendor."""
    if vendor is None or (scope is not None and scope.vendor is None):
        raise ForbiddenError(_("EDI files are sent by a vendor."))
    raw = content.encode() if isinstance(content, str) else bytes(content)
    if not raw.strip():
        raise DomainValidationError(_("The file is empty."), field="content")
    if len(raw) > MAX_INTERCHANGE_BYTES:
        raise DomainValidationError(
            _("The file is %(size)s bytes; an interchange may be at most %(max)s bytes.") % {"size": len(raw), "max": MAX_INTERCHANGE_BYTES},
            field="content", errors=[{"field": "content", "code": "too_large", "message": _("The file is too large.")}],
        )
    check_permissions = scope is not None
    scope = scope or Scope(vendor=vendor)
    actor = Actor(user=actor.user, token=actor.token, channel=Channel.EDI, request_id=actor.request_id)
    text = _storable(decode(raw))
    ix = x12.parse_interchange(text)
    partner = None
    if ix.delimiters is not None:
        partner = TradingPartner.objects.for_vendor(vendor).filter(
            is_active=True, isa_qualifier=ix.sender_qualifier, isa_id=ix.sender_id
        ).first()
        if partner is None:
            _envelope_problem(ix, InterchangeNote.INVALID_SENDER_ID,
                              _("ISA sender %(sender)s is not an active trading partner of %(vendor)s.") % {"sender": f"{ix.sender_qualifier}:{ix.sender_id}", "vendor": vendor.code},
                              bad_value=ix.sender_id)
        us = retailer_partner()
        if (ix.receiver_qualifier, ix.receiver_id) != (us.qualifier, us.id):
            _envelope_problem(ix, InterchangeNote.INVALID_RECEIVER_ID,
                              _("ISA receiver %(receiver)s is not the retailer (%(us)s).") % {"receiver": f"{ix.receiver_qualifier}:{ix.receiver_id}", "us": f"{us.qualifier}:{us.id}"},
                              bad_value=ix.receiver_id)
    # ISA13 is nine digits; a sender that trims the padding still means the same interchange.
    control_number = ix.control_number.zfill(9) if is_digits(ix.control_number) and len(ix.control_number) <= 9 else ""
    with transaction.atomic():
        interchange = Interchange(
            vendor=vendor, partner=partner, direction=Direction.INBOUND, status=InterchangeStatus.RECEIVED, source=source,
            filename=filename[:200], control_number=control_number,
            sender_qualifier=ix.sender_qualifier[:2], sender_id=ix.sender_id[:15],
            receiver_qualifier=ix.receiver_qualifier[:2], receiver_id=ix.receiver_id[:15],
            set_ids=",".join(dict.fromkeys(_storable(ts.id_code[:3]) for ts in ix.transaction_sets))[:200],
            content=text, size=len(raw),
        )
        _save_detecting_duplicate(interchange, ix)
        context = _Context(vendor=vendor, partner=partner, scope=scope, actor=actor, interchange=interchange, check_permissions=check_permissions)
        outcomes = _dispatch(ix, context) if not ix.envelope_problems else {}
        answer = _answer(ix, partner, actor) if partner is not None else None
        records = _inbound_records(interchange, ix, outcomes)
        TransactionRecord.objects.bulk_create(records)
        interchange.problems = [_problem_dict(p) for p in ix.problems]
        interchange.acknowledgement = answer
        interchange.status = _inbound_status(ix, records)
        interchange.save(update_fields=["problems", "acknowledgement", "status"])
        audit_record(actor=actor, action="edi_interchange.receive", obj=interchange, after={
            "status": interchange.status, "source": source, "control_number": control_number,
            "sender": f"{interchange.sender_qualifier}:{interchange.sender_id}", "duplicate_of": interchange.duplicate_of_id,
            "sets": [{"set": r.set_id, "control_number": r.control_number, "status": r.status, "reference": r.reference} for r in records],
            "acknowledgement": answer.pk if answer else None,
        })
    return interchange


def _save_detecting_duplicate(interchange: Interchange, ix: x12.Interchange) -> None:
    """Save the row; a repeated ISA13 from the same partner is stored as a duplicate and refused."""
    if interchange.partner is None or not interchange.control_number:
        interchange.save()
        return
    original = Interchange.objects.inbound().filter(
        partner=interchange.partner, control_number=interchange.control_number, duplicate_of__isnull=True
    ).first()
    if original is None:
        try:
            with transaction.atomic():
                interchange.save()
            return
        except IntegrityError:  # the same interchange arrived twice at the same moment
            interchange.pk = None
            original = Interchange.objects.inbound().get(
                partner=interchange.partner, control_number=interchange.control_number, duplicate_of__isnull=True
            )
    interchange.duplicate_of = original
    interchange.save()
    _envelope_problem(
        ix, DUPLICATE_INTERCHANGE,
        _("Interchange %(number)s was already received on %(when)s; it is not processed again.")
        % {"number": interchange.control_number, "when": timezone.localtime(original.created_at).strftime("%Y-%m-%d %H:%M")},
        bad_value=interchange.control_number,
    )


def _inbound_records(interchange: Interchange, ix: x12.Interchange, outcomes: dict[int, _Outcome]) -> list[TransactionRecord]:
    records = []
    for group in ix.groups:
        for ts in group.transaction_sets:
            outcome = outcomes.get(id(ts), _Outcome())
            errors = outcome.errors or [
                {"code": str(p.code), "message": _storable(p.message), "segment": _storable(p.segment_id), "position": p.segment_position, "element": p.element_position}
                for p in [*ix.envelope_problems, *group.problems, *ts.problems]
            ]
            accepted = not errors and id(ts) in outcomes
            records.append(TransactionRecord(
                interchange=interchange, set_id=_storable(ts.id_code[:3]), group_control_number=_storable(group.control_number[:9]),
                control_number=_storable(ts.control_number[:9]), status=SetStatus.ACCEPTED if accepted else SetStatus.REJECTED,
                errors=errors, reference=_storable(outcome.reference),
                object_type=outcome.obj._meta.label_lower if outcome.obj is not None else "",
                object_id=str(outcome.obj.pk) if outcome.obj is not None else "",
            ))
    return records


def _inbound_status(ix: x12.Interchange, records: list[TransactionRecord]) -> str:
    if ix.envelope_problems:
        return InterchangeStatus.REJECTED
    accepted = sum(record.status == SetStatus.ACCEPTED for record in records)
    if records and accepted == len(records) and not ix.problems:
        return InterchangeStatus.ACCEPTED
    return InterchangeStatus.PARTIALLY_ACCEPTED if accepted else InterchangeStatus.REJECTED


# Outbound: 850 -------------------------------------------------------------------------------------
ORDER_TYPES = {  # BEG02 (92)
    PurchaseOrderType.REGULAR: "SA",
    PurchaseOrderType.RUSH: "RO",
    PurchaseOrderType.NEW_PRODUCT: "NE",
    PurchaseOrderType.CONSIGNED: "CN",
}
_NOT_X12_TEXT = re.compile(r"[^A-Za-z0-9 !\"&'()+,\-./:;?=%@\[\]_{}\\|<#$]")


def x12_text(value: str, limit: int = 60) -> str:
    """Free text as X12 can carry it with the default delimiters (* > ~ ^ never appear in data)."""
    return re.sub(r"\s+", " ", _NOT_X12_TEXT.sub(" ", value or "")).strip()[:limit]


def _gtin_pair(gtin: str) -> dict[str, str]:
    qualifier = {12: x12.ItemId.UPC, 13: x12.ItemId.EAN, 14: x12.ItemId.GTIN14}.get(len(gtin or ""))
    return {qualifier: gtin} if qualifier else {}


def x12_purchase_order(po: PurchaseOrder) -> x12.PurchaseOrder:
    dc = po.ship_to
    vendor_code = VendorAccount.objects.filter(vendor_id=po.vendor_id, marketplace_id=po.marketplace_id).values_list("vendor_code", flat=True).first()
    document = x12.PurchaseOrder(
        po_number=po.number, po_date=timezone.localdate(po.order_date), purpose="00", order_type=ORDER_TYPES.get(po.order_type, "SA"),
        currency=po.currency, references={"IA": vendor_code or po.vendor.code},
        ship_not_before=timezone.localdate(po.ship_window_start), ship_not_after=timezone.localdate(po.ship_window_end),
        deliver_not_before=timezone.localdate(po.delivery_window_start) if po.delivery_window_start else None,
        deliver_not_after=timezone.localdate(po.delivery_window_end) if po.delivery_window_end else None,
        parties=[x12.Party(
            entity_code="ST", name=x12_text(dc.name), id_qualifier="92", id_code=dc.code,
            address_lines=[x12_text(line, 55) for line in (dc.line1, dc.line2) if line],
            city=x12_text(dc.city, 30), state=dc.state_or_region if len(dc.state_or_region) == 2 else "", postal_code=x12_text(dc.postal_code, 15), country=dc.country_code,
        )],
    )
    for line in po.lines.select_related("product").order_by("sequence"):
        if line.ordered_quantity <= 0:
            continue
        item_ids = {x12.ItemId.ASIN: line.asin, x12.ItemId.VENDOR_ITEM: line.vendor_sku}
        if line.product is not None:
            item_ids.update(_gtin_pair(line.product.gtin))
        pack_size = line.unit_size if line.unit_of_measure == UnitOfMeasure.CASES else (line.product.case_pack if line.product else None)
        document.lines.append(x12.PurchaseOrderLine(
            line_number=str(line.sequence), quantity=line.ordered_quantity, uom=X12_UNITS[line.unit_of_measure],
            unit_price=line.net_cost, price_basis="NT", item_ids=item_ids, description=x12_text(line.title, 80), pack_size=pack_size,
        ))
    return document


def edi_purchase_order_850(*, purchase_order: PurchaseOrder, actor: Actor | None = None) -> Interchange | None:
    """The 850 of a PO for the vendor's active trading partner, once: a second call returns the first.
    None when the vendor does not trade by EDI."""
    actor = actor or Actor.system()
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().select_related("vendor", "ship_to").get(pk=purchase_order.pk)
        partner = active_partner(po.vendor)
        if partner is None:
            return None
        sent = TransactionRecord.objects.filter(
            set_id="850", object_type=po._meta.label_lower, object_id=str(po.pk), interchange__direction=Direction.OUTBOUND
        ).select_related("interchange").first()
        if sent is not None:
            return sent.interchange
        document = x12_purchase_order(po)
        isa_number = _allocate(partner, ControlNumberKind.INTERCHANGE)
        group_number = _allocate(partner, ControlNumberKind.GROUP)
        set_number = _allocate(partner, ControlNumberKind.TRANSACTION_SET)
        text = x12.write_document(
            document, sender=retailer_partner(), receiver=_x12_partner(partner), interchange_control_number=isa_number,
            group_control_number=group_number, set_control_number=set_number, created_at=timezone.now(),
        )
        return _store_outbound(
            partner=partner, isa_control_number=isa_number, text=text, actor=actor, action="edi_interchange.send",
            sets=[_OutboundSet("850", group_number, set_number, reference=po.number, obj=po)],
        )


# Outbound: 820 -------------------------------------------------------------------------------------
def edi_remittance_820(*, vendor: Vendor, remittance: x12.Remittance, actor: Actor | None = None, remittance_object=None) -> Interchange:
    """An 820 remittance advice for the vendor's active trading partner. `remittance` is the plain
    edi.x12 dataclass; `remittance_object` is the portal's payment row it describes, when there is one."""
    actor = actor or Actor.system()
    with transaction.atomic():
        partner = active_partner(vendor)
        if partner is None:
            raise DomainValidationError(_("%(vendor)s has no active EDI trading partner.") % {"vendor": vendor.code})
        if not remittance.parties:
            remittance.parties = [
                x12.Party("PR", x12_text(getattr(settings, "PORTAL_RETAILER_NAME", "")), "92", retailer_partner().id),
                x12.Party("PE", x12_text(vendor.name), "92", vendor.code),
            ]
        isa_number = _allocate(partner, ControlNumberKind.INTERCHANGE)
        group_number = _allocate(partner, ControlNumberKind.GROUP)
        set_number = _allocate(partner, ControlNumberKind.TRANSACTION_SET)
        text = x12.write_document(
            remittance, sender=retailer_partner(), receiver=_x12_partner(partner), interchange_control_number=isa_number,
            group_control_number=group_number, set_control_number=set_number, created_at=timezone.now(),
        )
        return _store_outbound(
            partner=partner, isa_control_number=isa_number, text=text, actor=actor, action="edi_interchange.send",
            sets=[_OutboundSet("820", group_number, set_number, reference=remittance.trace_number, obj=remittance_object)],
        )


# The watched folder --------------------------------------------------------------------------------
@dataclass
class InboxResult:
    processed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _vendor_for_file(path: Path, folder_vendor: Vendor | None, head: str) -> Vendor | None:
    if folder_vendor is not None:
        return folder_vendor
    ix = parse_envelope(head[:200]) if head.startswith("ISA") else None
    if ix is None or not ix.sender_id:
        return None
    partner = TradingPartner.objects.filter(isa_qualifier=ix.sender_qualifier, isa_id=ix.sender_id, is_active=True).select_related("vendor").first()
    return partner.vendor if partner else None


def _claim(path: Path, folder: Path) -> Path | None:
    """Move the file into processing/ under a unique name. The rename is atomic: of two workers,
    exactly one gets it."""
    processing = folder / "processing"
    processing.mkdir(exist_ok=True)
    claimed = processing / f"{uuid.uuid4().hex[:12]}-{path.name}"
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        return None
    os.utime(claimed)  # the claim time, to spot claims of a worker that died
    return claimed


def _finish(claimed: Path, folder: Path, outcome: str) -> Path:
    target = folder / outcome
    target.mkdir(exist_ok=True)
    destination = target / claimed.name
    os.replace(claimed, destination)
    return destination


def _release_stale_claims(folder: Path) -> None:
    processing = folder / "processing"
    if not processing.is_dir():
        return
    cutoff = time.time() - STALE_CLAIM_SECONDS
    for claimed in processing.iterdir():
        try:
            if claimed.is_file() and claimed.stat().st_mtime < cutoff:
                # The original name comes back; a resend of what was already stored is a duplicate ISA13.
                os.rename(claimed, folder / claimed.name.split("-", 1)[-1])
        except FileNotFoundError:
            continue


def _inbox_folders(inbox: Path) -> list[tuple[Path, Vendor | None]]:
    folders: list[tuple[Path, Vendor | None]] = [(inbox, None)]
    vendors = {vendor.code: vendor for vendor in Vendor.objects.filter(is_active=True)}
    for child in sorted(inbox.iterdir()):
        if child.is_dir() and child.name in vendors:
            folders.append((child, vendors[child.name]))
    return folders


def edi_inbox_poll(*, inbox_dir: str | Path | None = None) -> InboxResult:
    """Receive every *.edi file in the inbox: <inbox>/<VENDORCODE>/*.edi belongs to that vendor; a file
    straight in <inbox> belongs to the vendor whose trading partner its ISA sender is. Each file is
    claimed (renamed into processing/), received, then moved to done/ or error/; running twice is harmless."""
    inbox = Path(inbox_dir or edi_setting("EDI_INBOX_DIR"))
    result = InboxResult()
    if not inbox.is_dir():
        return result
    for folder, folder_vendor in _inbox_folders(inbox):
        _release_stale_claims(folder)
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in INBOX_SUFFIXES):
            claimed = _claim(path, folder)
            if claimed is None:
                continue
            outcome = "error"
            try:
                if claimed.stat().st_size > MAX_INTERCHANGE_BYTES:
                    logger.warning("EDI inbox: %s is larger than %s bytes", path, MAX_INTERCHANGE_BYTES)
                else:
                    content = claimed.read_bytes()
                    vendor = _vendor_for_file(path, folder_vendor, decode(content[:200]))
                    if vendor is None:
                        logger.warning("EDI inbox: no vendor for %s (unknown ISA sender)", path)
                    else:
                        interchange = edi_receive(vendor=vendor, content=content, actor=Actor(channel=Channel.EDI),
                                                  source=InterchangeSource.FOLDER, filename=path.name)
                        outcome = "error" if interchange.status == InterchangeStatus.REJECTED else "done"
            except PortalError as error:
                logger.warning("EDI inbox: %s refused: %s", path, error.message)
            finally:
                _finish(claimed, folder, outcome)
            (result.processed if outcome == "done" else result.failed).append(path.name)
    return result
