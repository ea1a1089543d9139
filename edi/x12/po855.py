"""855 Purchase Order Acknowledgment (vendor -> retailer): PurchaseOrderAck <-> segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from edi.x12.codes import SegmentError
from edi.x12.common import PARTY_DETAIL_IDS, HasParties, Party, party_segments, read_party, read_party_detail
from edi.x12.core import Element
from edi.x12.mapping import SetReader, fmt_date, fmt_decimal, fmt_int, id_pair_elements, pad

# BAK02 Acknowledgment Type (587)
ACK_WITH_DETAIL_AND_CHANGE = "AC"
ACK_WITH_DETAIL_NO_CHANGE = "AD"
ACK_WITH_EXCEPTION_DETAIL_ONLY = "AE"
REJECTED_NO_DETAIL = "RJ"
ACK_TYPES = ("AC", "AD", "AE", "AH", "AK", "AP", "AT", "NA", "RD", "RF", "RJ", "RO", "ZZ")

# ACK01 Line Item Status Code (668)
ITEM_ACCEPTED = "IA"
ITEM_BACKORDERED = "IB"
ITEM_REJECTED = "IR"

CURRENT_SCHEDULE_SHIP = "068"  # ACK04 date qualifier


@dataclass
class LineAck:
    """ACK: what the vendor does with (part of) a line."""

    status: str  # ACK01: IA accepted, IB backordered, IR rejected ...
    quantity: int | None = None  # ACK02
    uom: str = ""  # ACK03
    date_qualifier: str = ""  # ACK04: 068 current schedule ship, 067 current schedule delivery
    date: date | None = None  # ACK05
    reason_code: str = ""  # ACK29 industry code: why a line is rejected or backordered


@dataclass
class PurchaseOrderAckLine:
    """PO1 as the vendor echoes it, with one ACK per status (accepted 8 + backordered 2 = two ACKs)."""

    line_number: str  # PO101
    quantity: int  # PO102, as ordered
    uom: str  # PO103
    unit_price: Decimal | None = None  # PO104
    price_basis: str = ""  # PO105
    item_ids: dict[str, str] = field(default_factory=dict)  # PO106.. pairs
    acks: list[LineAck] = field(default_factory=list)

    def quantity_with_status(self, status: str) -> int:
        return sum(ack.quantity or 0 for ack in self.acks if ack.status == status)


@dataclass
class PurchaseOrderAck(HasParties):
    po_number: str  # BAK03
    po_date: date  # BAK04
    ack_type: str  # BAK02, see ACK_TYPES
    purpose: str = "00"  # BAK01
    seller_reference: str = ""  # BAK08: the vendor's order or acknowledgment number
    acknowledged_on: date | None = None  # BAK09
    references: dict[str, str] = field(default_factory=dict)
    parties: list[Party] = field(default_factory=list)
    lines: list[PurchaseOrderAckLine] = field(default_factory=list)


def read_855(reader: SetReader) -> PurchaseOrderAck | None:
    bak = reader.first("BAK", at=2)
    if bak is None:
        return None
    ack = PurchaseOrderAck(
        purpose=reader.text(bak, 1, required=True),
        ack_type=reader.code(bak, 2, ACK_TYPES, required=True),
        po_number=reader.text(bak, 3, required=True),
        po_date=reader.date(bak, 4, required=True),  # type: ignore[arg-type]
        seller_reference=bak[8],
        acknowledged_on=reader.date(bak, 9),
    )
    party: Party | None = None
    line: PurchaseOrderAckLine | None = None
    for segment in reader.body:
        sid = segment.id
        if sid == "N1" and line is None:
            party = read_party(reader, segment)
            ack.parties.append(party)
            continue
        if sid in PARTY_DETAIL_IDS and party is not None:
            read_party_detail(party, segment)
            continue
        party = None
        if sid == "REF" and line is None:
            ack.references[segment[1]] = segment[2] or segment[3]
        elif sid == "PO1":
            line = PurchaseOrderAckLine(
                line_number=segment[1],
                quantity=reader.integer(segment, 2, required=True),  # type: ignore[arg-type]
                uom=reader.text(segment, 3, required=True),
                unit_price=reader.decimal(segment, 4),
                price_basis=segment[5],
                item_ids=reader.id_pairs(segment, 6),
            )
            ack.lines.append(line)
        elif sid == "ACK":
            if line is None:
                reader.segment_problem(segment, SegmentError.OUT_OF_SEQUENCE, "ACK before any PO1")
                continue
            line.acks.append(
                LineAck(
                    status=reader.text(segment, 1, required=True),
                    quantity=reader.integer(segment, 2),
                    uom=segment[3],
                    date_qualifier=segment[4],
                    date=reader.date(segment, 5),
                    reason_code=segment[29],
                )
            )
    return ack


def write_855(ack: PurchaseOrderAck) -> list[list[Element]]:
    segments: list[list[Element]] = [
        pad(
            ["BAK", ack.purpose, ack.ack_type, ack.po_number, fmt_date(ack.po_date)],
            7,
        )
        + [ack.seller_reference, fmt_date(ack.acknowledged_on)]
    ]
    segments += [["REF", qualifier, value] for qualifier, value in ack.references.items()]
    for party in ack.parties:
        segments += party_segments(party)
    for line in ack.lines:
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
        for line_ack in line.acks:
            elements: list[Element] = [
                "ACK",
                line_ack.status,
                fmt_int(line_ack.quantity),
                line_ack.uom,
                line_ack.date_qualifier,
                fmt_date(line_ack.date),
            ]
            if line_ack.reason_code:
                elements = pad(elements, 28) + [line_ack.reason_code]
            segments.append(elements)
    segments.append(["CTT", str(len(ack.lines))])
    return segments
