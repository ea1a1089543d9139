"""Inbound 856, ASNs the vendor's system built: onto shipment_create_from_confirmation, SSCCs (MAN*GM) as
given, its refusals located at the HL, SN1 or MAN segment they concern."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from edi import x12
from edi.x12.core import is_digits
from purchase_orders.models import PurchaseOrder
from vendor_portal.errors import FieldError, PortalError
from vendor_portal.roles import Action

from ._common import _Context, _named_product, _Outcome, _product_position, _SetProblems, _unit

# X12 units of weight (TD108, MEA04) and length (MEA04) as the portal stores them: (unit, factor).
WEIGHT_UNITS_856 = {"KG": ("kg", Decimal(1)), "GR": ("kg", Decimal("0.001")), "LB": ("lb", Decimal(1)), "OZ": ("lb", Decimal(1) / 16)}
LENGTH_UNITS_856 = {"CM": ("cm", Decimal(1)), "MM": ("cm", Decimal("0.1")), "MR": ("cm", Decimal(100))}
LENGTH_UNITS_856 |= {"IN": ("in", Decimal(1)), "FT": ("in", Decimal(12)), "YD": ("in", Decimal(36))}
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


@dataclass(eq=False)
class _Segments:
    """The segments an item, carton or pallet of the 856 was read from (and its order's), for the
    service's errors about it."""

    kind: str  # "item", "carton", "pallet"
    segments: dict[str, x12.Segment]
    order: dict[str, x12.Segment]


def _measurements_856(measured, segments: dict[str, x12.Segment], problems: _SetProblems):
    """A pallet's or carton's TD1 weight and MEA dimensions in the portal's units, or None when neither is
    given; a unit the portal does not know is a problem at its element."""
    from shipments.measurements import Measurements

    values = {}
    if measured.weight is not None:
        unit, factor = WEIGHT_UNITS_856.get(measured.weight_uom.upper(), (None, None))
        if unit is None:
            segment, index = (segments["TD1"], 8) if "TD1" in segments else (segments.get("MEA") or segments["HL"], 4)
            problems.element(segment, index, _("Give the weight in LB or KG."), code="invalid_weight_unit", reference="355")
        else:
            values.update(weight=measured.weight * factor, weight_unit=unit)
    sides = [measured.length, measured.width, measured.height]
    if any(side is not None for side in sides):
        unit, factor = LENGTH_UNITS_856.get(measured.dimension_uom.upper(), (None, None))
        if unit is None:
            problems.element(
                segments.get("MEA") or segments["HL"], 4, _("Give the dimensions in IN or CM."), code="invalid_dimension_unit", reference="355"
            )
        else:
            length, width, height = (side * factor if side is not None else None for side in sides)
            values.update(length=length, width=width, height=height, dimension_unit=unit)
    return Measurements(**values) if values else None


def _receive_856(ts, group, context: _Context) -> _Outcome:
    """An ASN the vendor's system built: onto shipment_create_from_confirmation, SSCCs (MAN*GM) as given.

    Each item goes to the service as the 856 gives it (PO number, LIN line number and product ids, SN1
    quantity and unit): which PO line it is, and whether product and unit fit, is the service's to say."""
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
    totals: dict[tuple, ShipPlanLine] = {}  # the shipment's lines: the items' quantities, summed per line as named
    cartons: list[ConfirmedCarton] = []
    pallets: dict[str, ConfirmedPallet] = {}

    def shipped(item: x12.ShipmentItem, order: x12.ShipmentOrder) -> ShipPlanLine:
        ref = _Segments("item", where.get(id(item), {}), where.get(id(order), {}))
        return ShipPlanLine(
            None,
            item.quantity,
            ref=ref,
            purchase_order_number=order.po_number,
            sequence=int(item.line_number) if is_digits(item.line_number) else None,
            unit_of_measure=_unit(item.uom),
            **_named_product(item.item_ids),
        )

    def add(item: x12.ShipmentItem, order: x12.ShipmentOrder) -> ShipPlanLine:
        line = shipped(item, order)
        key = (order.po_number, item.line_number, tuple(sorted(item.item_ids.items())), item.uom)
        if key in totals:
            totals[key].quantity += item.quantity
        else:
            totals[key] = shipped(item, order)
        return line

    def carton_of(carton: x12.Carton, order: x12.ShipmentOrder) -> int:
        ref = _Segments("carton", where.get(id(carton), {}), where.get(id(order), {}))
        cartons.append(
            ConfirmedCarton(
                sscc=carton.sscc,
                items=[add(item, order) for item in carton.items],
                tracking_number=carton.tracking_number,
                ref=ref,
                measurements=_measurements_856(carton, ref.segments, problems),
            )
        )
        return len(cartons) - 1

    for order in shipment.orders:
        for pallet in order.pallets:
            for item in pallet.items:
                problems.element(
                    where.get(id(item), {}).get("LIN", bsn),
                    1,
                    _("Pack the items of pallet %(sscc)s in cartons (HL P) with their own SSCCs.") % {"sscc": pallet.sscc},
                    code="pallet_items_not_supported",
                    reference="350",
                )
            # A pallet of several POs appears under each order with the same SSCC: it is one pallet.
            if pallet.sscc not in pallets:
                ref = _Segments("pallet", where.get(id(pallet), {}), where.get(id(order), {}))
                pallets[pallet.sscc] = ConfirmedPallet(sscc=pallet.sscc, ref=ref, measurements=_measurements_856(pallet, ref.segments, problems))
            pallets[pallet.sscc].cartons += [carton_of(carton, order) for carton in pallet.cartons]
        for carton in order.cartons:
            carton_of(carton, order)
        for item in order.items:
            add(item, order)
    gross_weight = None
    if shipment.gross_weight is not None:
        td1 = next((segment for segment in ts.body if segment.id == "TD1"), bsn)
        # The shipment's TD1 weight, read like a container's (only its weight is given).
        gross = x12.Pallet(sscc="", weight=shipment.gross_weight, weight_uom=shipment.weight_uom)
        gross_weight = _measurements_856(gross, {"TD1": td1}, problems)
    if outcome.errors:
        return outcome
    # Without a ship-to party the ASN ships to its POs' DC, when they share one.
    dcs = set(
        PurchaseOrder.objects.visible_to(context.scope)
        .filter(number__in={o.po_number for o in shipment.orders})
        .values_list("ship_to__code", flat=True)
    )
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
        lines=list(totals.values()),
        transport_mode=TransportMode.SMALL_PARCEL if shipment.transport_method in SMALL_PARCEL_METHODS else TransportMode.LTL,
        transport_method=TRANSPORT_METHODS_856.get(shipment.transport_method, "road"),
        carrier_scac=shipment.carrier_scac,
        bol_number=shipment.bill_of_lading,
        pro_number=shipment.pro_number,
        estimated_arrival=shipment.estimated_delivery,
        ship_from=ship_from,
        cartons=cartons,
        pallets=list(pallets.values()),
        asn_type=ASN_PURPOSES[shipment.purpose],
        gross_weight=gross_weight,
    )
    try:
        outcome.obj = shipment_create_from_confirmation(scope=context.scope, data=data, actor=context.actor)
    except PortalError as error:
        for problem in error.field_errors():
            segment, index, reference = _locate_856_error(problem, bsn, ts)
            problems.element(segment, index, problem.message, code=problem.code, reference=reference)
    return outcome


