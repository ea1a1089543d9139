"""Ship plans: a draft for one DC from confirmed PO lines, created, changed or cancelled, and packed
into cartons by case pack and onto pallets (carton moves, small-parcel tracking numbers, and the weights
and sizes of cartons and pallets too)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import PurchaseOrderLine, PurchaseOrderState, UnitOfMeasure
from purchase_orders.services.line_identity import GivenQuantity, NamedProduct, in_line_units, line_named, product_errors
from vendor_portal.errors import ConflictError, DomainValidationError, FieldError, ForbiddenError, InvalidTransitionError, field_error, with_refs
from vendor_portal.models import ShipFromAddress, Warehouse
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.states import transition

from .. import measurements
from ..measurements import Measurements
from ..models import Carton, CartonItem, DimensionUnit, Pallet, Shipment, ShipmentLine, ShipmentState, TransportMode, WeightUnit
from ._common import _cannot_be, _header_snapshot, _lines_snapshot, _raise_if, _shipment_for_update, _zone
from .labels import _labels_outdate
from .plan_warnings import (  # noqa: F401 (the plan's window rules and warnings, where its callers have always found them)
    CUTOFF_BEFORE_WINDOW_END,
    PlanWarning,
    _plan_warnings,
    backorder_warning,
    backordered_units,
    ship_window_check,
    shipment_plan_warnings,
)
from .sscc import sscc_allocate
from .weights import _containers_in_units, _measure, _measure_errors, _measurements_clear

HEADER_FIELDS = [
    "transport_mode",
    "transport_method",
    "carrier_scac",
    "carrier_name",
    "ship_date",
    "estimated_arrival",
    "bol_number",
    "pro_number",
    "cartons_per_pallet",
    "weight_unit",
    "dimension_unit",
]
SHIPPABLE_PO_STATES = {PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.PARTIALLY_SHIPPED}


@dataclass
class ShipPlanLine(NamedProduct):
    """The units of one PO line a shipment (or a carton) holds.

    The screens and the portal API name the PO line by its id and count in its own unit. A door that names
    lines as its caller did (Amazon, EDI) may give the PO number and the line's sequence or product
    (`asin`, `vendor_sku`, `gtin`) instead, and count in another unit (`unit_of_measure`, `unit_size`):
    the service finds the line and converts the quantity."""

    purchase_order_line_id: int | None
    quantity: int | None
    ref: object = None
    purchase_order_number: str = ""
    sequence: int | None = None
    unit_of_measure: str = ""
    unit_size: int | None = None

    @property
    def needs_naming(self) -> bool:
        return self.purchase_order_line_id is None or self.names_product or bool(self.unit_of_measure) or self.unit_size is not None


@dataclass
class ShipPlanInput:
    ship_to: str  # DC code
    shipment_identifier: str
    ship_date: datetime.date
    lines: list[ShipPlanLine]
    transport_mode: str = TransportMode.LTL
    transport_method: str = "road"
    carrier_scac: str = ""
    carrier_name: str = ""
    estimated_arrival: datetime.date | None = None
    bol_number: str = ""
    pro_number: str = ""
    ship_from: str = ""  # ship-from address code; the vendor's first one when empty
    cartons_per_pallet: int = 0
    weight_unit: str = ""  # kg or lb; empty: the plan's (a new plan: the DC country's)
    dimension_unit: str = ""  # cm or in; likewise
    warnings: list[str] = field(default_factory=list)


# Ship plans ----------------------------------------------------------------------------------------
def _named_lines(scope, named: list[tuple[object, ShipPlanLine]]) -> tuple[list[ShipPlanLine], list[FieldError]]:
    """The lines (ref, line) as the service works with them: each with its PO line id and its quantity in
    the line's own unit; a line that names no PO line of the caller, or another product, or counts in a
    unit that does not convert, is a problem. Lines already named by id in their own unit are kept as
    they are, at no cost."""
    pending = [(ref, line) for ref, line in named if line.needs_naming]
    if not pending:
        return [line for _ref, line in named], []
    ids = {line.purchase_order_line_id for _ref, line in pending if line.purchase_order_line_id is not None}
    numbers = {line.purchase_order_number for _ref, line in pending if line.purchase_order_line_id is None and line.purchase_order_number}
    po_lines = list(
        PurchaseOrderLine.objects.visible_to(scope)
        .filter(Q(pk__in=ids) | Q(purchase_order__number__in=numbers))
        .select_related("purchase_order", "product")
        .order_by("purchase_order_id", "sequence")
    )
    by_id = {line.pk: line for line in po_lines}
    by_number: dict[str, list] = defaultdict(list)
    for line in po_lines:
        by_number[line.purchase_order.number].append(line)
    out, errors = [], []
    for ref, line in named:
        if not line.needs_naming:
            out.append(line)
            continue
        problems = []
        if line.purchase_order_line_id is not None:
            po_line = by_id.get(line.purchase_order_line_id)
            if po_line is None:
                problems = [field_error(ref, "purchase_order_line", _("PO line not found."), "not_found")]
            else:
                problems = product_errors(ref, line, po_line)
        elif not line.purchase_order_number:
            problems = [field_error(ref, "purchase_order_number", _("Name the purchase order the line ships against."), "purchase_order_required")]
        elif line.purchase_order_number not in by_number:
            problems = [
                field_error(
                    ref,
                    "purchase_order_number",
                    _("Purchase order %(number)s was not found.") % {"number": line.purchase_order_number},
                    "purchase_order_not_found",
                )
            ]
        else:
            po_line, problems = line_named(
                ref, line, sequence=line.sequence, lines=by_number[line.purchase_order_number], po_number=line.purchase_order_number
            )
        if problems:
            errors.extend(problems)
            continue
        quantity = line.quantity
        if line.unit_of_measure or line.unit_size is not None:
            quantity, problem = in_line_units(GivenQuantity(line.quantity, line.unit_of_measure, line.unit_size, ref=ref), po_line)
            if problem is not None:
                errors.append(problem)
                continue
        out.append(
            replace(
                line,
                ref=ref,
                purchase_order_line_id=po_line.pk,
                quantity=quantity,
                unit_of_measure="",
                unit_size=None,
                asin="",
                vendor_sku="",
                gtin="",
            )
        )
    return out, errors


def _units_per_carton(po_line: PurchaseOrderLine) -> int:
    """A carton is one case: a case-pack of eaches, or one unit when the line is ordered in cases."""
    if po_line.unit_of_measure == UnitOfMeasure.CASES or po_line.product is None:
        return 1
    return max(1, po_line.product.case_pack)


def _check_plan(
    *, scope, data: ShipPlanInput, shipment: Shipment | None
) -> tuple[Warehouse, ShipFromAddress | None, dict, list[str], list[ShipPlanLine]]:
    """Validate a ship plan; lock its PO lines. Returns (DC, ship from, PO lines by id, warnings, the lines
    each with its PO line id and its quantity in the line's unit)."""
    if scope is None or scope.vendor is None:
        raise ForbiddenError(_("Ship plans are built by a vendor."))
    lines, errors = _named_lines(scope, with_refs(data.lines, "lines"))
    if errors:
        raise DomainValidationError(_("The ship plan has errors; nothing was saved."), errors=errors)
    warnings = []
    warehouse = Warehouse.objects.filter(code=data.ship_to).select_related("marketplace").first()
    if warehouse is None:
        errors.append(field_error(None, "ship_to", _("No DC %(code)s.") % {"code": data.ship_to}, "unknown_dc"))
    identifier = (data.shipment_identifier or "").strip()
    if not identifier or len(identifier) > 40:
        errors.append(field_error(None, "shipment_identifier", _("A shipment identifier is 1-40 characters.")))
    else:
        duplicates = Shipment.objects.for_vendor(scope.vendor).filter(shipment_identifier=identifier)
        if shipment is not None:
            duplicates = duplicates.exclude(pk=shipment.pk)
        if duplicates.exists():
            errors.append(field_error(None, "shipment_identifier", _("Shipment %(id)s already exists.") % {"id": identifier}, "duplicate"))
    if data.transport_mode not in TransportMode.values:
        errors.append(field_error(None, "transport_mode", _("Choose small parcel, LTL or truckload.")))
    if data.transport_method not in ("road", "air", "ocean"):
        errors.append(field_error(None, "transport_method", _("Choose road, air or ocean.")))
    if data.carrier_scac and not (2 <= len(data.carrier_scac) <= 4 and data.carrier_scac.isalpha()):
        errors.append(field_error(None, "carrier_scac", _("A SCAC is 2-4 letters.")))
    if data.estimated_arrival and data.ship_date and data.estimated_arrival < data.ship_date:
        errors.append(field_error(None, "estimated_arrival", _("Arrival cannot be before the ship date.")))
    if data.cartons_per_pallet is None or data.cartons_per_pallet < 0:
        errors.append(field_error(None, "cartons_per_pallet", _("Cartons per pallet must be zero or more.")))
    if data.weight_unit and data.weight_unit not in WeightUnit.values:
        errors.append(field_error(None, "weight_unit", _("Weigh in kg or lb.")))
    if data.dimension_unit and data.dimension_unit not in DimensionUnit.values:
        errors.append(field_error(None, "dimension_unit", _("Measure in cm or in.")))
    ship_from = None
    ship_froms = ShipFromAddress.objects.for_vendor(scope.vendor).order_by("pk")
    if data.ship_from:
        ship_from = ship_froms.filter(code=data.ship_from).first()
        if ship_from is None:
            errors.append(field_error(None, "ship_from", _("No ship-from address %(code)s.") % {"code": data.ship_from}, "unknown_ship_from"))
        elif ship_from.is_retired and (shipment is None or shipment.ship_from_id != ship_from.pk):
            # A shipment that already left from it keeps it; nothing new may leave from a retired place.
            message = _("Ship-from address %(code)s is retired: name one in use.") % {"code": data.ship_from}
            errors.append(field_error(None, "ship_from", message, "ship_from_retired"))
    else:
        ship_from = ship_froms.active().first()
    if not lines:
        errors.append(field_error(None, "lines", _("A ship plan needs at least one PO line.")))
    wanted_ids = [line.purchase_order_line_id for line in lines]
    po_lines = {
        line.pk: line
        for line in PurchaseOrderLine.objects.visible_to(scope)
        .select_for_update(of=("self",))
        .filter(pk__in=wanted_ids)
        .select_related("purchase_order", "product")
        .order_by("pk")
    }
    now = timezone.now()
    seen, refused_windows, early_windows = set(), set(), set()
    zone = _zone(warehouse.time_zone if warehouse else "UTC")
    for ref, line in with_refs(lines, "lines"):
        po_line = po_lines.get(line.purchase_order_line_id)
        if po_line is None:
            errors.append(field_error(ref, "purchase_order_line", _("PO line not found."), "not_found"))
            continue
        label = _("PO %(number)s line %(n)s") % {"number": po_line.purchase_order.number, "n": po_line.sequence}
        if po_line.pk in seen:
            errors.append(field_error(ref, "purchase_order_line", _("%(line)s appears twice.") % {"line": label}))
            continue
        seen.add(po_line.pk)
        po = po_line.purchase_order
        if po.state not in SHIPPABLE_PO_STATES:
            errors.append(
                field_error(
                    ref,
                    "purchase_order_line",
                    _("%(line)s cannot ship: the PO is %(state)s.") % {"line": label, "state": po.get_state_display().lower()},
                    "po_not_confirmed",
                )
            )
            continue
        if warehouse is not None and po.ship_to_id != warehouse.pk:
            errors.append(
                field_error(
                    ref,
                    "purchase_order_line",
                    _("%(line)s ships to %(dc)s, not %(plan_dc)s.") % {"line": label, "dc": po.ship_to.code, "plan_dc": warehouse.code},
                    "other_dc",
                )
            )
            continue
        if line.quantity is None or line.quantity <= 0:
            errors.append(field_error(ref, "quantity", _("%(line)s: ship at least one unit.") % {"line": label}))
            continue
        if line.quantity > po_line.open_to_ship:
            errors.append(
                field_error(
                    ref,
                    "quantity",
                    _("%(line)s: %(wanted)s asked but only %(open)s open to ship (accepted and backordered, minus shipped).")
                    % {"line": label, "wanted": line.quantity, "open": po_line.open_to_ship},
                    "over_shipped",
                )
            )
        window = ship_window_check(po=po, ship_date=data.ship_date, time_zone=warehouse.time_zone if warehouse else "UTC", now=now)
        if window == "closed":
            errors.append(
                field_error(
                    ref,
                    "purchase_order_line",
                    _("%(line)s: the ship window closed on %(end)s.") % {"line": label, "end": timezone.localdate(po.ship_window_end)},
                    "ship_window_closed",
                )
            )
        elif window == "ship_date_past_window":
            if po.pk not in refused_windows:
                refused_windows.add(po.pk)
                end = timezone.localdate(po.ship_window_end, timezone=_zone(warehouse.time_zone if warehouse else "UTC"))
                errors.append(
                    field_error(
                        None,
                        "ship_date",
                        _("Ship date %(date)s is after the ship window of PO %(number)s closes (%(end)s): ship on %(end)s or earlier.")
                        % {"date": data.ship_date, "number": po.number, "end": end},
                        "ship_date_past_window",
                    )
                )
        warnings += _plan_warnings(po_line, quantity=line.quantity, ship_date=data.ship_date, window=window, zone=zone, ref=ref, warned=early_windows)
    if errors:
        raise DomainValidationError(_("The ship plan has errors; nothing was saved."), errors=errors)
    return warehouse, ship_from, po_lines, warnings, lines


def _header_values(data: ShipPlanInput, *, units: tuple[str, str]) -> dict:
    """The header fields to store; `units` are the (weight, dimension) units kept when `data` gives none."""
    values = {name: getattr(data, name) for name in HEADER_FIELDS}
    for name in ("carrier_scac", "carrier_name", "bol_number", "pro_number"):
        values[name] = (values[name] or "").strip()
    values["carrier_scac"] = values["carrier_scac"].upper()
    values["cartons_per_pallet"] = values["cartons_per_pallet"] or 0
    values["weight_unit"] = values["weight_unit"] or units[0]
    values["dimension_unit"] = values["dimension_unit"] or units[1]
    return values


def _line_create(shipment: Shipment, po_line: PurchaseOrderLine, quantity: int, actor: Actor) -> ShipmentLine:
    line = ShipmentLine.objects.create(shipment=shipment, purchase_order_line=po_line, quantity=quantity)
    audit_record(
        actor=actor, action="shipment_line.create", obj=line, vendor=shipment.vendor, after={"purchase_order_line": po_line.pk, "quantity": quantity}
    )
    return line


def _line_set_quantity(line: ShipmentLine, quantity: int, actor: Actor, vendor) -> None:
    before = {"quantity": line.quantity}
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    audit_record(actor=actor, action="shipment_line.change", obj=line, vendor=vendor, before=before, after={"quantity": quantity})


def shipment_create(*, scope, data: ShipPlanInput, actor: Actor) -> Shipment:
    """A ship plan for one DC from confirmed PO lines (of one or several POs), cartonized and with SSCCs.

    `shipment.warnings` lists what is allowed but worth knowing (PlanWarning): past the cutoff, a ship
    date before a PO's ship window opens, backordered units shipped before the date given for them."""
    try:
        with transaction.atomic():
            warehouse, ship_from, po_lines, warnings, lines = _check_plan(scope=scope, data=data, shipment=None)
            shipment = Shipment.objects.create(
                vendor=scope.vendor,
                marketplace=warehouse.marketplace,
                ship_to=warehouse,
                ship_from=ship_from,
                shipment_identifier=data.shipment_identifier.strip(),
                created_by=actor.user,
                **_header_values(data, units=measurements.default_units(warehouse.marketplace.country_code)),
            )
            for line in lines:
                _line_create(shipment, po_lines[line.purchase_order_line_id], line.quantity, actor)
            audit_record(
                actor=actor, action="shipment.create", obj=shipment, after={**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)}
            )
            _cartonize(shipment, actor)
    except IntegrityError:
        raise DomainValidationError(_("Shipment %(id)s already exists.") % {"id": data.shipment_identifier}, field="shipment_identifier") from None
    shipment.warnings = warnings
    return shipment


