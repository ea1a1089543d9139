"""SubmitShipmentConfirmations and SubmitShipments (vendorShipments.json) over the portal's shipments.

Both are transactions like submitAcknowledgement: the POST checks the shape, a worker maps each
ShipmentConfirmation (or Shipment) onto `shipment_create_from_confirmation`, which stores the cartons
and pallets with the vendor's own SSCCs and submits (or replaces) the ASN, all or nothing. What the
service cannot know is checked here: sellingParty is the vendor's code in the DC's marketplace, every
item is a line of the named PO, `itemReference` and `cartonReferenceNumbers` resolve inside the same
payload, quantities convert to the PO line's unit. Every refusal names the shipment, the PO and item
when there is one, the rule and the field.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import PurchaseOrder, PurchaseOrderLine
from shipments.models import AsnType, Shipment, TransportMode
from shipments.services.confirmations import ConfirmedCarton, ConfirmedPallet, ShipmentConfirmationInput, shipment_create_from_confirmation
from shipments.services.plans import ShipPlanLine, shipment_cancel
from vendor_portal.api.errors import AMAZON_CODES
from vendor_portal.errors import DomainValidationError, PortalError
from vendor_portal.models import VendorAccount, Warehouse

from ..acknowledgements import in_line_units, parse_amazon_datetime
from ..spec import request_errors

VENDOR_SHIPMENTS = "vendorShipments.json"
CONFIRMATIONS_KEY = "shipmentConfirmations"
SHIPMENTS_KEY = "shipments"
SHIP_MODES = {"TruckLoad": TransportMode.TRUCKLOAD, "LessThanTruckLoad": TransportMode.LTL, "SmallParcel": TransportMode.SMALL_PARCEL}
TRANSPORT_METHODS = {"Road": "road", "Air": "air", "Ocean": "ocean"}
# A shipped date a little ahead of the server's clock is a clock difference, not a future shipment.
CLOCK_SKEW = datetime.timedelta(minutes=5)


# At the door (the POSTs) ---------------------------------------------------------------------------
def _date_errors(dates: list[tuple[str, object]]) -> list[dict]:
    return [
        {"field": path, "message": _("%(field)s must be an ISO-8601 date-time.") % {"field": path}, "code": "invalid"}
        for path, value in dates
        if value is not None and parse_amazon_datetime(value) is None
    ]


def confirmations_submit_errors(body) -> list[dict]:
    errors = request_errors(VENDOR_SHIPMENTS, "SubmitShipmentConfirmationsRequest", body)
    if errors:
        return errors
    confirmations = body.get(CONFIRMATIONS_KEY) or []
    if not confirmations:
        return [{"field": CONFIRMATIONS_KEY, "message": _("Send at least one shipment confirmation."), "code": "required"}]
    dates = []
    for c, confirmation in enumerate(confirmations):
        for name in ("shipmentConfirmationDate", "shippedDate", "estimatedDeliveryDate"):
            dates.append((f"{CONFIRMATIONS_KEY}[{c}].{name}", confirmation.get(name)))
    return _date_errors(dates)


def shipments_submit_errors(body) -> list[dict]:
    errors = request_errors(VENDOR_SHIPMENTS, "SubmitShipments", body)
    if errors:
        return errors
    shipments = body.get(SHIPMENTS_KEY) or []
    if not shipments:
        return [{"field": SHIPMENTS_KEY, "message": _("Send at least one shipment."), "code": "required"}]
    dates = []
    for s, shipment in enumerate(shipments):
        dates.append((f"{SHIPMENTS_KEY}[{s}].transactionDate", shipment.get("transactionDate")))
        for name in ("shippedDate", "estimatedDeliveryDate"):
            dates.append((f"{SHIPMENTS_KEY}[{s}].transportationDetails.{name}", (shipment.get("transportationDetails") or {}).get(name)))
    return _date_errors(dates)


# In the worker: one payload item onto the service ------------------------------------------------
def shipment_error(*, code: str, message: str, identifier: str, rule: str, field: str, number: str | None = None, sequence=None) -> dict:
    details = [("shipmentIdentifier", identifier), ("purchaseOrderNumber", number), ("itemSequenceNumber", sequence), ("rule", rule), ("field", field)]
    return {"code": code, "message": message, "details": "; ".join(f"{key}={value}" for key, value in details if value not in (None, ""))}


@dataclass
class _GivenItem:
    """One shipped item of the payload, resolved to a PO line."""

    path: str
    line: PurchaseOrderLine
    quantity: int


@dataclass
class _Mapped:
    identifier: str
    data: ShipmentConfirmationInput | None = None
    items: list[_GivenItem] = field(default_factory=list)  # data.lines[i] comes from items_of_line[i][0]
    items_of_line: list[list[_GivenItem]] = field(default_factory=list)
    carton_paths: list[str] = field(default_factory=list)
    pallet_paths: list[str] = field(default_factory=list)
    where: str = ""
    errors: list[dict] = field(default_factory=list)

    def refuse(self, rule: str, path: str, message: str, *, line: PurchaseOrderLine | None = None, number: str | None = None, code: str = "InvalidInput") -> None:
        sequence = line.sequence if line is not None else None
        number = line.purchase_order.number if line is not None else number
        if line is not None:
            text = _("Shipment %(id)s, purchase order %(number)s, item %(sequence)s: %(problem)s") % {
                "id": self.identifier, "number": number, "sequence": sequence, "problem": message,
            }
        else:
            text = _("Shipment %(id)s: %(problem)s") % {"id": self.identifier, "problem": message}
        self.errors.append(shipment_error(code=code, message=text, identifier=self.identifier, rule=rule, field=path, number=number, sequence=sequence))


def _sscc(mapped: _Mapped, identifiers, path: str) -> str:
    for identifier in identifiers or []:
        if identifier.get("containerIdentificationType") == "SSCC":
            return (identifier.get("containerIdentificationNumber") or "").strip()
    mapped.refuse("sscc_required", path, _("give the container's SSCC (containerIdentificationType SSCC): the labels carry it."))
    return ""


def _selling_party_code(vendor, warehouse: Warehouse) -> str:
    account = VendorAccount.objects.filter(vendor=vendor, marketplace_id=warehouse.marketplace_id).values_list("vendor_code", flat=True).first()
    return account or vendor.code


def _check_parties(mapped: _Mapped, scope, given: dict, where: str) -> Warehouse | None:
    dc_code = (given.get("shipToParty") or {}).get("partyId", "")
    warehouse = Warehouse.objects.filter(code=dc_code).first()
    if warehouse is None:
        mapped.refuse("unknown_dc", f"{where}.shipToParty.partyId", _("shipToParty must be the code of the DC the goods ship to; %(code)s is not one.") % {"code": dc_code})
        return None
    expected = _selling_party_code(scope.vendor, warehouse)
    if (given.get("sellingParty") or {}).get("partyId") != expected:
        mapped.refuse(
            "selling_party_mismatch", f"{where}.sellingParty.partyId",
            _("sellingParty must be your vendor code in the DC's marketplace (%(code)s).") % {"code": expected},
        )
    return warehouse


def _shipped_date(mapped: _Mapped, value, path: str) -> datetime.date | None:
    shipped = parse_amazon_datetime(value)
    if shipped is None:
        mapped.refuse("shipped_date_required", path, _("give the date the goods were shipped."))
        return None
    if shipped > timezone.now() + CLOCK_SKEW:
        mapped.refuse("shipped_in_future", path, _("the shipped date is in the future: confirm a shipment once it has left."))
        return None
    return shipped.astimezone(datetime.timezone.utc).date()


class _LineResolver:
    """PO lines of the caller's POs named in one payload item, read once."""

    def __init__(self, scope, numbers):
        self.purchase_orders = {
            po.number: po
            for po in PurchaseOrder.objects.visible_to(scope).filter(number__in=set(numbers)).prefetch_related(
                Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("purchase_order").order_by("sequence"))
            )
        }

    def line(self, mapped: _Mapped, number, sequence, asin, sku, path: str) -> PurchaseOrderLine | None:
        if not number:
            mapped.refuse("purchase_order_required", path, _("name the purchase order each item ships against (itemDetails.purchaseOrderNumber)."))
            return None
        po = self.purchase_orders.get(number)
        if po is None:
            mapped.refuse("purchase_order_not_found", path, _("purchase order %(number)s was not found.") % {"number": number}, number=number, code="NotFound")
            return None
        lines = list(po.lines.all())
        by_sequence = {line.sequence: line for line in lines}
        wanted_sequence = int(sequence) if str(sequence or "").strip().isdigit() else None
        if asin or sku:
            candidates = [line for line in lines if (not asin or line.asin == asin) and (not sku or line.vendor_sku == sku)]
            if wanted_sequence in {line.sequence for line in candidates}:
                return by_sequence[wanted_sequence]
            if len(candidates) == 1:
                return candidates[0]
            if not candidates:
                mapped.refuse("product_identifier_mismatch", path, _("no item of purchase order %(number)s has this product identifier.") % {"number": number}, number=number)
            else:
                mapped.refuse("item_ambiguous", path, _("several items of purchase order %(number)s have this product identifier.") % {"number": number}, number=number)
            return None
        if wanted_sequence in by_sequence:
            return by_sequence[wanted_sequence]
        mapped.refuse("unknown_item", path, _("purchase order %(number)s has no item %(sequence)s.") % {"number": number, "sequence": sequence}, number=number)
        return None


