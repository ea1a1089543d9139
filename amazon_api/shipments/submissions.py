"""SubmitShipmentConfirmations and SubmitShipments (vendorShipments.json) over the portal's shipments.

Both are transactions like submitAcknowledgement: the POST checks the shape, a worker maps each
ShipmentConfirmation (or Shipment) onto `shipment_create_from_confirmation`, which stores the cartons
and pallets with the vendor's own SSCCs and submits (or replaces) the ASN, all or nothing. Each item goes
to the service as it was given (purchase order, product identifiers, quantity in its unit): the service
finds the PO line and converts. What only the door can check is checked here: sellingParty is the vendor's
code in the DC's marketplace, `itemReference` and `cartonReferenceNumbers` resolve inside the same
payload, the shipped date-time has passed. Every refusal names the shipment, the PO and item when there
is one, the rule and the field.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from shipments import measurements
from shipments.measurements import Measurements
from shipments.models import AsnType, Shipment, TransportMode
from shipments.services.confirmations import ConfirmedCarton, ConfirmedPallet, ShipmentConfirmationInput, shipment_create_from_confirmation
from shipments.services.plans import ShipPlanLine, shipment_cancel
from vendor_portal.errors import DomainValidationError, FieldError, InvalidTransitionError, PortalError, field_error
from vendor_portal.models import VendorAccount, Warehouse

from ..acknowledgements import parse_amazon_datetime
from ..errors import amazon_code
from ..spec import request_errors

VENDOR_SHIPMENTS = "vendorShipments.json"
CONFIRMATIONS_KEY = "shipmentConfirmations"
SHIPMENTS_KEY = "shipments"
SHIP_MODES = {"TruckLoad": TransportMode.TRUCKLOAD, "LessThanTruckLoad": TransportMode.LTL, "SmallParcel": TransportMode.SMALL_PARCEL}
TRANSPORT_METHODS = {"Road": "road", "Air": "air", "Ocean": "ocean"}
# A shipped date a little ahead of the server's clock is a clock difference, not a future shipment.
CLOCK_SKEW = datetime.timedelta(minutes=5)


# At the door (the POSTs) ---------------------------------------------------------------------------
def _date_errors(dates: list[tuple[str, object]]) -> list[FieldError]:
    return [
        field_error(None, path, _("%(field)s must be an ISO-8601 date-time.") % {"field": path})
        for path, value in dates
        if value is not None and parse_amazon_datetime(value) is None
    ]


def confirmations_submit_errors(body) -> list[FieldError]:
    errors = request_errors(VENDOR_SHIPMENTS, "SubmitShipmentConfirmationsRequest", body)
    if errors:
        return errors
    confirmations = body.get(CONFIRMATIONS_KEY) or []
    if not confirmations:
        return [field_error(None, CONFIRMATIONS_KEY, _("Send at least one shipment confirmation."), "required")]
    dates = []
    for c, confirmation in enumerate(confirmations):
        for name in ("shipmentConfirmationDate", "shippedDate", "estimatedDeliveryDate"):
            dates.append((f"{CONFIRMATIONS_KEY}[{c}].{name}", confirmation.get(name)))
    return _date_errors(dates)


def shipments_submit_errors(body) -> list[FieldError]:
    errors = request_errors(VENDOR_SHIPMENTS, "SubmitShipments", body)
    if errors:
        return errors
    shipments = body.get(SHIPMENTS_KEY) or []
    if not shipments:
        return [field_error(None, SHIPMENTS_KEY, _("Send at least one shipment."), "required")]
    dates = []
    for s, shipment in enumerate(shipments):
        dates.append((f"{SHIPMENTS_KEY}[{s}].transactionDate", shipment.get("transactionDate")))
        for name in ("shippedDate", "estimatedDeliveryDate"):
            dates.append((f"{SHIPMENTS_KEY}[{s}].transportationDetails.{name}", (shipment.get("transportationDetails") or {}).get(name)))
    return _date_errors(dates)


# In the worker: one payload item onto the service ------------------------------------------------
def shipment_error(*, code: str, message: str, identifier: str, rule: str, field: str, number: str | None = None, sequence=None) -> dict:
    details = [
        ("shipmentIdentifier", identifier),
        ("purchaseOrderNumber", number),
        ("itemSequenceNumber", sequence),
        ("rule", rule),
        ("field", field),
    ]
    return {"code": code, "message": message, "details": "; ".join(f"{key}={value}" for key, value in details if value not in (None, ""))}


@dataclass(eq=False)
class _At:
    """Where an item, carton or pallet of the payload is, for the service's errors about it: its path,
    the path of each service field on it, and for an item its purchase order and itemSequenceNumber."""

    path: str
    fields: dict[str, str] = field(default_factory=dict)
    number: str | None = None
    sequence: object = None

    def locate(self, name: str | None) -> str:
        return self.fields.get(name or "", self.path)


@dataclass
class _Mapped:
    identifier: str
    data: ShipmentConfirmationInput | None = None
    where: str = ""
    errors: list[dict] = field(default_factory=list)

    def refuse(self, rule: str, path: str, message: str, *, number: str | None = None, sequence=None, code: str = "InvalidInput") -> None:
        if number is not None and sequence is not None:
            text = _("Shipment %(id)s, purchase order %(number)s, item %(sequence)s: %(problem)s") % {
                "id": self.identifier,
                "number": number,
                "sequence": sequence,
                "problem": message,
            }
        else:
            text = _("Shipment %(id)s: %(problem)s") % {"id": self.identifier, "problem": message}
        self.errors.append(
            shipment_error(code=code, message=text, identifier=self.identifier, rule=rule, field=path, number=number, sequence=sequence)
        )


def _sscc(mapped: _Mapped, identifiers, path: str) -> str:
    for identifier in identifiers or []:
        if identifier.get("containerIdentificationType") == "SSCC":
            return (identifier.get("containerIdentificationNumber") or "").strip()
    mapped.refuse("sscc_required", path, _("give the container's SSCC (containerIdentificationType SSCC): the labels carry it."))
    return ""


# Amazon's units of weight and length as the portal stores them: (unit, factor).
WEIGHT_UNITS = {"Kg": (measurements.KG, Decimal(1)), "G": (measurements.KG, Decimal("0.001")), "Lb": (measurements.LB, Decimal(1))}
WEIGHT_UNITS["Oz"] = (measurements.LB, Decimal(1) / 16)
LENGTH_UNITS = {"In": (measurements.IN, Decimal(1)), "Ft": (measurements.IN, Decimal(12)), "Yard": (measurements.IN, Decimal(36))}
LENGTH_UNITS["Meter"] = (measurements.CM, Decimal(100))


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _measurements(mapped: _Mapped, given: dict, path: str, *, weight_key: str = "weight", dimensions_key: str = "dimensions") -> Measurements | None:
    """A container's (or the shipment's) `Weight` and `Dimensions` in the portal's units (kg or lb, cm or in),
    exact: grams and ounces become kg and lb, feet and yards inches, metres centimetres."""
    weight, dimensions = given.get(weight_key), given.get(dimensions_key)
    if not weight and not dimensions:
        return None
    values = {}
    if weight:
        unit, factor = WEIGHT_UNITS.get(weight.get("unitOfMeasure"), (None, None))
        amount = _amount(weight.get("value"))
        if unit is None or amount is None:
            mapped.refuse("invalid_weight", f"{path}.{weight_key}", _("give the weight as a number with its unit (Kg, G, Lb or Oz)."))
        else:
            values.update(weight=amount * factor, weight_unit=unit)
    if dimensions:
        unit, factor = LENGTH_UNITS.get(dimensions.get("unitOfMeasure"), (None, None))
        sides = [_amount(dimensions.get(side)) for side in ("length", "width", "height")]
        if unit is None or None in sides:
            mapped.refuse("invalid_dimensions", f"{path}.{dimensions_key}", _("give length, width and height as numbers with their unit."))
        else:
            values.update(length=sides[0] * factor, width=sides[1] * factor, height=sides[2] * factor, dimension_unit=unit)
    return Measurements(**values) if values else None


def _selling_party_code(vendor, warehouse: Warehouse) -> str:
    account = VendorAccount.objects.filter(vendor=vendor, marketplace_id=warehouse.marketplace_id).values_list("vendor_code", flat=True).first()
    return account or vendor.code


def _check_parties(mapped: _Mapped, scope, given: dict, where: str) -> Warehouse | None:
    dc_code = (given.get("shipToParty") or {}).get("partyId", "")
    warehouse = Warehouse.objects.filter(code=dc_code).first()
    if warehouse is None:
        mapped.refuse(
            "unknown_dc",
            f"{where}.shipToParty.partyId",
            _("shipToParty must be the code of the DC the goods ship to; %(code)s is not one.") % {"code": dc_code},
        )
        return None
    expected = _selling_party_code(scope.vendor, warehouse)
    if (given.get("sellingParty") or {}).get("partyId") != expected:
        mapped.refuse(
            "selling_party_mismatch",
            f"{where}.sellingParty.partyId",
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
    return shipped.astimezone(datetime.UTC).date()


def _shipped_item(given: dict, *, number, sequence, asin, sku, quantity_key: str, at: _At) -> ShipPlanLine:
    """An item as the service takes it: named by its purchase order and sequence or product, its
    quantity in the unit given (the service finds the PO line and converts)."""
    quantity = given.get(quantity_key) or {}
    at.fields.setdefault("quantity", f"{at.path}.{quantity_key}")
    at.fields.setdefault("unit_of_measure", f"{at.path}.{quantity_key}")
    return ShipPlanLine(
        None,
        quantity.get("amount"),
        ref=at,
        purchase_order_number=number or "",
        sequence=sequence,
        asin=asin or "",
        vendor_sku=sku or "",
        unit_of_measure=quantity.get("unitOfMeasure") or "",
        unit_size=quantity.get("unitSize"),
    )


def _sequence(value) -> int | None:
    return int(value) if str(value or "").strip().isdigit() else None


def _pallet_cartons(mapped: _Mapped, references, carton_positions: dict, path: str) -> list[int]:
    positions = []
    for r, reference in enumerate(references):
        if reference not in carton_positions:
            mapped.refuse("carton_reference_unknown", f"{path}[{r}]", _("carton %(ref)s is not one of this shipment's cartons.") % {"ref": reference})
        else:
            positions.append(carton_positions[reference])
    return positions


# Where a container's weight and dimensions are, for the service's errors about them.
MEASURED_FIELDS = {
    "weight": ".weight",
    "weight_unit": ".weight.unitOfMeasure",
    "length": ".dimensions",
    "width": ".dimensions",
    "height": ".dimensions",
    "dimension_unit": ".dimensions.unitOfMeasure",
}


def _container(path: str, **fields: str) -> _At:
    return _At(path, {name: path + suffix for name, suffix in fields.items()})


def map_confirmation(confirmation: dict, *, scope, where: str) -> _Mapped:
    """A ShipmentConfirmation as the service's input (or the reasons it cannot be one)."""
    mapped = _Mapped(identifier=confirmation.get("shipmentIdentifier", ""), where=where)
    warehouse = _check_parties(mapped, scope, confirmation, where)
    ship_date = _shipped_date(mapped, confirmation.get("shippedDate") or confirmation.get("shipmentConfirmationDate"), f"{where}.shippedDate")
    transport = confirmation.get("transportationDetails") or {}
    lines: list[ShipPlanLine] = []
    references: dict[str, dict] = {}
    for i, item in enumerate(confirmation.get("shippedItems") or []):
        path = f"{where}.shippedItems[{i}]"
        reference = str(item.get("itemSequenceNumber"))
        number = (item.get("itemDetails") or {}).get("purchaseOrderNumber")
        at = _At(
            path,
            {
                "purchase_order_number": f"{path}.itemDetails.purchaseOrderNumber",
                "asin": f"{path}.amazonProductIdentifier",
                "vendor_sku": f"{path}.vendorProductIdentifier",
            },
            number=number,
            sequence=item.get("itemSequenceNumber"),
        )
        if reference in references:
            mapped.refuse(
                "item_reference_duplicate",
                f"{path}.itemSequenceNumber",
                _("itemSequenceNumber %(ref)s is given twice.") % {"ref": reference},
                number=number,
                sequence=reference,
            )
            continue
        asin, sku = item.get("amazonProductIdentifier"), item.get("vendorProductIdentifier")
        # itemSequenceNumber numbers the items of this shipment: the PO's line is named by the product, by the sequence only without one.
        naming = {"number": number, "sequence": None if asin or sku else _sequence(reference), "asin": asin, "sku": sku}
        references[reference] = naming
        lines.append(_shipped_item(item, quantity_key="shippedQuantity", at=at, **naming))
    cartons, carton_positions = [], {}
    for c, carton in enumerate(confirmation.get("cartons") or []):
        path = f"{where}.cartons[{c}]"
        sscc = _sscc(mapped, carton.get("cartonIdentifiers"), f"{path}.cartonIdentifiers")
        number = carton.get("cartonSequenceNumber")
        if number in carton_positions:
            mapped.refuse("carton_sequence_duplicate", f"{path}.cartonSequenceNumber", _("carton %(ref)s is given twice.") % {"ref": number})
        carton_positions[number] = c
        packed = []
        for k, content in enumerate(carton.get("items") or []):
            naming = references.get(str(content.get("itemReference")))
            if naming is None:
                mapped.refuse(
                    "item_reference_unknown",
                    f"{path}.items[{k}].itemReference",
                    _("itemReference %(ref)s names no item of shippedItems.") % {"ref": content.get("itemReference")},
                )
                continue
            at = _At(f"{path}.items[{k}]", number=naming["number"], sequence=content.get("itemReference"))
            packed.append(_shipped_item(content, quantity_key="shippedQuantity", at=at, **naming))
        carton_at = _container(path, sscc=".cartonIdentifiers", tracking_number=".trackingNumber", items=".items", **MEASURED_FIELDS)
        cartons.append(
            ConfirmedCarton(
                sscc=sscc,
                items=packed,
                tracking_number=carton.get("trackingNumber") or "",
                ref=carton_at,
                measurements=_measurements(mapped, carton, path),
            )
        )
    pallets = []
    for p, pallet in enumerate(confirmation.get("pallets") or []):
        path = f"{where}.pallets[{p}]"
        sscc = _sscc(mapped, pallet.get("palletIdentifiers"), f"{path}.palletIdentifiers")
        if pallet.get("items"):
            mapped.refuse(
                "pallet_items_not_supported",
                f"{path}.items",
                _("list what a pallet carries as cartons (with their SSCCs) and reference them in cartonReferenceDetails."),
            )
        references_given = (pallet.get("cartonReferenceDetails") or {}).get("cartonReferenceNumbers") or []
        positions = _pallet_cartons(mapped, references_given, carton_positions, f"{path}.cartonReferenceDetails.cartonReferenceNumbers")
        pallets.append(
            ConfirmedPallet(
                sscc=sscc,
                cartons=positions,
                ref=_container(path, sscc=".palletIdentifiers", cartons=".cartonReferenceDetails", **MEASURED_FIELDS),
                measurements=_measurements(mapped, pallet, path),
            )
        )
    mode = confirmation.get("shipmentType")
    gross = _measurements(mapped, confirmation.get("shipmentMeasurements") or {}, f"{where}.shipmentMeasurements", weight_key="grossShipmentWeight")
    if mapped.errors or warehouse is None:
        return mapped
    mapped.data = ShipmentConfirmationInput(
        ship_to=warehouse.code,
        shipment_identifier=mapped.identifier,
        ship_date=ship_date,
        lines=lines,
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
        gross_weight=gross,
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
    lines: list[ShipPlanLine] = []
    by_reference: dict[tuple[str, str], dict] = {}
    for o, order in enumerate(orders):
        number = order.get("purchaseOrderNumber")
        for i, item in enumerate(order.get("items") or []):
            path = f"{where}.purchaseOrders[{o}].items[{i}]"
            at = _At(
                path,
                {
                    "purchase_order_number": f"{where}.purchaseOrders[{o}].purchaseOrderNumber",
                    "asin": f"{path}.buyerProductIdentifier",
                    "vendor_sku": f"{path}.vendorProductIdentifier",
                    "sequence": f"{path}.itemSequenceNumber",
                },
                number=number,
                sequence=item.get("itemSequenceNumber"),
            )
            # Here itemSequenceNumber is the PO's: it names the line, the product identifiers must be its.
            naming = {
                "number": number,
                "sequence": _sequence(item.get("itemSequenceNumber")),
                "asin": item.get("buyerProductIdentifier"),
                "sku": item.get("vendorProductIdentifier"),
            }
            by_reference[(number, str(item.get("itemSequenceNumber")))] = naming
            lines.append(_shipped_item(item, quantity_key="shippedQuantity", at=at, **naming))
    only_po = orders[0].get("purchaseOrderNumber") if len(orders) == 1 else None
    cartons, carton_positions, pallet_containers = [], {}, []
    for c, container in enumerate(shipment.get("containers") or []):
        path = f"{where}.containers[{c}]"
        if container.get("containerType") == "pallet":
            pallet_containers.append((path, container))
            continue
        sscc = _sscc(mapped, container.get("containerIdentifiers"), f"{path}.containerIdentifiers")
        carton_positions[container.get("containerSequenceNumber") or f"#{c}"] = len(cartons)
        packed = []
        for k, content in enumerate(container.get("packedItems") or []):
            number = (content.get("itemDetails") or {}).get("purchaseOrderNumber") or only_po
            naming = by_reference.get((number, str(content.get("itemSequenceNumber"))))
            if naming is None:
                mapped.refuse(
                    "item_reference_unknown",
                    f"{path}.packedItems[{k}]",
                    _("the packed item (purchase order %(number)s, item %(ref)s) is not one of purchaseOrders' items.")
                    % {"number": number, "ref": content.get("itemSequenceNumber")},
                )
                continue
            at = _At(f"{path}.packedItems[{k}]", number=number, sequence=content.get("itemSequenceNumber"))
            packed.append(_shipped_item(content, quantity_key="packedQuantity", at=at, **naming))
        carton_at = _container(path, sscc=".containerIdentifiers", tracking_number=".trackingNumber", items=".packedItems", **MEASURED_FIELDS)
        cartons.append(
            ConfirmedCarton(
                sscc=sscc,
                items=packed,
                tracking_number=container.get("trackingNumber") or "",
                ref=carton_at,
                measurements=_measurements(mapped, container, path),
            )
        )
    pallets = []
    for path, container in pallet_containers:
        sscc = _sscc(mapped, container.get("containerIdentifiers"), f"{path}.containerIdentifiers")
        if container.get("packedItems"):
            mapped.refuse(
                "pallet_items_not_supported",
                f"{path}.packedItems",
                _("list what a pallet carries as carton containers and name them in innerContainersDetails."),
            )
        inner = (container.get("innerContainersDetails") or {}).get("containerSequenceNumbers") or []
        references = [entry.get("containerSequenceNumber") for entry in inner]
        positions = _pallet_cartons(mapped, references, carton_positions, f"{path}.innerContainersDetails.containerSequenceNumbers")
        pallets.append(
            ConfirmedPallet(
                sscc=sscc,
                cartons=positions,
                ref=_container(path, sscc=".containerIdentifiers", cartons=".innerContainersDetails", **MEASURED_FIELDS),
                measurements=_measurements(mapped, container, path),
            )
        )
    gross = _measurements(mapped, shipment.get("shipmentMeasurements") or {}, f"{where}.shipmentMeasurements", weight_key="shipmentWeight")
    if mapped.errors or warehouse is None:
        return mapped
    mapped.data = ShipmentConfirmationInput(
        ship_to=warehouse.code,
        shipment_identifier=mapped.identifier,
        ship_date=ship_date,
        lines=lines,
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
        gross_weight=gross,
    )
    return mapped


def _date(value) -> datetime.date | None:
    parsed = parse_amazon_datetime(value)
    return parsed.astimezone(datetime.UTC).date() if parsed else None


# The service's header field names, as paths inside Amazon's ShipmentConfirmation / Shipment.
_CONFIRMATION_FIELDS = {
    "ship_to": ".shipToParty.partyId",
    "ship_from": ".shipFromParty.partyId",
    "shipment_identifier": ".shipmentIdentifier",
    "ship_date": ".shippedDate",
    "transport_mode": ".shipmentType",
    "transport_method": ".transportationDetails.transportationMode",
    "carrier_scac": ".transportationDetails.carrierScac",
    "bol_number": ".transportationDetails.billOfLadingNumber",
    "pro_number": ".transportationDetails.carrierShipmentReferenceNumber",
    "estimated_arrival": ".estimatedDeliveryDate",
    "tracking_number": ".cartons",
    "cartons": ".cartons",
    "pallets": ".pallets",
    "lines": ".shippedItems",
    "gross_weight": ".shipmentMeasurements.grossShipmentWeight",
}
_SHIPMENT_FIELDS = {
    **_CONFIRMATION_FIELDS,
    "shipment_identifier": ".vendorShipmentIdentifier",
    "ship_date": ".transportationDetails.shippedDate",
    "transport_mode": ".transportationDetails.shipMode",
    "carrier_scac": ".transportationDetails.carrierDetails.code",
    "carrier_name": ".transportationDetails.carrierDetails.name",
    "pro_number": ".transportationDetails.carrierDetails.shipmentReferenceNumber",
    "estimated_arrival": ".transportationDetails.estimatedDeliveryDate",
    "tracking_number": ".containers",
    "cartons": ".containers",
    "pallets": ".containers",
    "lines": ".purchaseOrders",
    "gross_weight": ".shipmentMeasurements.shipmentWeight",
}
# Refusals Amazon reports as NotFound rather than InvalidInput.
_NOT_FOUND_RULES = {"purchase_order_not_found"}


def service_errors(error: PortalError, mapped: _Mapped, *, shape: str) -> list[dict]:
    """The service's refusals as Amazon errors, each at the payload's item, carton or pallet it is about."""
    header_fields = _CONFIRMATION_FIELDS if shape == "confirmation" else _SHIPMENT_FIELDS
    replacing = mapped.data is not None and mapped.data.asn_type == AsnType.REPLACE
    out = []
    for problem in error.field_errors():
        at = problem.ref if isinstance(problem.ref, _At) else None
        path = at.locate(problem.field) if at is not None else mapped.where + header_fields.get(problem.field or "", "")
        rule = problem.code
        if replacing and isinstance(error, InvalidTransitionError):
            rule = "not_replaceable"  # the ASN is past the state a Replace ASN may change
        code = "NotFound" if rule in _NOT_FOUND_RULES else amazon_code(error.status)
        message = _("Shipment %(id)s: %(problem)s") % {"id": mapped.identifier, "problem": problem.message}
        number, sequence = (at.number, at.sequence) if at is not None else (None, None)
        out.append(shipment_error(code=code, message=message, identifier=mapped.identifier, rule=rule, field=path, number=number, sequence=sequence))
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


def raise_if(errors: list[FieldError], message: str) -> None:
    if errors:
        raise DomainValidationError(message, errors=errors)
