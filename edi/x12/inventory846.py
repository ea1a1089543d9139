"""846 Inventory Inquiry/Advice (vendor -> retailer): InventoryAdvice <-> segments.

    BIA*00*DD*<report id>*<date>          purpose original, report type "distributor inventory report"
    N1*SF*<name>*91*<ship-from code>       the vendor's warehouse the quantities are at (assigned by the seller)
    LIN**VN*<sku>*BP*<asin>*UP*<gtin>      the item: any of its identifiers
    QTY*17*<n>*EA                          quantity on hand
    QTY*33*<n>*EA                          quantity available for sale (to ship)

An N1*SF inside a LIN loop names the warehouse of that item's quantities; one before the first LIN is the
report's default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from edi.x12.codes import ElementError, SegmentError
from edi.x12.core import Element, Segment
from edi.x12.mapping import SetReader, fmt_date, fmt_int, id_pair_elements

REPORT_TYPES = ("DD", "MB", "MM", "SI")  # BIA02 (755): distributor inventory, ...
ON_HAND = "17"  # QTY01 (673): quantity on hand
AVAILABLE = "33"  # QTY01 (673): quantity available for sale (stock quantity)
SHIP_FROM = "SF"  # N101 (98)
CODE_ASSIGNED_BY_SELLER = "91"  # N103 (66)


@dataclass
class InventoryQuantity:
    on_hand: int | None = None
    available: int | None = None


@dataclass
class InventoryItem:
    item_ids: dict[str, str]  # LIN id pairs
    ship_from: str  # N104 of its N1*SF, else the report's
    on_hand: int | None = None  # QTY*17
    available: int | None = None  # QTY*33
    uom: str = "EA"
    segment: Segment | None = field(default=None, compare=False, repr=False)  # its LIN, for the 997
    ship_from_segment: Segment | None = field(default=None, compare=False, repr=False)  # the N1*SF naming its warehouse


@dataclass
class InventoryAdvice:
    report_id: str  # BIA03
    report_date: date  # BIA04
    report_type: str = "DD"  # BIA02
    purpose: str = "00"  # BIA01
    ship_from: str = ""  # the header N1*SF's N104
    ship_from_segment: Segment | None = field(default=None, compare=False, repr=False)
    items: list[InventoryItem] = field(default_factory=list)


def read_846(reader: SetReader) -> InventoryAdvice | None:
    bia = reader.first("BIA", at=2)
    if bia is None:
        return None
    advice = InventoryAdvice(
        purpose=reader.text(bia, 1, required=True),
        report_type=reader.code(bia, 2, REPORT_TYPES, required=True),
        report_id=reader.text(bia, 3, required=True),
        report_date=reader.date(bia, 4, required=True),  # type: ignore[arg-type]
    )
    item: InventoryItem | None = None
    for segment in reader.body:
        sid = segment.id
        if sid == "N1" and segment[1] == SHIP_FROM:
            code = segment[4]
            if not code:
                reader.element_problem(segment, 4, ElementError.MANDATORY_MISSING, "N1*SF needs the ship-from warehouse code in N104")
            if item is None:
                advice.ship_from, advice.ship_from_segment = code, segment
            else:
                item.ship_from, item.ship_from_segment = code, segment
        elif sid == "LIN":
            item = InventoryItem(
                item_ids=reader.id_pairs(segment, 2), ship_from=advice.ship_from, segment=segment, ship_from_segment=advice.ship_from_segment
            )
            advice.items.append(item)
        elif sid == "QTY":
            if item is None:
                reader.segment_problem(segment, SegmentError.OUT_OF_SEQUENCE, "QTY before any LIN")
                continue
            quantity = reader.integer(segment, 2, required=True)
            if segment[1] == ON_HAND:
                item.on_hand = quantity
            elif segment[1] == AVAILABLE:
                item.available = quantity
            if segment[3]:
                item.uom = segment[3]
    return advice


def write_846(advice: InventoryAdvice) -> list[list[Element]]:
    segments: list[list[Element]] = [["BIA", advice.purpose, advice.report_type, advice.report_id, fmt_date(advice.report_date)]]
    if advice.ship_from:
        segments.append(["N1", SHIP_FROM, "", CODE_ASSIGNED_BY_SELLER, advice.ship_from])
    for item in advice.items:
        segments.append(["LIN", "", *id_pair_elements(item.item_ids)])
        if item.ship_from and item.ship_from != advice.ship_from:
            segments.append(["N1", SHIP_FROM, "", CODE_ASSIGNED_BY_SELLER, item.ship_from])
        if item.on_hand is not None:
            segments.append(["QTY", ON_HAND, fmt_int(item.on_hand), item.uom])
        if item.available is not None:
            segments.append(["QTY", AVAILABLE, fmt_int(item.available), item.uom])
    segments.append(["CTT", str(len(advice.items))])
    return segments