def _quantity(mapped: _Mapped, quantity: dict, line: PurchaseOrderLine, path: str) -> int | None:
    amount = in_line_units(quantity or {}, line)
    if amount is None or amount < 0:
        mapped.refuse(
            "quantity_unit", path,
            _("the quantity must be a whole number of the item's unit (%(unit)s of %(size)s).") % {"unit": line.unit_of_measure, "size": line.unit_size},
            line=line,
        )
        return None
    return amount


def _add_item(mapped: _Mapped, totals: dict, given: _GivenItem) -> None:
    mapped.items.append(given)
    totals.setdefault(given.line.pk, []).append(given)


def _finish_lines(mapped: _Mapped, totals: dict) -> list[ShipPlanLine]:
    lines = []
    for line_id, given in totals.items():
        mapped.items_of_line.append(given)
        lines.append(ShipPlanLine(purchase_order_line_id=line_id, quantity=sum(g.quantity for g in given)))
    return lines


def _pallet_cartons(mapped: _Mapped, references, carton_positions: dict, path: str) -> list[int]:
    positions = []
    for r, reference in enumerate(references):
        if reference not in carton_positions:
            mapped.refuse("carton_reference_unknown", f"{path}[{r}]", _("carton %(ref)s is not one of this shipment's cartons.") % {"ref": reference})
        else:
            positions.append(carton_positions[reference])
    return positions


