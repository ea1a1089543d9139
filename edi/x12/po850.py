"""850 Purchase Order (retailer -> vendor): PurchaseOrder <-> segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from edi.x12.common import (
    PARTY_DETAIL_IDS,
    Contact,
    HasParties,
    Party,
    contact_segment,
    party_segments,
    read_contact,
    read_party,
    read_party_detail,
)
from edi.x12.core import Element
from edi.x12.mapping import SetReader, fmt_date, fmt_decimal, fmt_int, id_pair_elements

# DTM qualifiers (374) of the ship and delivery windows.
SHIP_NOT_BEFORE = "037"
SHIP_NOT_AFTER = "038"
DO_NOT_DELIVER_AFTER = "063"
DO_NOT_DELIVER_BEFORE = "064"


@dataclass
class Fob:
    """FOB: who pays the freight and where title passes."""

    payment_method: str  # FOB01: CC collect, PP prepaid by seller, PC prepaid and charged to customer
    location_qualifier: str = ""  # FOB02: OR origin, DE destination
    location: str = ""  # FOB03


@dataclass
class PurchaseOrderLine:
    """PO1 (with PID description and PO4 pack size)."""

    line_number: str  # PO101, kept as text: partners send "1" or "0001"
    quantity: int  # PO102
    uom: str  # PO103: EA eaches, CA cases
    unit_price: Decimal | None = None  # PO104
    price_basis: str = ""  # PO105: NT net, PE price per each, CP current price
    item_ids: dict[str, str] = field(default_factory=dict)  # PO106.. pairs, see ItemId
    description: str = ""  # PID05 (PID01 F free-form)
    pack_size: int | None = None  # PO401: eaches per case


@dataclass
class PurchaseOrder(HasParties):
    po_number: str  # BEG03
    po_date: date  # BEG05
    purpose: str = "00"  # BEG01: 00 original, 01 cancellation, 05 replace, 07 duplicate
    order_type: str = "SA"  # BEG02: SA stand-alone, NE new order, RL release
    currency: str = ""  # CUR02 with CUR01 BY
    references: dict[str, str] = field(default_factory=dict)  # REF01 -> REF02: IA vendor number, DP department
    contacts: list[Contact] = field(default_factory=list)
    fob: Fob | None = None
    ship_not_before: date | None = None  # DTM 037
    ship_not_after: date | None = None  # DTM 038
    deliver_not_before: date | None = None  # DTM 064
    deliver_not_after: date | None = None  # DTM 063
    parties: list[Party] = field(default_factory=list)
    lines: list[PurchaseOrderLine] = field(default_factory=list)


_WINDOW_FIELDS = {
    SHIP_NOT_BEFORE: "ship_not_before",
    SHIP_NOT_AFTER: "ship_not_after",
    DO_NOT_DELIVER_BEFORE: "deliver_not_before",
    DO_NOT_DELIVER_AFTER: "deliver_not_after",
}


def read_850(reader: SetReader) -> PurchaseOrder | None:
    beg = reader.first("BEG", at=2)
    if beg is None:
        return None
    po = PurchaseOrder(
        purpose=reader.text(beg, 1, required=True),
        order_type=reader.text(beg, 2, required=True),
        po_number=reader.text(beg, 3, required=True),
        po_date=reader.date(beg, 5, required=True),  # type: ignore[arg-type]
    )
    party: Party | None = None
    line: PurchaseOrderLine | None = None
    for segment in reader.body:
        sid = segment.id
        if sid == "N1" and line is None:
            party = read_party(reader, segment)
            po.parties.append(party)
            continue
        if sid in PARTY_DETAIL_IDS and party is not None:
            read_party_detail(party, segment)
            continue
        party = None
        if sid == "CUR" and line is None:
            po.currency = segment[2]
        elif sid == "REF" and line is None:
            po.references[segment[1]] = segment[2] or segment[3]
        elif sid == "PER" and line is None:
            po.contacts.append(read_contact(segment))
        elif sid == "FOB" and line is None:
            po.fob = Fob(payment_method=segment[1], location_qualifier=segment[2], location=segment[3])
        elif sid == "DTM" and line is None and segment[1] in _WINDOW_FIELDS:
            setattr(po, _WINDOW_FIELDS[segment[1]], reader.date(segment, 2, required=True))
        elif sid == "PO1":
            line = PurchaseOrderLine(
                line_number=segment[1],
                quantity=reader.integer(segment, 2, required=True),  # type: ignore[arg-type]
                uom=reader.text(segment, 3, required=True),
                unit_price=reader.decimal(segment, 4),
                price_basis=segment[5],
                item_ids=reader.id_pairs(segment, 6),
            )
            po.lines.append(line)
        elif sid == "PID" and line is not None:
            line.description = segment[5]
        elif sid == "PO4" and line is not None:
            line.pack_size = reader.integer(segment, 1)
    if not po.lines:
        reader.missing_segment("PO1")
    return po


def write_850(po: PurchaseOrder) -> list[list[Element]]:
    segments: list[list[Element]] = [["BEG", po.purpose, po.order_type, po.po_number, "", fmt_date(po.po_date)]]
    if po.currency:
        segments.append(["CUR", "BY", po.currency])
    segments += [["REF", qualifier, value] for qualifier, value in po.references.items()]
    segments += [contact_segment(contact) for contact in po.contacts]
    if po.fob:
        segments.append(["FOB", po.fob.payment_method, po.fob.location_qualifier, po.fob.location])
    for qualifier, name in _WINDOW_FIELDS.items():
        if getattr(po, name):
            segments.append(["DTM", qualifier, fmt_date(getattr(po, name))])
    for party in po.parties:
        segments += party_segments(party)
    for line in po.lines:
        segments.append(
            [
                "PO1",
                line.line_number,
                fmt_int(line.quantity),
                line.uom,
                fmt_decimal(line.unit_price),
                line.price_basis,
                *id_pair_elements(line.item_ids),
            ]
        )
        if line.description:
            segments.append(["PID", "F", "", "", "", line.description])
        if line.pack_size is not None:
            segments.append(["PO4", fmt_int(line.pack_size)])
    segments.append(["CTT", str(len(po.lines)), str(sum(line.quantity for line in po.lines))])
    return segments
