"""The D96A messages the portal exchanges, as plain dataclasses: ORDERS written from a purchase order; ORDRSP,
DESADV and INVOIC read into documents whose lines keep the segments they came from (for CONTRL to point at).
A reader files what it cannot read as the message's problems and leaves `message.document` None."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from .codes import Dtm, ItemType, LineAction, Moa, Qty, SyntaxError_
from .syntax import Message, OutboundMessage, Problem, Segment, format_decimal, parse_date, parse_decimal, parse_int, segment

ORDERS = ("ORDERS", "D", "96A", "UN")
ORDER_NUMBER = "220"  # BGM 1001: order
ORDER_RESPONSE = "231"
DESPATCH_ADVICE = "351"
INVOICE, CREDIT_NOTE = "380", "381"
ORIGINAL = "9"  # BGM 1225
GLN_AGENCY = "9"  # 3055 in NAD C082: EAN (GLN)
BUYER_ASSIGNED = "92"


@dataclass
class Item:
    """The product identifiers of a LIN group: LIN's EAN, PIA's buyer's (ASIN) and supplier's (SKU) numbers."""

    gtin: str = ""
    asin: str = ""
    vendor_sku: str = ""

    def named(self) -> dict[str, str]:
        return {"asin": self.asin, "vendor_sku": self.vendor_sku, "gtin": self.gtin}


@dataclass
class Quantity:
    amount: int | None
    unit: str  # 6411, as received
    segment: Segment


def _item(segments: list[Segment]) -> Item:
    item = Item()
    for s in segments:
        if s.tag == "LIN" and s.get(3, 2) in (ItemType.EAN, ItemType.UPC):
            item.gtin = s.get(3)
        elif s.tag == "PIA":
            for index in range(2, len(s.elements) + 1):
                number, kind = s.get(index), s.get(index, 2)
                if kind == ItemType.BUYER:
                    item.asin = number
                elif kind == ItemType.SUPPLIER:
                    item.vendor_sku = number
                elif kind == ItemType.EAN and not item.gtin:
                    item.gtin = number
    return item


def _quantities(segments: list[Segment]) -> dict[str, Quantity]:
    return {s.get(1): Quantity(parse_int(s.get(1, 2)), s.get(1, 3), s) for s in segments if s.tag == "QTY"}


def _dates(segments: list[Segment]) -> dict[str, datetime.date | None]:
    return {s.get(1): parse_date(s.get(1, 2), s.get(1, 3)) for s in segments if s.tag == "DTM"}


def _groups(segments: list[Segment], start: str) -> list[list[Segment]]:
    """The segment groups that begin with `start`, each until the next one or the summary (UNS)."""
    groups: list[list[Segment]] = []
    current: list[Segment] | None = None
    for s in segments:
        if s.tag == start:
            current = [s]
            groups.append(current)
        elif s.tag in ("UNS", "CNT"):
            current = None
        elif current is not None:
            current.append(s)
    return groups


def _po_number(segments: list[Segment]) -> str:
    return next((s.get(1, 2) for s in segments if s.tag == "RFF" and s.get(1) == "ON"), "")


class _Reader:
    def __init__(self, message: Message):
        self.message = message

    def problem(
        self, s: Segment | None, text: str, *, tag: str = "", element: int | None = None, component: int | None = None, code: str = ""
    ) -> None:
        self.message.problems.append(
            Problem(
                "element" if element else "segment",
                code or (SyntaxError_.INVALID_VALUE if s is not None else SyntaxError_.MISSING),
                text,
                self.message.reference,
                s.tag if s is not None else tag,
                s.position if s is not None else None,
                element,
                component,
            )
        )

    def required(self, tag: str, qualifier: str | None = None, text: str = "") -> Segment | None:
        found = self.message.first(tag, qualifier)
        if found is None:
            self.problem(None, text or f"{tag} is missing.", tag=tag)
        return found

    def date(self, s: Segment) -> datetime.date | None:
        value = parse_date(s.get(1, 2), s.get(1, 3))
        if value is None:
            self.problem(s, f"DTM {s.get(1)}: {s.get(1, 2) or '-'} is not a date in format {s.get(1, 3) or '102'}.", element=1, component=2)
        return value


# ORDERS (out) --------------------------------------------------------------------------------------
@dataclass
class OrderLine:
    line_number: int
    quantity: int
    unit: str  # 6411: PCE or CS
    item: Item
    unit_price: Decimal
    price_unit: str  # the unit the price is for (PCE: per each, CS: per case)
    description: str = ""
    pack_size: int | None = None  # eaches in a case


@dataclass
class PurchaseOrder:
    number: str
    order_date: datetime.date
    currency: str
    buyer_gln: str
    supplier_gln: str
    delivery_party: str  # the DC's code
    delivery_party_name: str = ""
    delivery_requested: datetime.date | None = None
    earliest_delivery: datetime.date | None = None
    latest_delivery: datetime.date | None = None
    lines: list[OrderLine] = field(default_factory=list)


def _dtm(qualifier: str, value: datetime.date):
    return segment("DTM", [qualifier, value.strftime("%Y%m%d"), "102"])


def write_orders(po: PurchaseOrder, reference: str) -> OutboundMessage:
    segments = [segment("BGM", ORDER_NUMBER, po.number, ORIGINAL), _dtm(Dtm.DOCUMENT, po.order_date)]
    for qualifier, value in (
        (Dtm.DELIVERY_REQUESTED, po.delivery_requested),
        (Dtm.EARLIEST_DELIVERY, po.earliest_delivery),
        (Dtm.LATEST_DELIVERY, po.latest_delivery),
    ):
        if value is not None:
            segments.append(_dtm(qualifier, value))
    segments += [
        segment("NAD", "BY", [po.buyer_gln, "", GLN_AGENCY]),
        segment("NAD", "SU", [po.supplier_gln, "", GLN_AGENCY]),
        segment("NAD", "DP", [po.delivery_party, "", BUYER_ASSIGNED], "", po.delivery_party_name[:35]),
        segment("CUX", ["2", po.currency, "9"]),
    ]
    for line in po.lines:
        segments.append(segment("LIN", line.line_number, "", [line.item.gtin, ItemType.EAN] if line.item.gtin else ""))
        ids = [[number, kind] for number, kind in ((line.item.asin, ItemType.BUYER), (line.item.vendor_sku, ItemType.SUPPLIER)) if number]
        if ids:
            segments.append(segment("PIA", "5", *ids))
        if line.description:
            segments.append(segment("IMD", "F", "", ["", "", "", line.description[:35]]))
        segments.append(segment("QTY", [Qty.ORDERED, line.quantity, line.unit]))
        if line.pack_size:
            segments.append(segment("QTY", [Qty.CONSUMER_UNITS_IN_TRADED_UNIT, line.pack_size, "PCE"]))
        segments.append(segment("PRI", ["AAA", format_decimal(line.unit_price), "", "", "1", line.price_unit]))
    segments += [segment("UNS", "S"), segment("CNT", ["2", len(po.lines)])]
    return OutboundMessage(reference, ORDERS, segments)


# ORDRSP (in) ---------------------------------------------------------------------------------------
@dataclass
class ResponseLine:
    line_number: int | None
    action: str  # 1229
    item: Item
    quantities: dict[str, Quantity]
    lin: Segment
    dates: dict[str, datetime.date | None] = field(default_factory=dict)
    reason: str = ""  # FTX ACD: why units are not accepted


@dataclass
class OrderResponse:
    number: str
    po_number: str
    message_function: str  # BGM 1225: 4 change, 27 not accepted, 29 accepted without amendment
    response_date: datetime.date | None
    ship_date: datetime.date | None
    delivery_date: datetime.date | None
    lines: list[ResponseLine]
    bgm: Segment


def read_ordrsp(message: Message) -> OrderResponse | None:
    reader = _Reader(message)
    bgm = reader.required("BGM", text="BGM (the order response number) is missing.")
    po_number = _po_number(message.segments)
    if not po_number:
        reader.problem(None, "RFF ON (the purchase order number) is missing.", tag="RFF")
    if bgm is not None and bgm.get(1) != ORDER_RESPONSE:
        reader.problem(bgm, f"BGM 1001 {bgm.get(1) or '-'}: an order response is 231.", element=1, code=SyntaxError_.VALUE_NOT_SUPPORTED)
    header = message.segments[: next((i for i, s in enumerate(message.segments) if s.tag == "LIN"), len(message.segments))]
    lines = []
    for group in _groups(message.segments, "LIN"):
        lin = group[0]
        action = lin.get(2)
        if action not in (LineAction.CHANGED, LineAction.ACCEPTED, LineAction.NOT_ACCEPTED):
            reader.problem(
                lin, f"LIN 1229 {action or '-'}: use 5 (accepted), 3 (changed) or 7 (not accepted).", element=2, code=SyntaxError_.VALUE_NOT_SUPPORTED
            )
        for s in group:
            if s.tag == "DTM":
                reader.date(s)
        reason = next((s.get(4) for s in group if s.tag == "FTX" and s.get(1) == "ACD"), "")
        lines.append(ResponseLine(parse_int(lin.get(1)), action, _item(group), _quantities(group), lin, _dates(group), reason))
    for s in header:
        if s.tag == "DTM":
            reader.date(s)
    if message.problems:
        return None
    dates = _dates(header)
    return OrderResponse(
        number=bgm.get(2),
        po_number=po_number,
        message_function=bgm.get(3),
        response_date=dates.get(Dtm.DOCUMENT),
        ship_date=dates.get(Dtm.DESPATCH),
        delivery_date=dates.get(Dtm.PROMISED_DELIVERY) or dates.get(Dtm.DELIVERY_REQUESTED),
        lines=lines,
        bgm=bgm,
    )


# DESADV (in) ---------------------------------------------------------------------------------------
@dataclass
class DespatchLine:
    line_number: int | None
    item: Item
    quantity: Quantity | None
    po_number: str
    lin: Segment


@dataclass
class Package:
    """A CPS level: its SSCC (GIN BJ), the lines packed in it and the levels it holds."""

    number: str  # CPS 7164
    parent: str  # CPS 7166
    cps: Segment
    sscc: str = ""
    gin: Segment | None = None
    lines: list[DespatchLine] = field(default_factory=list)
    children: list[Package] = field(default_factory=list)


@dataclass
class DespatchAdvice:
    number: str
    po_number: str  # the header's RFF ON
    despatch_date: datetime.date | None
    estimated_arrival: datetime.date | None
    ship_to: str
    ship_from: str
    transport_mode: str
    carrier: str  # TDT C040: the carrier's SCAC
    bill_of_lading: str  # RFF BM
    packages: list[Package]  # every CPS level, in order
    bgm: Segment

    @property
    def lines(self) -> list[DespatchLine]:
        return [line for package in self.packages for line in package.lines]


def read_desadv(message: Message) -> DespatchAdvice | None:
    reader = _Reader(message)
    bgm = reader.required("BGM", text="BGM (the despatch advice number) is missing.")
    if bgm is not None and bgm.get(1) != DESPATCH_ADVICE:
        reader.problem(bgm, f"BGM 1001 {bgm.get(1) or '-'}: a despatch advice is 351.", element=1, code=SyntaxError_.VALUE_NOT_SUPPORTED)
    if message.first("CPS") is None:
        reader.problem(None, "CPS (the packing levels) is missing.", tag="CPS")
    first_cps = next((i for i, s in enumerate(message.segments) if s.tag == "CPS"), len(message.segments))
    header = message.segments[:first_cps]
    po_number = _po_number(header)
    packages: list[Package] = []
    package: Package | None = None
    line_segments: list[Segment] | None = None

    def close_line():
        nonlocal line_segments
        if line_segments and package is not None:
            lin = line_segments[0]
            quantities = _quantities(line_segments)
            quantity = quantities.get(Qty.DESPATCH)
            if quantity is None:
                reader.problem(lin, f"Line {lin.get(1) or '-'}: QTY 12 (the despatched quantity) is missing.", element=1)
            package.lines.append(DespatchLine(parse_int(lin.get(1)), _item(line_segments), quantity, _po_number(line_segments) or po_number, lin))
        line_segments = None

    for s in message.segments[first_cps:]:
        if s.tag == "CPS":
            close_line()
            package = Package(s.get(1), s.get(2), s)
            packages.append(package)
        elif s.tag == "LIN":
            close_line()
            line_segments = [s]
        elif s.tag in ("UNS", "CNT"):
            close_line()
        elif line_segments is not None:
            line_segments.append(s)
        elif s.tag == "GIN" and package is not None and s.get(1) == "BJ":
            package.sscc, package.gin = s.get(2), s
    close_line()
    by_number = {p.number: p for p in packages}
    for p in packages:
        if p.parent and p.parent in by_number and by_number[p.parent] is not p:
            by_number[p.parent].children.append(p)
    for s in header:
        if s.tag == "DTM":
            reader.date(s)
    if not po_number and any(not line.po_number for p in packages for line in p.lines):
        reader.problem(None, "RFF ON (the purchase order number) is missing.", tag="RFF")
    if message.problems:
        return None
    dates = _dates(header)
    ship_to = next((s.get(2) for s in header if s.tag == "NAD" and s.get(1) in ("ST", "DP")), "")
    ship_from = next((s.get(2) for s in header if s.tag == "NAD" and s.get(1) == "SF"), "")
    tdt = next((s for s in header if s.tag == "TDT"), None)
    return DespatchAdvice(
        number=bgm.get(2),
        po_number=po_number,
        despatch_date=dates.get(Dtm.DESPATCH) or dates.get(Dtm.DOCUMENT),
        estimated_arrival=dates.get(Dtm.ESTIMATED_ARRIVAL),
        ship_to=ship_to,
        ship_from=ship_from,
        transport_mode=tdt.get(3) if tdt is not None else "",
        carrier=tdt.get(5) if tdt is not None else "",
        bill_of_lading=next((s.get(1, 2) for s in header if s.tag == "RFF" and s.get(1) == "BM"), ""),
        packages=packages,
        bgm=bgm,
    )


# INVOIC (in) ---------------------------------------------------------------------------------------
@dataclass
class Tax:
    type: str  # 5153: VAT, GST ...
    rate: Decimal | None
    amount: Decimal | None
    segment: Segment


@dataclass
class InvoiceLine:
    line_number: int | None
    item: Item
    quantity: Quantity | None
    unit_price: Decimal | None
    price_unit: str
    amount: Decimal | None  # MOA 203
    taxes: list[Tax]
    po_number: str
    lin: Segment
    segments: list[Segment]


@dataclass
class Invoice:
    number: str
    is_credit_note: bool
    invoice_date: datetime.date | None
    po_number: str
    currency: str
    total: Decimal | None  # MOA 77
    items_total: Decimal | None  # MOA 79
    tax_total: Decimal | None  # MOA 124 of the summary
    taxes: list[Tax]
    lines: list[InvoiceLine]
    bgm: Segment


def _taxes(segments: list[Segment]) -> list[Tax]:
    """TAX segments, each with the MOA 124 that follows it."""
    taxes: list[Tax] = []
    for s in segments:
        if s.tag == "TAX":
            taxes.append(Tax(s.get(2), parse_decimal(s.get(5, 4)), None, s))
        elif s.tag == "MOA" and s.get(1) == Moa.TAX and taxes and taxes[-1].amount is None:
            taxes[-1].amount = parse_decimal(s.get(1, 2))
    return taxes


def read_invoic(message: Message) -> Invoice | None:
    reader = _Reader(message)
    bgm = reader.required("BGM", text="BGM (the invoice number) is missing.")
    if bgm is not None and bgm.get(1) not in (INVOICE, CREDIT_NOTE):
        reader.problem(bgm, f"BGM 1001 {bgm.get(1) or '-'}: an invoice is 380, a credit note 381.", element=1, code=SyntaxError_.VALUE_NOT_SUPPORTED)
    first_lin = next((i for i, s in enumerate(message.segments) if s.tag == "LIN"), len(message.segments))
    uns = next((i for i, s in enumerate(message.segments) if s.tag == "UNS"), len(message.segments))
    header, summary = message.segments[:first_lin], message.segments[uns + 1 :]
    po_number = _po_number(header)
    lines = []
    for group in _groups(message.segments[first_lin:uns], "LIN"):
        lin = group[0]
        quantity = _quantities(group).get(Qty.INVOICED)
        if quantity is None:
            reader.problem(lin, f"Line {lin.get(1) or '-'}: QTY 47 (the invoiced quantity) is missing.", element=1)
        pri = next((s for s in group if s.tag == "PRI" and s.get(1) in ("AAA", "AAB")), None)
        amount = next((parse_decimal(s.get(1, 2)) for s in group if s.tag == "MOA" and s.get(1) == Moa.LINE_ITEM), None)
        lines.append(
            InvoiceLine(
                line_number=parse_int(lin.get(1)),
                item=_item(group),
                quantity=quantity,
                unit_price=parse_decimal(pri.get(1, 2)) if pri is not None else None,
                price_unit=pri.get(1, 6) if pri is not None else "",
                amount=amount,
                taxes=_taxes(group),
                po_number=_po_number(group) or po_number,
                lin=lin,
                segments=group,
            )
        )
    if not lines:
        reader.problem(None, "The invoice has no lines (LIN).", tag="LIN")
    if not po_number and any(not line.po_number for line in lines):
        reader.problem(None, "RFF ON (the purchase order number) is missing.", tag="RFF")
    for s in header:
        if s.tag == "DTM":
            reader.date(s)
    if message.problems:
        return None
    amounts = {s.get(1): parse_decimal(s.get(1, 2)) for s in summary if s.tag == "MOA"}
    cux = next((s for s in header if s.tag == "CUX"), None)
    return Invoice(
        number=bgm.get(2),
        is_credit_note=bgm.get(1) == CREDIT_NOTE,
        invoice_date=_dates(header).get(Dtm.DOCUMENT),
        po_number=po_number,
        currency=cux.get(1, 2) if cux is not None else "",
        total=amounts.get(Moa.INVOICE_TOTAL),
        items_total=amounts.get(Moa.TOTAL_LINE_ITEMS),
        tax_total=amounts.get(Moa.TAX),
        taxes=_taxes(summary),
        lines=lines,
        bgm=bgm,
    )


READERS = {"ORDRSP": read_ordrsp, "DESADV": read_desadv, "INVOIC": read_invoic}