def map_confirmation(confirmation: dict, *, scope, where: str) -> _Mapped:
    """A ShipmentConfirmation as the service's input (or the reasons it cannot be one)."""
    mapped = _Mapped(identifier=confirmation.get("shipmentIdentifier", ""), where=where)
    warehouse = _check_parties(mapped, scope, confirmation, where)
    ship_date = _shipped_date(mapped, confirmation.get("shippedDate") or confirmation.get("shipmentConfirmationDate"), f"{where}.shippedDate")
    transport = confirmation.get("transportationDetails") or {}
    items = confirmation.get("shippedItems") or []
    resolver = _LineResolver(scope, [(item.get("itemDetails") or {}).get("purchaseOrderNumber") for item in items])
    totals: dict[int, list[_GivenItem]] = {}
    references: dict[str, PurchaseOrderLine] = {}
    for i, item in enumerate(items):
        path = f"{where}.shippedItems[{i}]"
        line = resolver.line(
            mapped, (item.get("itemDetails") or {}).get("purchaseOrderNumber"), item.get("itemSequenceNumber"),
            item.get("amazonProductIdentifier"), item.get("vendorProductIdentifier"), path,
        )
        if line is None:
            continue
        reference = str(item.get("itemSequenceNumber"))
        if reference in references:
            mapped.refuse("item_reference_duplicate", f"{path}.itemSequenceNumber", _("itemSequenceNumber %(ref)s is given twice.") % {"ref": reference}, line=line)
            continue
        references[reference] = line
        quantity = _quantity(mapped, item.get("shippedQuantity"), line, f"{path}.shippedQuantity")
        if quantity is not None:
            _add_item(mapped, totals, _GivenItem(path=path, line=line, quantity=quantity))
    cartons, carton_positions = [], {}
    for c, carton in enumerate(confirmation.get("cartons") or []):
        path = f"{where}.cartons[{c}]"
        mapped.carton_paths.append(path)
        sscc = _sscc(mapped, carton.get("cartonIdentifiers"), f"{path}.cartonIdentifiers")
        number = carton.get("cartonSequenceNumber")
        if number in carton_positions:
            mapped.refuse("carton_sequence_duplicate", f"{path}.cartonSequenceNumber", _("carton %(ref)s is given twice.") % {"ref": number})
        carton_positions[number] = c
        packed = []
        for k, content in enumerate(carton.get("items") or []):
            line = references.get(str(content.get("itemReference")))
            if line is None:
                mapped.refuse(
                    "item_reference_unknown", f"{path}.items[{k}].itemReference",
                    _("itemReference %(ref)s names no item of shippedItems.") % {"ref": content.get("itemReference")},
                )
                continue
            quantity = _quantity(mapped, content.get("shippedQuantity"), line, f"{path}.items[{k}].shippedQuantity")
            if quantity is not None:
                packed.append(ShipPlanLine(purchase_order_line_id=line.pk, quantity=quantity))
        cartons.append(ConfirmedCarton(sscc=sscc, items=packed, tracking_number=carton.get("trackingNumber") or ""))
    pallets = []
    for p, pallet in enumerate(confirmation.get("pallets") or []):
        path = f"{where}.pallets[{p}]"
        mapped.pallet_paths.append(path)
        sscc = _sscc(mapped, pallet.get("palletIdentifiers"), f"{path}.palletIdentifiers")
        if pallet.get("items"):
            mapped.refuse("pallet_items_not_supported", f"{path}.items", _("list what a pallet carries as cartons (with their SSCCs) and reference them in cartonReferenceDetails."))
        references_given = (pallet.get("cartonReferenceDetails") or {}).get("cartonReferenceNumbers") or []
        positions = _pallet_cartons(mapped, references_given, carton_positions, f"{path}.cartonReferenceDetails.cartonReferenceNumbers")
        pallets.append(ConfirmedPallet(sscc=sscc, cartons=positions))
    mode = confirmation.get("shipmentType")
    if mapped.errors or warehouse is None:
        return mapped
    mapped.data = ShipmentConfirmationInput(
        ship_to=warehouse.code,
        shipment_identifier=mapped.identifier,
        ship_date=ship_date,
        lines=_finish_lines(mapped, totals),
        transport_mode=SHIP_MODES.get(mode, TransportMode.LTL),
        transport_method=TRANSPORT_METHODS.get(transport.get("transportationMode"), "road"),
        carrier_scac=transport.get("carrierScac") or "",
        pro_number=transport.get("carrierShipmentReferenceNumber") or "",
        bol_number=transport.get("billOfLadingNumber") or "",
        estimated_arrival=_date(confirmation.get("estimatedDeliveryDate")),
        ship_from=(confirmation.get("shipFromParty") or {}).get("partyId") or "",
        cartons=cartons,
        pallets=pallets,
        asn_type=AsnType.REPLACE if confirmation.get("shipmentConfirmationType") == "Replace" else AsnType.ORIGINAL,
    )
    return mapped


