"""856 Ship Notice/Manifest (vendor -> retailer), structure 0001: Shipment/Order/Tare/Pack/Item.

HL levels map to Shipment -> ShipmentOrder -> Pallet (T) -> Carton (P) -> ShipmentItem (I). Cartons may
sit directly under an order (no pallet), and items directly under a pallet or an order (pallet of one
item, or loose items); pallets and cartons carry their SSCC-18 in MAN*GM, their gross weight in TD1
(TD106 G, TD107 weight, TD108 unit) and their outside dimensions in MEA*PD (LN, WD, HT, with the unit in MEA04).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

from edi.x12.codes import ElementError, SegmentError
from edi.x12.common import PARTY_DETAIL_IDS, HasParties, Party, party_segments, read_party, read_party_detail
from edi.x12.core import Element, Segment
from edi.x12.mapping import SetReader, fmt_date, fmt_decimal, fmt_int, fmt_time, id_pair_elements, pad

ORIGINAL = "00"
REPLACE = "05"
PICK_AND_PACK = "0001"  # BSN05: shipment, order, tare, pack, item

SHIPPED = "011"  # DTM qualifiers
ESTIMATED_DELIVERY = "017"
BILL_OF_LADING = "BM"  # REF qualifiers
PRO_NUMBER = "CN"  # carrier's reference (PRO) at shipment level, tracking number at carton level
SSCC = "GM"  # MAN01: SSCC-18 and application identifier
PHYSICAL_DIMENSIONS = "PD"  # MEA01
DIMENSION_QUALIFIERS = {"LN": "length", "WD": "width", "HT": "height"}  # MEA02
GROSS_WEIGHT_QUALIFIERS = {"G", "WT"}  # MEA02 for a weight given as MEA rather than TD1

# Which HL level may sit under which (HL03 of the child -> HL03 allowed for its parent).
_PARENT_LEVELS = {"S": ("",), "O": ("S",), "T": ("O",), "P": ("O", "T"), "I": ("O", "T", "P")}


@dataclass
class ShipmentItem:
    """HL level I: LIN and SN1."""

    item_ids: dict[str, str]  # LIN02.. pairs, see ItemId
    quantity: int  # SN102 units shipped
    uom: str = "EA"  # SN103
    line_number: str = ""  # LIN01: the PO line it ships against


@dataclass
class Carton:
    """HL level P."""

    sscc: str  # MAN02 with MAN01 GM
    items: list[ShipmentItem] = field(default_factory=list)
    tracking_number: str = ""  # REF*CN: small-parcel tracking number
    weight: Decimal | None = None  # TD107 with TD106 G: gross weight
    weight_uom: str = ""  # TD108: LB, KG
    length: Decimal | None = None  # MEA*PD*LN
    width: Decimal | None = None  # MEA*PD*WD
    height: Decimal | None = None  # MEA*PD*HT
    dimension_uom: str = ""  # MEA04: IN, CM, FT, MR


@dataclass
class Pallet:
    """HL level T."""

    sscc: str
    cartons: list[Carton] = field(default_factory=list)
    items: list[ShipmentItem] = field(default_factory=list)
    weight: Decimal | None = None  # TD1 and MEA as on a carton
    weight_uom: str = ""
    length: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    dimension_uom: str = ""


Measured = Carton | Pallet


@dataclass
class ShipmentOrder:
    """HL level O."""

    po_number: str  # PRF01
    po_date: date | None = None  # PRF04
    pallets: list[Pallet] = field(default_factory=list)
    cartons: list[Carton] = field(default_factory=list)  # cartons shipped without a pallet
    items: list[ShipmentItem] = field(default_factory=list)  # items shipped without carton or pallet

    def all_cartons(self) -> list[Carton]:
        return [c for p in self.pallets for c in p.cartons] + self.cartons

    def all_items(self) -> list[ShipmentItem]:
        return [i for c in self.all_cartons() for i in c.items] + [i for p in self.pallets for i in p.items] + self.items


@dataclass
class Shipment(HasParties):
    """BSN and HL level S."""

    shipment_id: str  # BSN02
    shipment_date: date  # BSN03
    shipment_time: time  # BSN04
    purpose: str = ORIGINAL  # BSN01: 00 original, 05 replace
    structure_code: str = PICK_AND_PACK  # BSN05
    packaging_code: str = ""  # TD101: CTN25 carton, PLT94 pallet
    lading_quantity: int | None = None  # TD102
    gross_weight: Decimal | None = None  # TD107 with TD106 G
    weight_uom: str = ""  # TD108: LB, KG
    carrier_scac: str = ""  # TD503 with TD502 2
    transport_method: str = ""  # TD504: M motor, U private parcel, L contract carrier
    bill_of_lading: str = ""  # REF*BM
    pro_number: str = ""  # REF*CN
    shipped_date: date | None = None  # DTM*011
    estimated_delivery: date | None = None  # DTM*017
    parties: list[Party] = field(default_factory=list)
    orders: list[ShipmentOrder] = field(default_factory=list)


def read_856(reader: SetReader) -> Shipment | None:
    bsn = reader.first("BSN", at=2)
    if bsn is None:
        return None
    shipment = Shipment(
        purpose=reader.code(bsn, 1, (ORIGINAL, REPLACE, "01", "07"), required=True),
        shipment_id=reader.text(bsn, 2, required=True),
        shipment_date=reader.date(bsn, 3, required=True),  # type: ignore[arg-type]
        shipment_time=reader.time(bsn, 4, required=True),  # type: ignore[arg-type]
        structure_code=bsn[5],
    )
    levels: dict[str, tuple[str, object]] = {}  # HL01 -> (HL03, the object it became)
    level, current = "", None  # the HL the segments being read belong to
    seen: set[str] = set()  # segment IDs read under the current HL
    party: Party | None = None
    for segment in reader.body:
        sid = segment.id
        if sid in ("HL", "CTT"):
            _check_level(reader, level, seen, segment.position)
            level, current, seen, party = "", None, set(), None
        if sid == "HL":
            level, current = _read_hl(reader, segment, shipment, levels)
            continue
        if level == "S" and sid == "N1":
            party = read_party(reader, segment)
            shipment.parties.append(party)
            continue
        if sid in PARTY_DETAIL_IDS and party is not None:
            read_party_detail(party, segment)
            continue
        party = None
        if level == "S":
            _read_shipment_detail(reader, segment, shipment)
        elif level == "O" and sid == "PRF" and isinstance(current, ShipmentOrder):
            current.po_number = reader.text(segment, 1, required=True)
            current.po_date = reader.date(segment, 4)
        elif level in ("T", "P") and sid == "MAN" and segment[1] == SSCC and isinstance(current, (Pallet, Carton)):
            current.sscc = reader.text(segment, 2, required=True)
        elif level in ("T", "P") and sid == "TD1" and isinstance(current, (Pallet, Carton)):
            current.weight = reader.decimal(segment, 7)
            current.weight_uom = segment[8]
        elif level in ("T", "P") and sid == "MEA" and segment[1] == PHYSICAL_DIMENSIONS and isinstance(current, (Pallet, Carton)):
            _read_mea(reader, segment, current)
        elif level == "P" and sid == "REF" and segment[1] == PRO_NUMBER and isinstance(current, Carton):
            current.tracking_number = segment[2]
        elif level == "I" and sid == "LIN" and isinstance(current, ShipmentItem):
            current.line_number = segment[1]
            current.item_ids = reader.id_pairs(segment, 2)
        elif level == "I" and sid == "SN1" and isinstance(current, ShipmentItem):
            current.quantity = reader.integer(segment, 2, required=True)  # type: ignore[assignment]
            current.uom = reader.text(segment, 3, required=True)
        else:
            continue
        seen.add(sid)
    _check_level(reader, level, seen, reader.ts.segments[-1].position if reader.ts.has_trailer else None)
    if not shipment.orders:
        reader.missing_segment("HL")  # an ASN without an order level ships nothing
    return shipment


def _read_mea(reader: SetReader, segment: Segment, measured: Measured) -> None:
    qualifier, value, unit = segment[2], reader.decimal(segment, 3), segment.components(4)[0]
    if qualifier in DIMENSION_QUALIFIERS:
        setattr(measured, DIMENSION_QUALIFIERS[qualifier], value)
        measured.dimension_uom = unit
    elif qualifier in GROSS_WEIGHT_QUALIFIERS and measured.weight is None:
        measured.weight, measured.weight_uom = value, unit


# What each HL level must carry for the document to mean anything.
_REQUIRED_PER_LEVEL = {"O": ("PRF",), "T": ("MAN",), "P": ("MAN",), "I": ("LIN", "SN1")}


def _check_level(reader: SetReader, level: str, seen: set[str], position: int | None) -> None:
    for segment_id in _REQUIRED_PER_LEVEL.get(level, ()):
        if segment_id not in seen:
            reader.missing_segment(segment_id, at=position)


def _read_hl(reader: SetReader, hl: Segment, shipment: Shipment, levels: dict[str, tuple[str, object]]) -> tuple[str, object]:
    hl_id, parent_id, level = reader.text(hl, 1, required=True), hl[2], reader.text(hl, 3, required=True)
    if level not in _PARENT_LEVELS:
        reader.element_problem(hl, 3, ElementError.INVALID_CODE, f"HL03 {level!r} is not one of S, O, T, P, I", fatal=True)
        return "", None
    if hl_id in levels:
        reader.element_problem(hl, 1, ElementError.INVALID_CODE, f"HL01 {hl_id!r} is used twice", fatal=True)
        return "", None
    parent_level, parent = levels.get(parent_id, ("", None)) if parent_id else ("", shipment)
    if parent_id and parent is None or parent_level not in _PARENT_LEVELS[level] or (level == "S" and levels):
        reader.segment_problem(hl, SegmentError.OUT_OF_SEQUENCE, f"HL {hl_id} level {level} cannot sit under HL {parent_id or '(none)'}", fatal=True)
        return "", None
    child: object
    if level == "S":
        child = shipment
    elif level == "O":
        child = ShipmentOrder(po_number="")
        shipment.orders.append(child)
    elif level == "T":
        child = Pallet(sscc="")
        parent.pallets.append(child)  # type: ignore[union-attr]
    elif level == "P":
        child = Carton(sscc="")
        parent.cartons.append(child)  # type: ignore[union-attr]
    else:
        child = ShipmentItem(item_ids={}, quantity=0)
        parent.items.append(child)  # type: ignore[union-attr]
    levels[hl_id] = (level, child)
    return level, child


def _read_shipment_detail(reader: SetReader, segment: Segment, shipment: Shipment) -> None:
    sid = segment.id
    if sid == "TD1":
        shipment.packaging_code = segment[1]
        shipment.lading_quantity = reader.integer(segment, 2)
        shipment.gross_weight = reader.decimal(segment, 7)
        shipment.weight_uom = segment[8]
    elif sid == "TD5":
        shipment.carrier_scac = segment[3]
        shipment.transport_method = segment[4]
    elif sid == "REF" and segment[1] == BILL_OF_LADING:
        shipment.bill_of_lading = segment[2]
    elif sid == "REF" and segment[1] == PRO_NUMBER:
        shipment.pro_number = segment[2]
    elif sid == "DTM" and segment[1] == SHIPPED:
        shipment.shipped_date = reader.date(segment, 2, required=True)
    elif sid == "DTM" and segment[1] == ESTIMATED_DELIVERY:
        shipment.estimated_delivery = reader.date(segment, 2, required=True)


def write_856(shipment: Shipment) -> list[list[Element]]:
    segments: list[list[Element]] = [
        ["BSN", shipment.purpose, shipment.shipment_id, fmt_date(shipment.shipment_date), fmt_time(shipment.shipment_time), shipment.structure_code]
    ]
    counter = 0

    def hl(parent: int | None, level: str, has_children: bool) -> int:
        nonlocal counter
        counter += 1
        segments.append(["HL", str(counter), "" if parent is None else str(parent), level, "1" if has_children else "0"])
        return counter

    def item(parent: int, shipped: ShipmentItem) -> None:
        hl(parent, "I", False)
        segments.append(["LIN", shipped.line_number, *id_pair_elements(shipped.item_ids)])
        segments.append(["SN1", "", fmt_int(shipped.quantity), shipped.uom])

    def measured(container: Measured) -> None:
        if container.weight is not None:
            segments.append(["TD1", "", "", "", "", "", "G", fmt_decimal(container.weight), container.weight_uom])
        for qualifier, name in DIMENSION_QUALIFIERS.items():
            if getattr(container, name) is not None:
                segments.append(["MEA", PHYSICAL_DIMENSIONS, qualifier, fmt_decimal(getattr(container, name)), container.dimension_uom])

    def carton(parent: int, packed: Carton) -> None:
        carton_hl = hl(parent, "P", bool(packed.items))
        measured(packed)
        if packed.tracking_number:
            segments.append(["REF", PRO_NUMBER, packed.tracking_number])
        segments.append(["MAN", SSCC, packed.sscc])
        for shipped in packed.items:
            item(carton_hl, shipped)

    shipment_hl = hl(None, "S", bool(shipment.orders))
    if shipment.packaging_code or shipment.lading_quantity is not None or shipment.gross_weight is not None:
        td1: list[Element] = ["TD1", shipment.packaging_code, fmt_int(shipment.lading_quantity)]
        if shipment.gross_weight is not None:
            td1 = pad(td1, 5) + ["G", fmt_decimal(shipment.gross_weight), shipment.weight_uom]
        segments.append(td1)
    if shipment.carrier_scac or shipment.transport_method:
        segments.append(["TD5", "B", "2" if shipment.carrier_scac else "", shipment.carrier_scac, shipment.transport_method])
    if shipment.bill_of_lading:
        segments.append(["REF", BILL_OF_LADING, shipment.bill_of_lading])
    if shipment.pro_number:
        segments.append(["REF", PRO_NUMBER, shipment.pro_number])
    if shipment.shipped_date:
        segments.append(["DTM", SHIPPED, fmt_date(shipment.shipped_date)])
    if shipment.estimated_delivery:
        segments.append(["DTM", ESTIMATED_DELIVERY, fmt_date(shipment.estimated_delivery)])
    for party in shipment.parties:
        segments += party_segments(party)
    for order in shipment.orders:
        order_hl = hl(shipment_hl, "O", bool(order.pallets or order.cartons or order.items))
        segments.append(["PRF", order.po_number, "", "", fmt_date(order.po_date)])
        for pallet in order.pallets:
            pallet_hl = hl(order_hl, "T", bool(pallet.cartons or pallet.items))
            measured(pallet)
            segments.append(["MAN", SSCC, pallet.sscc])
            for packed in pallet.cartons:
                carton(pallet_hl, packed)
            for shipped in pallet.items:
                item(pallet_hl, shipped)
        for packed in order.cartons:
            carton(order_hl, packed)
        for shipped in order.items:
            item(order_hl, shipped)
    segments.append(["CTT", str(counter)])  # CTT01 counts the HL segments in an 856
    return segments