def shipment_update(*, scope, shipment_id, data: ShipPlanInput, actor: Actor) -> Shipment:
    """Change a draft ship plan: header and lines. When the lines change, cartons are re-planned by case
    pack (existing cartons keep their SSCCs); a header-only change keeps manual carton moves. Labels
    already printed from the plan are outdated by any change."""
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if not shipment.is_editable:
            raise InvalidTransitionError(_("Only a draft ship plan can be changed; use a Replace ASN after submission."))
        warehouse, ship_from, po_lines, warnings, lines = _check_plan(scope=scope, data=data, shipment=shipment)
        if warehouse.pk != shipment.ship_to_id:
            raise DomainValidationError(_("A ship plan's DC cannot change; start a new plan."), field="ship_to")
        before = {**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)}
        shipment.shipment_identifier = data.shipment_identifier.strip()
        shipment.ship_from = ship_from
        for name, value in _header_values(data, units=(shipment.weight_unit, shipment.dimension_unit)).items():
            setattr(shipment, name, value)
        shipment.save()
        if (shipment.weight_unit, shipment.dimension_unit) != (before["weight_unit"], before["dimension_unit"]):
            _containers_in_units(shipment)
        existing = {line.purchase_order_line_id: line for line in shipment.lines.all()}
        wanted = {line.purchase_order_line_id: line.quantity for line in lines}
        for po_line_id, line in existing.items():
            if po_line_id not in wanted:
                audit_record(actor=actor, action="shipment_line.delete", obj=line, vendor=shipment.vendor, before={"quantity": line.quantity})
                line.delete()
            elif line.quantity != wanted[po_line_id]:
                _line_set_quantity(line, wanted[po_line_id], actor, shipment.vendor)
        for po_line_id, quantity in wanted.items():
            if po_line_id not in existing:
                _line_create(shipment, po_lines[po_line_id], quantity, actor)
        after = {**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)}
        audit_record(actor=actor, action="shipment.update", obj=shipment, before=before, after=after)
        # Re-packing by case pack would undo manual carton moves: only a change of lines needs it.
        if after["lines"] != before["lines"]:
            _cartonize(shipment, actor)
        elif after["cartons_per_pallet"] != before["cartons_per_pallet"]:
            _palletize(shipment, actor)
        if after != before:
            _labels_outdate(shipment, actor)
    shipment.warnings = warnings
    return shipment