def map_shipment(shipment: dict, *, scope, where: str) -> _Mapped:
    """A Shipment (SubmitShipments) as the service's input: purchaseOrders' items, carton and pallet containers."""
    mapped = _Mapped(identifier=shipment.get("vendorShipmentIdentifier", ""), where=where)
    warehouse = _check_parties(mapped, scope, shipment, where)
    transport = shipment.get("transportationDetails") or {}
    carrier = transport.get("carrierDetails") or {}
    ship_date = _shipped_date(mapped, transport.get("shippedDate") or shipment.get("transactionDate"), f"{where}.transportationDetails.shippedDate")
    orders = shipment.get("purchaseOrders") or []
    resolver = _LineResolver(scope, [order.get("purchaseOrderNumber") for order in orders])
    totals: dict[int, list[_GivenItem]] = {}
    by_reference: dict[tuple[str, str], PurchaseOrderLine] = {}
    for o, order in enumerate(orders):
        number = order.get("purchaseOrderNumber")
        for i, item in enumerate(order.get("items") or []):
            path = f"{where}.purchaseOrders[{o}].items[{i}]"
            line = resolver.line(mapped, number, item.get("itemSequenceNumber"), item.get("buyerProductIdentifier"), item.get("vendorProductIdentifier"), path)
            if line is None:
                continue
            by_reference[(number, str(item.get("itemSequenceNumber")))] = line
            quantity = _quantity(mapped, item.get("shippedQuantity"), line, f"{path}.shippedQuantity")
            if quantity is not None:
                _add_item(mapped, totals, _GivenItem(path=path, line=line, quantity=quantity))
    only_po = orders[0].get("purchaseOrderNumber") if len(orders) == 1 else None
    cartons, carton_positions, pallet_containers = [], {}, []
    for c, container in enumerate(shipment.get("containers") or []):
        path = f"{where}.containers[{c}]"
        if container.get("containerType") == "pallet":
            pallet_containers.append((path, container))
            continue
        mapped.carton_paths.append(path)
        sscc = _sscc(mapped, container.get("containerIdentifiers"), f"{path}.containerIdentifiers")
        carton_positions[container.get("containerSequenceNumber") or f"#{c}"] = len(cartons)
        packed = []
        for k, content in enumerate(container.get("packedItems") or []):
            number = (content.get("itemDetails") or {}).get("purchaseOrderNumber") or only_po
            line = by_reference.get((number, str(content.get("itemSequenceNumber"))))
            if line is None:
                mapped.refuse(
                    "item_reference_unknown", f"{path}.packedItems[{k}]",
                    _("the packed item (purchase order %(number)s, item %(ref)s) is not one of purchaseOrders' items.") % {"number": number, "ref": content.get("itemSequenceNumber")},
                )
                continue
            quantity = _quantity(mapped, content.get("packedQuantity"), line, f"{path}.packedItems[{k}].packedQuantity")
            if quantity is not None:
                packed.append(ShipPlanLine(purchase_order_line_id=line.pk, quantity=quantity))
        cartons.append(ConfirmedCarton(sscc=sscc, items=packed, tracking_number=container.get("trackingNumber") or ""))
    pallets = []
    for path, container in pallet_containers:
        mapped.pallet_paths.append(path)
        sscc = _sscc(mapped, container.get("containerIdentifiers"), f"{path}.containerIdentifiers")
        if container.get("packedItems"):
            mapped.refuse("pallet_items_not_supported", f"{path}.packedItems", _("list what a pallet carries as carton containers and name them in innerContainersDetails."))
        inner = (container.get("innerContainersDetails") or {}).get("containerSequenceNumbers") or []
        references = [entry.get("containerSequenceNumber") for entry in inner]
        positions = _pallet_cartons(mapped, references, carton_positions, f"{path}.innerContainersDetails.containerSequenceNumbers")
        pallets.append(ConfirmedPallet(sscc=sscc, cartons=positions))
    if mapped.errors or warehouse is None:
        return mapped
    mapped.data = ShipmentConfirmationInput(
        ship_to=warehouse.code,
        shipment_identifier=mapped.identifier,
        ship_date=ship_date,
        lines=_finish_lines(mapped, totals),
        transport_mode=SHIP_MODES.get(transport.get("shipMode"), TransportMode.LTL),
        transport_method=TRANSPORT_METHODS.get(transport.get("transportationMode"), "road"),
        carrier_scac=carrier.get("code") or "",
        carrier_name=carrier.get("name") or "",
        pro_number=carrier.get("shipmentReferenceNumber") or "",
        bol_number=transport.get("billOfLadingNumber") or "",
        estimated_arrival=_date(transport.get("estimatedDeliveryDate")),
        ship_from=(shipment.get("shipFromParty") or {}).get("partyId") or "",
        cartons=cartons,
        pallets=pallets,
    )
    return mapped


