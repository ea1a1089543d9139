"""Inbound 856, ASNs the vendor's system built: onto shipment_create_from_confirmation, SSCCs (MAN*GM) as
given, its refusals located at the HL, SN1 or MAN segment they concern."""
from __future__ import annotations

import re

from django.utils.translation import gettext as _

from edi import x12
from edi.x12.core import is_digits
from purchase_orders.models import PurchaseOrder
from vendor_portal.errors import PortalError
from vendor_portal.roles import Action

from ._common import UNITS, X12_UNITS, _Context, _Outcome, _product_mismatch, _SetProblems

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