def shipment_cancel(*, scope, shipment_id, actor: Actor) -> Shipment:
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        before = _header_snapshot(shipment)
        transition(shipment, ShipmentState.CANCELLED, refusal=_cannot_be(_("cancelled")))
        shipment.cancelled_at = timezone.now()
        shipment.save(update_fields=["state", "cancelled_at", "updated_at"])
        audit_record(actor=actor, action="shipment.cancel", obj=shipment, before=before, after=_header_snapshot(shipment))
    return shipment


# Cartons and pallets -------------------------------------------------------------------------------
def _carton_contents(shipment: Shipment) -> list[dict]:
    contents = defaultdict(dict)
    for item in CartonItem.objects.filter(carton__shipment=shipment).values("carton__index", "shipment_line_id", "quantity"):
        contents[item["carton__index"]][item["shipment_line_id"]] = item["quantity"]
    return [{"index": index, "items": items} for index, items in sorted(contents.items())]


def _write_cartons(shipment: Shipment, plan: list[dict[int, int]], actor: Actor) -> None:
    """Make the shipment's cartons hold `plan` (carton i holds plan[i-1]: {shipment line id: qty}).

    Carton rows are kept by index, so re-planning the same shipment keeps the same SSCCs; cartons no
    longer needed are deleted and their SSCCs retired (the counter never goes back)."""
    before = {"cartons": _carton_contents(shipment)}
    existing = {carton.index: carton for carton in shipment.cartons.all()}
    # A carton whose contents change must be weighed and measured again: back to the estimate.
    held = {entry["index"]: entry["items"] for entry in before["cartons"]}
    repacked = [
        carton
        for index, carton in existing.items()
        if index <= len(plan) and held.get(index, {}) != {k: v for k, v in plan[index - 1].items() if v > 0}
    ]
    _measurements_clear(repacked, Carton)
    CartonItem.objects.filter(carton__shipment=shipment).delete()
    shipment.cartons.filter(index__gt=len(plan)).delete()
    missing = [index for index in range(1, len(plan) + 1) if index not in existing]
    new_ssccs = sscc_allocate(vendor=shipment.vendor, count=len(missing), actor=actor)
    created = Carton.objects.bulk_create([Carton(shipment=shipment, index=index, sscc=sscc) for index, sscc in zip(missing, new_ssccs, strict=False)])
    cartons = {**{index: carton for index, carton in existing.items() if index <= len(plan)}, **{carton.index: carton for carton in created}}
    CartonItem.objects.bulk_create(
        [
            CartonItem(carton=cartons[index], shipment_line_id=line_id, quantity=quantity)
            for index, contents in enumerate(plan, start=1)
            for line_id, quantity in contents.items()
            if quantity > 0
        ]
    )
    # Cartons are numerous and belong to the shipment: one audit row on the shipment records them all.
    audit_record(
        actor=actor,
        action="shipment.cartonize",
        obj=shipment,
        before=before,
        after={"cartons": _carton_contents(shipment), "new_ssccs": new_ssccs},
    )
    _palletize(shipment, actor)