def _date(value) -> datetime.date | None:
    parsed = parse_amazon_datetime(value)
    return parsed.astimezone(datetime.timezone.utc).date() if parsed else None


# The service's field names, as paths inside Amazon's item.
_LINE_FIELD = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")
_CONTAINER_FIELD = re.compile(r"^(cartons|pallets)\[(\d+)\](?:\.(.+))?$")
_CONFIRMATION_FIELDS = {
    "ship_to": ".shipToParty.partyId", "ship_from": ".shipFromParty.partyId", "shipment_identifier": ".shipmentIdentifier",
    "ship_date": ".shippedDate", "transport_mode": ".shipmentType", "transport_method": ".transportationDetails.transportationMode",
    "carrier_scac": ".transportationDetails.carrierScac", "bol_number": ".transportationDetails.billOfLadingNumber",
    "estimated_arrival": ".estimatedDeliveryDate", "tracking_number": ".cartons", "cartons": ".cartons", "pallets": ".pallets",
}
_SHIPMENT_FIELDS = {
    **_CONFIRMATION_FIELDS,
    "shipment_identifier": ".vendorShipmentIdentifier", "ship_date": ".transportationDetails.shippedDate",
    "transport_mode": ".transportationDetails.shipMode", "carrier_scac": ".transportationDetails.carrierDetails.code",
    "estimated_arrival": ".transportationDetails.estimatedDeliveryDate", "tracking_number": ".containers", "cartons": ".containers", "pallets": ".containers",
}
_CARTON_SUFFIX = {"sscc": {"confirmation": ".cartonIdentifiers", "shipment": ".containerIdentifiers"}, "tracking_number": {"confirmation": ".trackingNumber", "shipment": ".trackingNumber"}}
_PALLET_SUFFIX = {"sscc": {"confirmation": ".palletIdentifiers", "shipment": ".containerIdentifiers"}, "cartons": {"confirmation": ".cartonReferenceDetails", "shipment": ".innerContainersDetails"}}