_HEADER_ELEMENTS = {
    "ship_date": ("DTM", 2, "373"),
    "estimated_arrival": ("DTM", 2, "373"),
    "bol_number": ("REF", 2, "127"),
    "carrier_scac": ("TD5", 3, "67"),
    "gross_weight": ("TD1", 7, "81"),
}


def _locate_856_error(problem: FieldError, bsn: x12.Segment, ts: x12.TransactionSet) -> tuple[x12.Segment, int, str]:
    """The segment and element of the 856 that a shipment_create_from_confirmation error is about."""
    ref, name = problem.ref, problem.field
    if isinstance(ref, _Segments):
        segments = ref.segments
        if ref.kind == "item":
            if name == "purchase_order_number" and "PRF" in ref.order:
                return ref.order["PRF"], 1, "324"
            sn1, lin = segments.get("SN1"), segments.get("LIN")
            if sn1 is not None and name in ("quantity", "unit_of_measure"):
                return (sn1, 3, "355") if name == "unit_of_measure" else (sn1, 2, "382")
            position = _product_position(lin, name, start=2) if lin is not None and name in ("asin", "vendor_sku", "gtin") else None
            if position is not None:
                return lin, position, "234"
            if lin is not None or sn1 is not None:
                return (lin or sn1), 1, "350"
        if ref.kind == "carton" and name == "tracking_number" and "REF" in segments:
            return segments["REF"], 2, "127"
        if name in ("weight", "weight_unit") and "TD1" in segments:
            return segments["TD1"], 7 if name == "weight" else 8, "81" if name == "weight" else "355"
        if name in ("length", "width", "height", "dimension_unit") and "MEA" in segments:
            return segments["MEA"], 4 if name == "dimension_unit" else 3, "355" if name == "dimension_unit" else "739"
        if name == "sscc" and "MAN" in segments:
            return segments["MAN"], 2, "88"
        if "HL" in segments:
            return segments["HL"], 1, "628"
    if ref is None and name in _HEADER_ELEMENTS:
        segment_id, index, reference = _HEADER_ELEMENTS[name]
        found = next((s for s in ts.body if s.id == segment_id), None)
        if found is not None:
            return found, index, reference
    if ref is None and name == "tracking_number":
        carton_hl = next((s for s in ts.body if s.id == "HL" and s[3] == "P"), None)
        if carton_hl is not None:
            return carton_hl, 1, "628"
    return bsn, 2, "396"