def _cartonize(shipment: Shipment, actor: Actor) -> None:
    """One carton per case, in PO and line order; the last carton of a line holds the remainder."""
    plan = []
    lines = shipment.lines.select_related("purchase_order_line__product", "purchase_order_line__purchase_order").order_by(
        "purchase_order_line__purchase_order__number", "purchase_order_line__sequence"
    )
    for line in lines:
        per_carton = _units_per_carton(line.purchase_order_line)
        remaining = line.quantity
        while remaining > 0:
            quantity = min(per_carton, remaining)
            plan.append({line.pk: quantity})
            remaining -= quantity
    _write_cartons(shipment, plan, actor)


def _palletize(shipment: Shipment, actor: Actor) -> None:
    """Put `cartons_per_pallet` cartons on each pallet in carton order; pallets keep their SSCCs by index."""
    cartons = list(shipment.cartons.order_by("index"))
    per_pallet = shipment.cartons_per_pallet
    needed = -(-len(cartons) // per_pallet) if per_pallet else 0
    before = {"pallets": list(shipment.pallets.order_by("index").values_list("sscc", flat=True))}
    carried = defaultdict(set)
    for carton in cartons:
        if carton.pallet_id is not None:
            carried[carton.pallet_id].add(carton.pk)
    shipment.cartons.update(pallet=None)
    shipment.pallets.filter(index__gt=needed).delete()
    existing = {pallet.index: pallet for pallet in shipment.pallets.all()}
    missing = [index for index in range(1, needed + 1) if index not in existing]
    new_ssccs = sscc_allocate(vendor=shipment.vendor, count=len(missing), actor=actor)
    for pallet in Pallet.objects.bulk_create(
        [Pallet(shipment=shipment, index=index, sscc=sscc) for index, sscc in zip(missing, new_ssccs, strict=False)]
    ):
        existing[pallet.index] = pallet
    now_carried = defaultdict(set)
    for position, carton in enumerate(cartons):
        if per_pallet:
            carton.pallet = existing[position // per_pallet + 1]
            now_carried[carton.pallet.pk].add(carton.pk)
    if per_pallet:
        Carton.objects.bulk_update(cartons, ["pallet"])
    # A pallet that carries other cartons now must be weighed and measured again.
    _measurements_clear([pallet for pallet in existing.values() if carried.get(pallet.pk, set()) != now_carried.get(pallet.pk, set())], Pallet)
    after = {"pallets": list(shipment.pallets.order_by("index").values_list("sscc", flat=True))}
    if after != before:
        audit_record(actor=actor, action="shipment.palletize", obj=shipment, before=before, after={**after, "cartons_per_pallet": per_pallet})


def shipment_cartonize(*, scope, shipment_id, actor: Actor) -> Shipment:
    """Re-plan a draft's cartons from its lines' case packs (undoes manual moves; keeps SSCCs by index)."""
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if not shipment.is_editable:
            raise InvalidTransitionError(_("Only a draft ship plan can be re-cartonized."))
        before = _carton_contents(shipment)
        _cartonize(shipment, actor)
        if _carton_contents(shipment) != before:
            _labels_outdate(shipment, actor)
    return shipment


def shipment_palletize(*, scope, shipment_id, cartons_per_pallet: int, actor: Actor) -> Shipment:
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if not shipment.is_editable:
            raise InvalidTransitionError(_("Only a draft ship plan can be re-palletized."))
        if cartons_per_pallet is None or cartons_per_pallet < 0:
            raise DomainValidationError(_("Cartons per pallet must be zero or more."), field="cartons_per_pallet")
        before = _header_snapshot(shipment)
        shipment.cartons_per_pallet = cartons_per_pallet
        shipment.save(update_fields=["cartons_per_pallet", "updated_at"])
        audit_record(actor=actor, action="shipment.update", obj=shipment, before=before, after=_header_snapshot(shipment))
        _palletize(shipment, actor)
        if before["cartons_per_pallet"] != cartons_per_pallet:
            _labels_outdate(shipment, actor)
    return shipment


def shipment_carton_move(
    *, scope, shipment_id, from_carton: int, to_carton: int | None, shipment_line_id: int, quantity: int, actor: Actor
) -> Shipment:
    """Move units of one line from a carton to another (making a mixed carton) or to a new carton.

    A carton left empty is removed and the later cartons keep their numbers and SSCCs."""
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if not shipment.is_editable:
            raise InvalidTransitionError(_("Only a draft ship plan's cartons can be changed."))
        plan = [dict(entry["items"]) for entry in _carton_contents(shipment)]
        indexes = [entry["index"] for entry in _carton_contents(shipment)]
        if indexes != list(range(1, len(plan) + 1)):  # never happens through services, but the plan math needs it
            raise ConflictError(_("The cartons of this shipment are out of order; re-cartonize it."))
        if not 1 <= from_carton <= len(plan):
            raise DomainValidationError(_("There is no carton %(n)s.") % {"n": from_carton}, field="from_carton")
        if to_carton is not None and not 1 <= to_carton <= len(plan):
            raise DomainValidationError(_("There is no carton %(n)s.") % {"n": to_carton}, field="to_carton")
        if to_carton == from_carton:
            raise DomainValidationError(_("Choose another carton."), field="to_carton")
        held = plan[from_carton - 1].get(shipment_line_id, 0)
        if quantity is None or quantity <= 0 or quantity > held:
            raise DomainValidationError(
                _("Carton %(n)s holds %(held)s of that line; move 1 to %(held)s.") % {"n": from_carton, "held": held}, field="quantity"
            )
        plan[from_carton - 1][shipment_line_id] = held - quantity
        if to_carton is None:
            plan.append({shipment_line_id: quantity})
        else:
            target = plan[to_carton - 1]
            target[shipment_line_id] = target.get(shipment_line_id, 0) + quantity
        plan = [{line: q for line, q in contents.items() if q > 0} for contents in plan]
        plan = [contents for contents in plan if contents]
        _write_cartons(shipment, plan, actor)
        _labels_outdate(shipment, actor)
    return shipment


def shipment_carton_set_tracking(*, scope, shipment_id, tracking: dict[int, str], actor: Actor) -> Shipment:
    """Small-parcel tracking numbers by carton index."""
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if not shipment.is_editable:
            raise InvalidTransitionError(_("Only a draft ship plan's cartons can be changed."))
        cartons = {carton.index: carton for carton in shipment.cartons.filter(index__in=tracking)}
        for index, number in tracking.items():
            carton = cartons.get(index)
            if carton is None:
                raise DomainValidationError(_("There is no carton %(n)s.") % {"n": index}, field="tracking")
            before = {"tracking_number": carton.tracking_number}
            carton.tracking_number = (number or "").strip()[:40]
            carton.save(update_fields=["tracking_number"])
            audit_record(
                actor=actor,
                action="carton.track",
                obj=carton,
                vendor=shipment.vendor,
                before=before,
                after={"tracking_number": carton.tracking_number},
            )
    return shipment


# The editor's one save ----------------------------------------------------------------------------
def shipment_plan_save(
    *,
    scope,
    shipment_id,
    data: ShipPlanInput,
    actor: Actor,
    tracking: dict[int, str] | None = None,
    carton_measurements: dict[int, Measurements] | None = None,
    pallet_measurements: dict[int, Measurements] | None = None,
) -> Shipment:
    """The ship plan editor's one save: header, lines and pallets (through shipment_update), carton tracking
    numbers and the weights and dimensions of cartons and pallets by index, all or nothing.

    Measurements apply to the cartons and pallets as they were shown; when the lines change in the same
    save, cartons whose contents change go back to their estimates."""
    carton_measurements, pallet_measurements, tracking = carton_measurements or {}, pallet_measurements or {}, tracking or {}
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if not shipment.is_editable:
            raise InvalidTransitionError(_("Only a draft ship plan can be changed; use a Replace ASN after submission."))
        errors = _measure_errors(shipment, carton_measurements, pallet_measurements)
        for index, number in tracking.items():
            if len((number or "").strip()) > 40:
                errors.append(
                    field_error(
                        f"cartons[{index}]", "tracking_number", _("A tracking number is at most 40 characters (carton %(n)s).") % {"n": index}
                    )
                )
        _raise_if(errors, _("The ship plan has errors; nothing was saved."))
        _measure(shipment, carton_measurements, pallet_measurements, actor)
        current = dict(shipment.cartons.filter(index__in=list(tracking)).values_list("index", "tracking_number"))
        changed_tracking = {index: number for index, number in tracking.items() if index in current and (number or "").strip() != current[index]}
        if changed_tracking:
            shipment_carton_set_tracking(scope=scope, shipment_id=shipment.pk, tracking=changed_tracking, actor=actor)
        saved = shipment_update(scope=scope, shipment_id=shipment.pk, data=data, actor=actor)
    return saved