def service_errors(error: PortalError, mapped: _Mapped, *, shape: str) -> list[dict]:
    """The service's refusals as Amazon errors, each at the payload's item, carton or pallet it is about."""
    code = AMAZON_CODES.get(error.status, "InvalidInput")
    header_fields = _CONFIRMATION_FIELDS if shape == "confirmation" else _SHIPMENT_FIELDS
    out = []
    for problem in error.as_error_list():
        service_field = problem.get("field") or ""
        path, line = mapped.where, None
        line_match, container_match = _LINE_FIELD.match(service_field), _CONTAINER_FIELD.match(service_field)
        if line_match and int(line_match[1]) < len(mapped.items_of_line):
            given = mapped.items_of_line[int(line_match[1])][0]
            path, line = given.path + (".shippedQuantity" if line_match[2] == "quantity" else ""), given.line
        elif container_match:
            kind, index, rest = container_match[1], int(container_match[2]), container_match[3] or ""
            paths = mapped.carton_paths if kind == "cartons" else mapped.pallet_paths
            suffixes = _CARTON_SUFFIX if kind == "cartons" else _PALLET_SUFFIX
            if index < len(paths):
                path = paths[index] + (suffixes[rest][shape] if rest in suffixes else ("." + rest.replace("quantity", "shippedQuantity") if rest else ""))
        elif service_field in header_fields:
            path = mapped.where + header_fields[service_field]
        number = line.purchase_order.number if line is not None else None
        message = _("Shipment %(id)s: %(problem)s") % {"id": mapped.identifier, "problem": problem["message"]}
        out.append(shipment_error(code=code, message=message, identifier=mapped.identifier, rule=problem["code"], field=path, number=number, sequence=line.sequence if line else None))
    return out


def apply_shipment_confirmation(*, item: dict, index: int, scope, actor) -> list[dict]:
    """The transaction handler for one ShipmentConfirmation."""
    mapped = map_confirmation(item, scope=scope, where=f"{CONFIRMATIONS_KEY}[{index}]")
    if mapped.errors:
        return mapped.errors
    try:
        shipment_create_from_confirmation(scope=scope, data=mapped.data, actor=actor)
    except PortalError as error:
        return service_errors(error, mapped, shape="confirmation")
    return []


def apply_shipment(*, item: dict, index: int, scope, actor) -> list[dict]:
    """The transaction handler for one Shipment of SubmitShipments: New submits the ASN, Cancel gives up a draft."""
    where = f"{SHIPMENTS_KEY}[{index}]"
    if item.get("transactionType") == "Cancel":
        identifier = item.get("vendorShipmentIdentifier", "")
        mapped = _Mapped(identifier=identifier, where=where)
        found = Shipment.objects.visible_to(scope).filter(shipment_identifier=identifier).values_list("pk", flat=True).first()
        if found is None:
            mapped.refuse("not_found", f"{where}.vendorShipmentIdentifier", _("there is no such shipment."), code="NotFound")
            return mapped.errors
        try:
            shipment_cancel(scope=scope, shipment_id=found, actor=actor)
        except PortalError as error:
            return service_errors(error, mapped, shape="shipment")
        return []
    mapped = map_shipment(item, scope=scope, where=where)
    if mapped.errors:
        return mapped.errors
    try:
        shipment_create_from_confirmation(scope=scope, data=mapped.data, actor=actor)
    except PortalError as error:
        return service_errors(error, mapped, shape="shipment")
    return []


def raise_if(errors: list[dict], message: str) -> None:
    if errors:
        raise DomainValidationError(message, errors=errors)
