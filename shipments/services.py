"""Every write on ship plans, ASNs, cartons, pallets, labels and receipts.

HTML views, the portal API and (later) the Amazon-compatible door and EDI call these, so they
behave identically. PO line quantities change only through purchase_orders.services.
"""
from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import PurchaseOrderLine, PurchaseOrderState, UnitOfMeasure
from purchase_orders.services import purchase_order_lines_record_receipt, purchase_order_lines_record_shipment
from vendor_portal.errors import ConflictError, DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError
from vendor_portal.gs1 import sscc_build, sscc_is_valid
from vendor_portal.models import Document, Job, JobStatus, ShipFromAddress, Vendor, Warehouse
from vendor_portal.models.jobs import document_upload_to
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles

from .models import (
    AsnType,
    Carton,
    CartonItem,
    ComplianceEvent,
    ComplianceEventKind,
    Pallet,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    ShipmentState,
    SsccCounter,
    TransportMode,
)

SHIPMENT_AUDITED = [
    "shipment_identifier", "state", "ship_to_id", "ship_from_id", "transport_mode", "transport_method", "carrier_scac",
    "carrier_name", "ship_date", "estimated_arrival", "bol_number", "pro_number", "cartons_per_pallet", "asn_type",
    "asn_revision", "submitted_at", "receiving_started_at", "received_at", "cancelled_at",
]
HEADER_FIELDS = [
    "transport_mode", "transport_method", "carrier_scac", "carrier_name", "ship_date", "estimated_arrival", "bol_number",
    "pro_number", "cartons_per_pallet",
]
SHIPPERS = [Role.VENDOR_ADMIN, Role.VENDOR_OPS]
SSCC_EXTENSION_DIGIT = 0
# A ship plan this close to the end of its POs' ship window gets a warning; past the window it is refused.
CUTOFF_BEFORE_WINDOW_END = datetime.timedelta(days=2)
SHIPPABLE_PO_STATES = {PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.PARTIALLY_SHIPPED}
PACKING_LIST_MAX_BYTES = 5 * 1024 * 1024
LABELS_JOB_KIND = "shipment_labels"


def _error(field_name: str | None, message: str, code: str = "invalid") -> dict:
    return {"field": field_name, "message": message, "code": code}


@dataclass
class ShipPlanLine:
    purchase_order_line_id: int
    quantity: int


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
    warnings: list[str] = field(default_factory=list)


# Reads used by writes ------------------------------------------------------------------------------
def _shipment_for_update(scope, shipment_id) -> Shipment:
    """Lock the shipment row; another vendor's shipment is 'not found'."""
    try:
        shipment = Shipment.objects.visible_to(scope).select_for_update().filter(pk=int(shipment_id)).first()
    except (TypeError, ValueError):
        shipment = None
    if shipment is None:
        raise NotFoundError(_("Shipment not found."))
    return shipment


def _refuse_unless(shipment: Shipment, state: str, verb: str) -> None:
    if not shipment.can_transition_to(state):
        raise InvalidTransitionError(
            _("Shipment %(id)s cannot be %(verb)s: it is %(state)s.")
            % {"id": shipment.shipment_identifier, "verb": verb, "state": shipment.get_state_display().lower()}
        )


# SSCCs ---------------------------------------------------------------------------------------------
def sscc_allocate(*, vendor: Vendor, count: int, actor: Actor) -> list[str]:
    """`count` new SSCCs of the vendor's company prefix, from a counter that only counts up.

    The counter row is locked for the length of the caller's transaction, so two ship plans
    allocating at once get disjoint serials; a rolled-back allocation leaves a gap, never a reuse.
    """
    if count <= 0:
        return []
    prefix = vendor.gs1_company_prefix
    capacity = 10 ** (16 - len(prefix))
    with transaction.atomic():
        SsccCounter.objects.get_or_create(vendor=vendor)
        counter = SsccCounter.objects.select_for_update().get(vendor=vendor)
        first = counter.next_serial
        if first + count > capacity:
            raise ConflictError(_("The GS1 company prefix %(prefix)s has no SSCC serials left.") % {"prefix": prefix})
        SsccCounter.objects.filter(pk=counter.pk).update(next_serial=F("next_serial") + count)
        audit_record(
            actor=actor, action="sscc_counter.allocate", obj=counter, vendor=vendor,
            before={"next_serial": first}, after={"next_serial": first + count},
        )
    return [sscc_build(extension_digit=SSCC_EXTENSION_DIGIT, company_prefix=prefix, serial=serial) for serial in range(first, first + count)]


# Ship plans ----------------------------------------------------------------------------------------
def _units_per_carton(po_line: PurchaseOrderLine) -> int:
    """A carton is one case: a case-pack of eaches, or one unit when the line is ordered in cases."""
    if po_line.unit_of_measure == UnitOfMeasure.CASES or po_line.product is None:
        return 1
    return max(1, po_line.product.case_pack)


def ship_window_check(*, po, ship_date: datetime.date | None, time_zone: str, now: datetime.datetime) -> str:
    """Where a ship plan stands against a PO's ship window: "closed" (the window has passed),
    "ship_date_past_window" (the plan would ship after it closes), "cutoff" (allowed, but within
    CUTOFF_BEFORE_WINDOW_END of its end) or "ok". Dates are local to the DC (its `time_zone`)."""
    zone = _zone(time_zone)
    if now > po.ship_window_end:
        return "closed"
    if ship_date is not None and ship_date > timezone.localdate(po.ship_window_end, timezone=zone):
        return "ship_date_past_window"
    cutoff = po.ship_window_end - CUTOFF_BEFORE_WINDOW_END
    if now > cutoff or (ship_date is not None and ship_date > timezone.localdate(cutoff, timezone=zone)):
        return "cutoff"
    return "ok"


def _check_plan(*, scope, data: ShipPlanInput, shipment: Shipment | None) -> tuple[Warehouse, ShipFromAddress | None, dict, list[str]]:
    """Validate a ship plan; lock its PO lines. Returns (DC, ship from, PO lines by id, warnings)."""
    if scope is None or scope.vendor is None:
        raise ForbiddenError(_("Ship plans are built by a vendor."))
    errors, warnings = [], []
    warehouse = Warehouse.objects.filter(code=data.ship_to).select_related("marketplace").first()
    if warehouse is None:
        errors.append(_error("ship_to", _("No DC %(code)s.") % {"code": data.ship_to}, "unknown_dc"))
    identifier = (data.shipment_identifier or "").strip()
    if not identifier or len(identifier) > 40:
        errors.append(_error("shipment_identifier", _("A shipment identifier is 1-40 characters.")))
    else:
        duplicates = Shipment.objects.for_vendor(scope.vendor).filter(shipment_identifier=identifier)
        if shipment is not None:
            duplicates = duplicates.exclude(pk=shipment.pk)
        if duplicates.exists():
            errors.append(_error("shipment_identifier", _("Shipment %(id)s already exists.") % {"id": identifier}, "duplicate"))
    if data.transport_mode not in TransportMode.values:
        errors.append(_error("transport_mode", _("Choose small parcel, LTL or truckload.")))
    if data.transport_method not in ("road", "air", "ocean"):
        errors.append(_error("transport_method", _("Choose road, air or ocean.")))
    if data.carrier_scac and not (2 <= len(data.carrier_scac) <= 4 and data.carrier_scac.isalpha()):
        errors.append(_error("carrier_scac", _("A SCAC is 2-4 letters.")))
    if data.estimated_arrival and data.ship_date and data.estimated_arrival < data.ship_date:
        errors.append(_error("estimated_arrival", _("Arrival cannot be before the ship date.")))
    if data.cartons_per_pallet is None or data.cartons_per_pallet < 0:
        errors.append(_error("cartons_per_pallet", _("Cartons per pallet must be zero or more.")))
    ship_from = None
    ship_froms = ShipFromAddress.objects.for_vendor(scope.vendor).order_by("pk")
    if data.ship_from:
        ship_from = ship_froms.filter(code=data.ship_from).first()
        if ship_from is None:
            errors.append(_error("ship_from", _("No ship-from address %(code)s.") % {"code": data.ship_from}))
    else:
        ship_from = ship_froms.first()
    if not data.lines:
        errors.append(_error("lines", _("A ship plan needs at least one PO line.")))
    wanted_ids = [line.purchase_order_line_id for line in data.lines]
    po_lines = {
        line.pk: line
        for line in PurchaseOrderLine.objects.visible_to(scope).select_for_update(of=("self",))
        .filter(pk__in=wanted_ids).select_related("purchase_order", "product").order_by("pk")
    }
    now = timezone.now()
    seen, refused_windows = set(), set()
    for index, line in enumerate(data.lines):
        where = f"lines[{index}]"
        po_line = po_lines.get(line.purchase_order_line_id)
        if po_line is None:
            errors.append(_error(f"{where}.purchase_order_line", _("PO line not found."), "not_found"))
            continue
        label = _("PO %(number)s line %(n)s") % {"number": po_line.purchase_order.number, "n": po_line.sequence}
        if po_line.pk in seen:
            errors.append(_error(f"{where}.purchase_order_line", _("%(line)s appears twice.") % {"line": label}))
            continue
        seen.add(po_line.pk)
        po = po_line.purchase_order
        if po.state not in SHIPPABLE_PO_STATES:
            errors.append(_error(f"{where}.purchase_order_line", _("%(line)s cannot ship: the PO is %(state)s.") % {"line": label, "state": po.get_state_display().lower()}, "po_not_confirmed"))
            continue
        if warehouse is not None and po.ship_to_id != warehouse.pk:
            errors.append(_error(f"{where}.purchase_order_line", _("%(line)s ships to %(dc)s, not %(plan_dc)s.") % {"line": label, "dc": po.ship_to.code, "plan_dc": warehouse.code}, "other_dc"))
            continue
        if line.quantity is None or line.quantity <= 0:
            errors.append(_error(f"{where}.quantity", _("%(line)s: ship at least one unit.") % {"line": label}))
            continue
        if line.quantity > po_line.open_to_ship:
            errors.append(
                _error(
                    f"{where}.quantity",
                    _("%(line)s: %(wanted)s asked but only %(open)s open to ship (accepted and backordered, minus shipped).")
                    % {"line": label, "wanted": line.quantity, "open": po_line.open_to_ship},
                    "over_shipped",
                )
            )
        window = ship_window_check(po=po, ship_date=data.ship_date, time_zone=warehouse.time_zone if warehouse else "UTC", now=now)
        if window == "closed":
            errors.append(_error(f"{where}.purchase_order_line", _("%(line)s: the ship window closed on %(end)s.") % {"line": label, "end": timezone.localdate(po.ship_window_end)}, "ship_window_closed"))
        elif window == "ship_date_past_window":
            if po.pk not in refused_windows:
                refused_windows.add(po.pk)
                end = timezone.localdate(po.ship_window_end, timezone=_zone(warehouse.time_zone if warehouse else "UTC"))
                errors.append(
                    _error(
                        "ship_date",
                        _("Ship date %(date)s is after the ship window of PO %(number)s closes (%(end)s): ship on %(end)s or earlier.")
                        % {"date": data.ship_date, "number": po.number, "end": end},
                        "ship_date_past_window",
                    )
                )
        elif window == "cutoff":
            warnings.append(_("%(line)s: past the cutoff; the ship window closes on %(end)s.") % {"line": label, "end": timezone.localdate(po.ship_window_end)})
    if errors:
        raise DomainValidationError(_("The ship plan has errors; nothing was saved."), errors=errors)
    return warehouse, ship_from, po_lines, warnings


def _header_snapshot(shipment: Shipment) -> dict:
    return snapshot(shipment, SHIPMENT_AUDITED)


def _lines_snapshot(shipment: Shipment) -> list[dict]:
    return [{"purchase_order_line": line.purchase_order_line_id, "quantity": line.quantity} for line in shipment.lines.order_by("pk")]


def _header_values(data: ShipPlanInput) -> dict:
    values = {name: getattr(data, name) for name in HEADER_FIELDS}
    for name in ("carrier_scac", "carrier_name", "bol_number", "pro_number"):
        values[name] = (values[name] or "").strip()
    values["carrier_scac"] = values["carrier_scac"].upper()
    values["cartons_per_pallet"] = values["cartons_per_pallet"] or 0
    return values


def _line_create(shipment: Shipment, po_line: PurchaseOrderLine, quantity: int, actor: Actor) -> ShipmentLine:
    line = ShipmentLine.objects.create(shipment=shipment, purchase_order_line=po_line, quantity=quantity)
    audit_record(actor=actor, action="shipment_line.create", obj=line, vendor=shipment.vendor, after={"purchase_order_line": po_line.pk, "quantity": quantity})
    return line


def _line_set_quantity(line: ShipmentLine, quantity: int, actor: Actor, vendor) -> None:
    before = {"quantity": line.quantity}
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    audit_record(actor=actor, action="shipment_line.change", obj=line, vendor=vendor, before=before, after={"quantity": quantity})


def shipment_create(*, scope, data: ShipPlanInput, actor: Actor) -> Shipment:
    """A ship plan for one DC from confirmed PO lines (of one or several POs), cartonized and with SSCCs.

    `shipment.warnings` lists what is allowed but late (past the cutoff)."""
    try:
        with transaction.atomic():
            warehouse, ship_from, po_lines, warnings = _check_plan(scope=scope, data=data, shipment=None)
            shipment = Shipment.objects.create(
                vendor=scope.vendor,
                marketplace=warehouse.marketplace,
                ship_to=warehouse,
                ship_from=ship_from,
                shipment_identifier=data.shipment_identifier.strip(),
                created_by=actor.user,
                **_header_values(data),
            )
            for line in data.lines:
                _line_create(shipment, po_lines[line.purchase_order_line_id], line.quantity, actor)
            audit_record(actor=actor, action="shipment.create", obj=shipment, after={**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)})
            _cartonize(shipment, actor)
    except IntegrityError:
        raise DomainValidationError(_("Shipment %(id)s already exists.") % {"id": data.shipment_identifier}, field="shipment_identifier")
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
        warehouse, ship_from, po_lines, warnings = _check_plan(scope=scope, data=data, shipment=shipment)
        if warehouse.pk != shipment.ship_to_id:
            raise DomainValidationError(_("A ship plan's DC cannot change; start a new plan."), field="ship_to")
        before = {**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)}
        shipment.shipment_identifier = data.shipment_identifier.strip()
        shipment.ship_from = ship_from
        for name, value in _header_values(data).items():
            setattr(shipment, name, value)
        shipment.save()
        existing = {line.purchase_order_line_id: line for line in shipment.lines.all()}
        wanted = {line.purchase_order_line_id: line.quantity for line in data.lines}
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
        _refuse_unless(shipment, ShipmentState.CANCELLED, _("cancelled"))
        before = _header_snapshot(shipment)
        shipment.state = ShipmentState.CANCELLED
        shipment.cancelled_at = timezone.now()
        shipment.save(update_fields=["state", "cancelled_at", "updated_at"])
        audit_record(actor=actor, action="shipment.cancel", obj=shipment, before=before, after=_header_snapshot(shipment))
    return shipment


def _labels_outdate(shipment: Shipment, actor: Actor) -> None:
    """Labels printed (or being printed) from the shipment before this change no longer match it.

    A draft's stored labels PDF is dropped, so nobody downloads it again and the next request renders
    fresh labels (same SSCCs by carton index); its file goes once the change commits. A submitted ASN's
    PDF stays as the record of what its revision carried: a Replace ASN gets its own revision's labels.
    The `shipment.labels_outdate` audit row is what the screens read to say the labels are out of date."""
    documents = list(Document.objects.filter(vendor=shipment.vendor, kind=LABELS_JOB_KIND, key=shipment.labels_key))
    jobs = Job.objects.filter(
        vendor=shipment.vendor, kind=LABELS_JOB_KIND, target_type=shipment._meta.label_lower, target_id=str(shipment.pk)
    )
    if not documents and not jobs.exists():
        return
    audit_record(
        actor=actor, action="shipment.labels_outdate", obj=shipment,
        before={"asn_revision": shipment.asn_revision, "documents": [{"id": d.pk, "sha256": d.sha256} for d in documents]},
        after={"dropped": [d.pk for d in documents] if shipment.is_editable else []},
    )
    if not shipment.is_editable:
        return
    for document in documents:
        storage, name = document.file.storage, document.file.name
        document.delete()
        if name:
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


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
    CartonItem.objects.filter(carton__shipment=shipment).delete()
    shipment.cartons.filter(index__gt=len(plan)).delete()
    missing = [index for index in range(1, len(plan) + 1) if index not in existing]
    new_ssccs = sscc_allocate(vendor=shipment.vendor, count=len(missing), actor=actor)
    created = Carton.objects.bulk_create([Carton(shipment=shipment, index=index, sscc=sscc) for index, sscc in zip(missing, new_ssccs)])
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
        actor=actor, action="shipment.cartonize", obj=shipment, before=before,
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
    shipment.cartons.update(pallet=None)
    shipment.pallets.filter(index__gt=needed).delete()
    existing = {pallet.index: pallet for pallet in shipment.pallets.all()}
    missing = [index for index in range(1, needed + 1) if index not in existing]
    new_ssccs = sscc_allocate(vendor=shipment.vendor, count=len(missing), actor=actor)
    for pallet in Pallet.objects.bulk_create([Pallet(shipment=shipment, index=index, sscc=sscc) for index, sscc in zip(missing, new_ssccs)]):
        existing[pallet.index] = pallet
    for position, carton in enumerate(cartons):
        if per_pallet:
            carton.pallet = existing[position // per_pallet + 1]
    if per_pallet:
        Carton.objects.bulk_update(cartons, ["pallet"])
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
            audit_record(actor=actor, action="carton.track", obj=carton, vendor=shipment.vendor, before=before, after={"tracking_number": carton.tracking_number})
    return shipment


# ASN -----------------------------------------------------------------------------------------------
def _asn_errors(shipment: Shipment) -> list[dict]:
    errors = []
    lines = list(shipment.lines.annotate(in_cartons=Sum("carton_items__quantity")).select_related("purchase_order_line__purchase_order"))
    if not lines or not any(line.quantity for line in lines):
        errors.append(_error("lines", _("The shipment has nothing to ship.")))
    for line in lines:
        if (line.in_cartons or 0) != line.quantity:
            po_line = line.purchase_order_line
            errors.append(
                _error(
                    "cartons",
                    _("PO %(number)s line %(n)s: %(planned)s to ship but %(packed)s in cartons.")
                    % {"number": po_line.purchase_order.number, "n": po_line.sequence, "planned": line.quantity, "packed": line.in_cartons or 0},
                    "cartons_do_not_add_up",
                )
            )
    if shipment.transport_mode in (TransportMode.LTL, TransportMode.TRUCKLOAD) and not shipment.bol_number:
        errors.append(_error("bol_number", _("A BOL number is required for LTL and truckload shipments."), "bol_required"))
    if shipment.transport_mode == TransportMode.SMALL_PARCEL and shipment.cartons.filter(tracking_number="").exists():
        errors.append(_error("tracking_number", _("Every carton of a small-parcel shipment needs a tracking number."), "tracking_required"))
    return errors


def shipment_submit(*, scope, shipment_id, actor: Actor) -> Shipment:
    """Freeze the ship plan into an (original) ASN: PO lines count the units as shipped.

    An ASN sent after the ship date is recorded as a late-ASN compliance event."""
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        _refuse_unless(shipment, ShipmentState.SUBMITTED, _("submitted"))
        if shipment.state != ShipmentState.DRAFT:
            raise InvalidTransitionError(_("This ASN was already submitted; send a Replace ASN to change it."))
        errors = _asn_errors(shipment)
        if errors:
            raise DomainValidationError(_("The ASN cannot be submitted yet."), errors=errors)
        purchase_order_lines_record_shipment(
            quantities={line.purchase_order_line_id: line.quantity for line in shipment.lines.all()}, actor=actor
        )
        before = _header_snapshot(shipment)
        now = timezone.now()
        shipment.state = ShipmentState.SUBMITTED
        shipment.asn_type = AsnType.ORIGINAL
        shipment.asn_revision = 1
        shipment.submitted_at = now
        shipment.save(update_fields=["state", "asn_type", "asn_revision", "submitted_at", "updated_at"])
        audit_record(actor=actor, action="shipment.submit", obj=shipment, before=before, after=_header_snapshot(shipment))
        local_today = timezone.localdate(now, timezone=_zone(shipment.ship_to.time_zone))
        if local_today > shipment.ship_date:
            event = ComplianceEvent.objects.create(
                vendor=shipment.vendor, shipment=shipment, kind=ComplianceEventKind.ASN_LATE, occurred_at=now,
                details={"ship_date": shipment.ship_date.isoformat(), "submitted_at": now.isoformat()},
            )
            audit_record(actor=actor, action="compliance_event.record", obj=event, after=snapshot(event, ["kind", "shipment_id", "details"]))
            notify_vendor_roles(
                vendor=shipment.vendor, roles=SHIPPERS, marketplace=shipment.marketplace, kind="asn_late",
                title=_("ASN %(id)s was sent after its ship date") % {"id": shipment.shipment_identifier},
                body=_("A late ASN may be charged back."), url=f"/shipments/{shipment.pk}/",
            )
        notify_retailer_roles(
            roles=[Role.RECEIVING], kind="asn_submitted", vendor=shipment.vendor,
            title=_("ASN %(id)s for %(dc)s") % {"id": shipment.shipment_identifier, "dc": shipment.ship_to.code},
            url=f"/shipments/receiving/{shipment.pk}/",
        )
    return shipment


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.timezone.utc


def shipment_replace(
    *, scope, shipment_id, lines: list[ShipPlanLine], actor: Actor, cartons: list[dict[int, int]] | None = None, **header
) -> Shipment:
    """A Replace ASN: before the DC starts receiving, quantities may only go down (to zero).

    Lowered units go back to the PO lines' open quantity; cartons are re-planned by case pack, keeping
    SSCCs by index, unless `cartons` gives the packing: carton n holds cartons[n-1] ({shipment line id:
    quantity}), which must add up to the new line quantities. All or nothing."""
    allowed = {"carrier_scac", "carrier_name", "estimated_arrival", "bol_number", "pro_number"}
    unknown = set(header) - allowed
    if unknown:
        raise DomainValidationError(_("A Replace ASN cannot change: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if not shipment.is_replaceable:
            raise InvalidTransitionError(
                _("Shipment %(id)s cannot be replaced: it is %(state)s.")
                % {"id": shipment.shipment_identifier, "state": shipment.get_state_display().lower()}
            )
        existing = {line.purchase_order_line_id: line for line in shipment.lines.select_related("purchase_order_line__purchase_order")}
        errors, changes = [], {}
        for index, line in enumerate(lines):
            current = existing.get(line.purchase_order_line_id)
            if current is None:
                errors.append(_error(f"lines[{index}].purchase_order_line", _("A Replace ASN cannot add PO lines."), "line_added"))
                continue
            po_line = current.purchase_order_line
            if line.quantity is None or line.quantity < 0 or line.quantity > current.quantity:
                errors.append(
                    _error(
                        f"lines[{index}].quantity",
                        _("PO %(number)s line %(n)s: a Replace ASN may only lower the quantity (now %(q)s).")
                        % {"number": po_line.purchase_order.number, "n": po_line.sequence, "q": current.quantity},
                        "quantity_raised",
                    )
                )
                continue
            if line.quantity != current.quantity:
                changes[current] = line.quantity
        line_ids = {line.pk for line in existing.values()}
        for position, contents in enumerate(cartons or []):
            if any(line_id not in line_ids for line_id in contents):
                errors.append(_error(f"cartons[{position}]", _("Carton %(n)s holds a line this ASN does not ship.") % {"n": position + 1}, "item_not_shipped"))
            elif any(quantity is None or quantity < 0 for quantity in contents.values()):
                errors.append(_error(f"cartons[{position}]", _("Carton %(n)s: quantities are zero or more.") % {"n": position + 1}))
        header = {name: (value.strip() if isinstance(value, str) else value) for name, value in header.items()}
        if header.get("carrier_scac"):
            header["carrier_scac"] = header["carrier_scac"].upper()
            if not (2 <= len(header["carrier_scac"]) <= 4 and header["carrier_scac"].isalpha()):
                errors.append(_error("carrier_scac", _("A SCAC is 2-4 letters.")))
        if header.get("estimated_arrival") and header["estimated_arrival"] < shipment.ship_date:
            errors.append(_error("estimated_arrival", _("Arrival cannot be before the ship date.")))
        if errors:
            raise DomainValidationError(_("The Replace ASN has errors; nothing was changed."), errors=errors)
        before = {**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)}
        for name, value in header.items():
            setattr(shipment, name, value or ("" if name != "estimated_arrival" else None))
        if changes:
            purchase_order_lines_record_shipment(
                quantities={line.purchase_order_line_id: quantity - line.quantity for line, quantity in changes.items()}, actor=actor
            )
            for line, quantity in changes.items():
                _line_set_quantity(line, quantity, actor, shipment.vendor)
        before["cartons"] = _carton_contents(shipment)
        _labels_outdate(shipment, actor)
        shipment.asn_type = AsnType.REPLACE
        shipment.asn_revision += 1
        shipment.save()
        if cartons is not None:
            plan = [{line_id: quantity for line_id, quantity in contents.items() if quantity} for contents in cartons]
            _write_cartons(shipment, [contents for contents in plan if contents], actor)
        elif changes:
            _cartonize(shipment, actor)
        audit_record(
            actor=actor, action="shipment.replace", obj=shipment, before=before,
            after={**_header_snapshot(shipment), "lines": _lines_snapshot(shipment), "cartons": _carton_contents(shipment)},
        )
        _raise_if(_asn_errors(shipment), _("The Replace ASN has errors; nothing was changed."))
    return shipment


# Receiving -----------------------------------------------------------------------------------------
@dataclass
class ReceivedLine:
    shipment_line_id: int
    quantity: int
    damaged: int = 0


def sscc_from_scan(text: str) -> str:
    """A scanner reading the GS1-128 symbol may send the AI "00" (or "(00)") in front of the 18 digits."""
    text = text.strip().replace("(00)", "").replace(" ", "")
    return text[2:] if len(text) == 20 and text.startswith("00") else text


def receipt_create(
    *,
    scope,
    shipment_id,
    actor: Actor,
    scanned_ssccs: list[str] = (),
    lines: list[ReceivedLine] = (),
    damaged_ssccs: list[str] = (),
    complete: bool = False,
    note: str = "",
) -> Receipt:
    """Book what the DC received against an ASN: scanned cartons (their ASN contents are trusted)
    and/or counted line quantities. `complete` finishes receiving; over/short is then recorded."""
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if shipment.state not in (ShipmentState.SUBMITTED, ShipmentState.RECEIVING):
            raise InvalidTransitionError(
                _("Shipment %(id)s cannot be received: it is %(state)s.") % {"id": shipment.shipment_identifier, "state": shipment.get_state_display().lower()}
            )
        errors = []
        ssccs = [sscc_from_scan(sscc) for sscc in scanned_ssccs if sscc and sscc.strip()]
        damaged = {sscc_from_scan(sscc) for sscc in damaged_ssccs if sscc}
        cartons = {carton.sscc: carton for carton in shipment.cartons.filter(sscc__in=ssccs).prefetch_related("items")}
        already = set(ReceiptLine.objects.filter(carton__sscc__in=ssccs).values_list("carton__sscc", flat=True))
        if len(set(ssccs)) != len(ssccs):
            errors.append(_error("scanned_ssccs", _("A carton was scanned twice."), "duplicate_scan"))
        for sscc in ssccs:
            if sscc not in cartons:
                errors.append(_error("scanned_ssccs", _("SSCC %(sscc)s is not a carton of this ASN.") % {"sscc": sscc}, "unknown_sscc"))
            elif sscc in already:
                errors.append(_error("scanned_ssccs", _("Carton %(sscc)s was already received.") % {"sscc": sscc}, "already_received"))
        shipment_lines = {line.pk: line for line in shipment.lines.select_related("purchase_order_line")}
        for index, line in enumerate(lines):
            if line.shipment_line_id not in shipment_lines:
                errors.append(_error(f"lines[{index}].shipment_line", _("Not a line of this ASN."), "not_found"))
            elif line.quantity is None or line.quantity < 0 or line.damaged is None or line.damaged < 0 or line.damaged > line.quantity:
                errors.append(_error(f"lines[{index}].quantity", _("Received quantities are zero or more; damaged units are part of them.")))
        if not ssccs and not lines and not complete:
            errors.append(_error(None, _("Scan a carton or count a line.")))
        if errors:
            raise DomainValidationError(_("The receipt has errors; nothing was booked."), errors=errors)
        now = timezone.now()
        receipt = Receipt.objects.create(shipment=shipment, warehouse=shipment.ship_to, received_at=now, received_by=actor.user, note=note)
        receipt_lines = []
        for sscc in ssccs:
            for item in cartons[sscc].items.all():
                hurt = item.quantity if sscc in damaged else 0
                receipt_lines.append(ReceiptLine(receipt=receipt, shipment_line_id=item.shipment_line_id, carton=cartons[sscc], quantity=item.quantity, damaged_quantity=hurt))
        for line in lines:
            receipt_lines.append(ReceiptLine(receipt=receipt, shipment_line_id=line.shipment_line_id, quantity=line.quantity, damaged_quantity=line.damaged))
        ReceiptLine.objects.bulk_create(receipt_lines)
        audit_record(
            actor=actor, action="receipt.create", obj=receipt, vendor=shipment.vendor,
            after={
                "shipment": shipment.pk, "scanned_ssccs": ssccs,
                "lines": [{"shipment_line": rl.shipment_line_id, "carton": rl.carton_id, "quantity": rl.quantity, "damaged": rl.damaged_quantity} for rl in receipt_lines],
            },
        )
        by_po_line: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for receipt_line in receipt_lines:
            po_line_id = shipment_lines[receipt_line.shipment_line_id].purchase_order_line_id
            by_po_line[po_line_id][0] += receipt_line.quantity
            by_po_line[po_line_id][1] += receipt_line.damaged_quantity
        if by_po_line:
            purchase_order_lines_record_receipt(quantities={k: tuple(v) for k, v in by_po_line.items()}, actor=actor)
        before = _header_snapshot(shipment)
        if shipment.state == ShipmentState.SUBMITTED:
            shipment.state = ShipmentState.RECEIVING
            shipment.receiving_started_at = now
        if complete:
            shipment.state = ShipmentState.RECEIVED
            shipment.received_at = now
            _record_over_short(shipment, actor, now)
        if _header_snapshot(shipment) != before:
            shipment.save(update_fields=["state", "receiving_started_at", "received_at", "updated_at"])
            audit_record(actor=actor, action="shipment.receive", obj=shipment, before=before, after=_header_snapshot(shipment))
        if complete:
            notify_vendor_roles(
                vendor=shipment.vendor, roles=SHIPPERS, marketplace=shipment.marketplace, kind="shipment_received",
                title=_("%(dc)s received shipment %(id)s") % {"dc": shipment.ship_to.code, "id": shipment.shipment_identifier},
                url=f"/shipments/{shipment.pk}/",
            )
    return receipt


def _record_over_short(shipment: Shipment, actor: Actor, now) -> None:
    from .selectors import shipment_receiving_summary

    for row in shipment_receiving_summary(shipment=shipment):
        difference = row["received"] - row["shipped"]
        if difference == 0:
            continue
        event = ComplianceEvent.objects.create(
            vendor=shipment.vendor, shipment=shipment,
            kind=ComplianceEventKind.OVER_SHIPPED if difference > 0 else ComplianceEventKind.SHORT_SHIPPED,
            occurred_at=now,
            details={"purchase_order": row["purchase_order"], "line": row["sequence"], "shipped": row["shipped"], "received": row["received"]},
        )
        audit_record(actor=actor, action="compliance_event.record", obj=event, after=snapshot(event, ["kind", "shipment_id", "details"]))


# Documents and label jobs --------------------------------------------------------------------------
def document_store(*, vendor, kind: str, key: str, title: str, source_path: str, target, content_type: str = "application/pdf", uploaded_by=None) -> Document:
    """Store a finished file under its deterministic key, replacing the previous one.

    On the filesystem the new file is written beside the old one and renamed over it, so a reader
    sees the old file or the new one, never a half-written one."""
    with open(source_path, "rb") as source:
        digest = hashlib.sha256()
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    size = os.path.getsize(source_path)
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(vendor=vendor, kind=kind, key=key).first()
        if document is None:
            document = Document(vendor=vendor, kind=kind, key=key)
        name = document_upload_to(document, os.path.basename(key))
        try:
            final_path = default_storage.path(name)
        except NotImplementedError:
            final_path = None
        if final_path is not None:
            os.makedirs(os.path.dirname(final_path), exist_ok=True)
            partial = f"{final_path}.{uuid.uuid4().hex}.partial"
            shutil.copyfile(source_path, partial)
            os.replace(partial, final_path)
            document.file.name = name
        else:
            default_storage.delete(name)
            with open(source_path, "rb") as source:
                document.file.name = default_storage.save(name, File(source))
        document.title = title[:200]
        document.content_type = content_type
        document.size = size
        document.sha256 = digest.hexdigest()
        document.target_type = target._meta.label_lower
        document.target_id = str(target.pk)
        document.uploaded_by = uploaded_by
        document.save()
    return document


def shipment_labels_request(*, scope, shipment_id, actor: Actor) -> Job:
    """Queue label generation for every carton and pallet; the worker reports progress on the Job."""
    from .tasks import render_shipment_labels

    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if shipment.state == ShipmentState.CANCELLED:
            raise InvalidTransitionError(_("A cancelled shipment has no labels."))
        cartons, pallets = shipment.cartons.count(), shipment.pallets.count()
        if not cartons:
            raise DomainValidationError(_("The shipment has no cartons to label."))
        job = Job.objects.create(
            vendor=shipment.vendor, kind=LABELS_JOB_KIND, target_type=shipment._meta.label_lower, target_id=str(shipment.pk),
            progress_total=cartons + pallets, params={"asn_revision": shipment.asn_revision}, created_by=actor.user,
        )
        audit_record(actor=actor, action="shipment.labels_request", obj=shipment, after={"job": str(job.pk), "labels": cartons + pallets})
        job_id = str(job.pk)
        transaction.on_commit(lambda: render_shipment_labels.delay(job_id))
    return job


def shipment_packing_list_upload(*, scope, shipment_id, uploaded_file, actor: Actor) -> Document:
    """The vendor's own packing list: a PDF of at most 5 MB."""
    import tempfile

    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if shipment.state == ShipmentState.CANCELLED:
            raise InvalidTransitionError(_("A cancelled shipment takes no documents."))
        if uploaded_file is None:
            raise DomainValidationError(_("Choose a PDF file."), field="file")
        if uploaded_file.size > PACKING_LIST_MAX_BYTES:
            raise DomainValidationError(_("The file is larger than 5 MB."), field="file", errors=[_error("file", _("The file is larger than 5 MB."), "too_large")])
        uploaded_file.seek(0)
        if uploaded_file.read(5) != b"%PDF-":
            raise DomainValidationError(_("Only PDF files are accepted."), errors=[_error("file", _("Only PDF files are accepted."), "not_pdf")])
        uploaded_file.seek(0)
        with tempfile.NamedTemporaryFile(suffix=".pdf") as temp:
            for chunk in uploaded_file.chunks():
                temp.write(chunk)
            temp.flush()
            document = document_store(
                vendor=shipment.vendor, kind="packing_list_upload", key=f"shipments/{shipment.pk}/packing-list-vendor.pdf",
                title=_("Packing list (vendor) %(id)s") % {"id": shipment.shipment_identifier}, source_path=temp.name,
                target=shipment, uploaded_by=actor.user,
            )
        audit_record(actor=actor, action="shipment.packing_list_upload", obj=shipment, after={"document": document.pk, "size": document.size, "sha256": document.sha256})
    return document


def shipment_packing_list_render(*, scope, shipment_id, actor: Actor) -> Document:
    """The portal's packing list, PDF/A-2b through WeasyPrint (synchronous: a few pages per shipment)."""
    import tempfile

    from django.template.loader import render_to_string

    from vendor_portal.pdfa import render_html_pdfa

    from .selectors import shipment_packing_list_context

    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        html = render_to_string("shipments/packing_list.html", shipment_packing_list_context(shipment=shipment))
        pdf = render_html_pdfa(html)
        with tempfile.NamedTemporaryFile(suffix=".pdf") as temp:
            temp.write(pdf)
            temp.flush()
            document = document_store(
                vendor=shipment.vendor, kind="packing_list", key=shipment.packing_list_key,
                title=_("Packing list %(id)s") % {"id": shipment.shipment_identifier}, source_path=temp.name, target=shipment,
                uploaded_by=actor.user,
            )
        audit_record(actor=actor, action="shipment.packing_list_render", obj=shipment, after={"document": document.pk, "sha256": document.sha256})
    return document


JOB_STALE_AFTER = datetime.timedelta(minutes=10)
JOB_MAX_ATTEMPTS = 5  # a job whose worker dies every time (say, killed for memory) fails instead of looping


def job_claim(*, job_id, redelivered: bool = False) -> Job | None:
    """Compare-and-set queued -> running; None when another worker has it or it is finished.

    A redelivered message (its worker died) or a job running far too long may be taken over:
    the work restarts from scratch and only a finished file is ever stored. After
    JOB_MAX_ATTEMPTS the job is failed instead."""
    now = timezone.now()
    takeover = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING)
    if not redelivered:
        takeover = takeover.filter(started_at__lt=now - JOB_STALE_AFTER)
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, progress_done=0, attempts=F("attempts") + 1, message=""
    ) or takeover.filter(attempts__lt=JOB_MAX_ATTEMPTS).update(
        status=JobStatus.RUNNING, started_at=now, progress_done=0, attempts=F("attempts") + 1, message=""
    )
    if not claimed:
        takeover.filter(attempts__gte=JOB_MAX_ATTEMPTS).update(
            status=JobStatus.FAILED, finished_at=now,
            message=_("Stopped after %(n)s attempts: the worker died while working on this job each time.") % {"n": JOB_MAX_ATTEMPTS},
        )
    return Job.objects.get(pk=job_id) if claimed else None


def job_requeue(*, job_id, message: str) -> None:
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED, message=message[:2000])


def job_fail(*, job_id, message: str) -> None:
    Job.objects.filter(pk=job_id).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, message=message[:2000], finished_at=timezone.now()
    )


LABELS_RENDER_ATTEMPTS = 3  # prints of one job when the ship plan changes while they run


def _fingerprinted(labels, digest):
    """Pass the labels through, adding each one's content to `digest` (what was printed, or would be)."""
    for label in labels:
        digest.update(repr(label).encode())
        yield label


def _labels_digest(shipment: Shipment) -> bytes:
    """The fingerprint of the labels the shipment gives now, without printing them."""
    from .selectors import shipment_label_data

    digest = hashlib.sha256()
    for _label in _fingerprinted(shipment_label_data(shipment=shipment), digest):
        pass
    return digest.digest()


def shipment_labels_render(*, job_id, redelivered: bool = False) -> Job | None:
    """The label job's work: every carton mark and pallet label of the shipment into one PDF/A file,
    stored as the shipment's labels document for its ASN revision. Re-running gives the same SSCCs."""
    import tempfile

    from .labels import render_labels
    from .selectors import shipment_label_data

    job = job_claim(job_id=job_id, redelivered=redelivered)
    if job is None:
        return None
    shipment = Shipment.objects.select_related("vendor", "marketplace", "ship_to", "ship_from").filter(
        pk=job.target_id, vendor_id=job.vendor_id
    ).first()
    if shipment is None:
        job_fail(job_id=job_id, message=_("The shipment no longer exists."))
        return None
    total = shipment.cartons.count() + shipment.pallets.count()
    Job.objects.filter(pk=job_id).update(progress_total=total)

    def report_progress(done: int) -> None:  # once per chunk of labels (labels.CHUNK_PAGES)
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(progress_done=done)

    # The ship plan may be edited while its labels print (an edit drops the stored labels but cannot stop
    # this job). The file is stored only if the shipment, locked, still gives exactly the labels printed;
    # otherwise they are printed again from what it says now.
    document = None
    for _attempt in range(LABELS_RENDER_ATTEMPTS):
        printed = hashlib.sha256()
        with tempfile.TemporaryDirectory(prefix="labels-job-") as workdir:
            path = os.path.join(workdir, "labels.pdf")
            title = _("Labels %(id)s") % {"id": shipment.shipment_identifier}
            pages = render_labels(
                _fingerprinted(shipment_label_data(shipment=shipment), printed), path, language=shipment.marketplace.language,
                title=title, progress=report_progress,
            )
            with transaction.atomic():
                current = (
                    Shipment.objects.select_for_update(of=("self",)).select_related("vendor", "marketplace", "ship_to", "ship_from")
                    .filter(pk=shipment.pk).first()
                )
                if current is None:
                    job_fail(job_id=job_id, message=_("The shipment no longer exists."))
                    return None
                if _labels_digest(current) == printed.digest():
                    document = document_store(
                        vendor=current.vendor, kind=LABELS_JOB_KIND, key=current.labels_key, title=title, source_path=path,
                        target=current, uploaded_by=job.created_by,
                    )
        if document is not None:
            break
        shipment = current
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
            progress_done=0, progress_total=shipment.cartons.count() + shipment.pallets.count()
        )
    else:
        job_fail(job_id=job_id, message=_("The ship plan kept changing while its labels were printed. Print them again."))
        return None
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.SUCCEEDED, progress_done=pages, progress_total=pages, result=document, finished_at=timezone.now()
    )
    return Job.objects.get(pk=job_id)


# Vendor-supplied SSCCs: ASNs built by the vendor's own system (Amazon-compatible door, EDI 856) ------
# Such a shipment arrives with its cartons and pallets already labelled: the portal stores the SSCCs
# as given, after checking each one, and never allocates its own for them.
LABELS_SYNC_MAX = 300  # labels rendered inside a request; bigger shipments go through the label job


@dataclass
class ConfirmedCarton:
    sscc: str
    items: list[ShipPlanLine]  # what the carton holds: PO line and quantity in the line's unit
    tracking_number: str = ""


@dataclass
class ConfirmedPallet:
    sscc: str
    cartons: list[int] = field(default_factory=list)  # positions (from 0) in ShipmentConfirmationInput.cartons


@dataclass
class ShipmentConfirmationInput(ShipPlanInput):
    """A shipment as the vendor's system shipped it: each PO line's total in `lines`, and the cartons and
    pallets with the SSCCs printed on them. Without cartons the portal cartonizes and allocates SSCCs."""

    cartons: list[ConfirmedCarton] = field(default_factory=list)
    pallets: list[ConfirmedPallet] = field(default_factory=list)
    asn_type: str = AsnType.ORIGINAL


def _serial_of(sscc: str, prefix: str) -> int:
    return int(sscc[1 + len(prefix):-1])


def _given_sscc_errors(*, vendor: Vendor, data: ShipmentConfirmationInput, own: set[str]) -> list[dict]:
    """Every given SSCC: 18 digits, right check digit, the vendor's company prefix after the extension
    digit, never used before by this vendor (`own`: the SSCCs of the ASN being replaced may stay)."""
    errors = []
    prefix = vendor.gs1_company_prefix
    given = [(f"cartons[{i}].sscc", carton.sscc) for i, carton in enumerate(data.cartons)]
    given += [(f"pallets[{j}].sscc", pallet.sscc) for j, pallet in enumerate(data.pallets)]
    counter_next = SsccCounter.objects.filter(vendor=vendor).values_list("next_serial", flat=True).first() or 1
    seen: dict[str, str] = {}
    for field_name, raw in given:
        sscc = (raw or "").strip()
        values = {"sscc": sscc or "-"}
        if len(sscc) != 18 or not sscc.isascii() or not sscc.isdigit():
            errors.append(_error(field_name, _("SSCC %(sscc)s: an SSCC is 18 digits.") % values, "sscc_format"))
        elif not sscc_is_valid(sscc):
            errors.append(_error(field_name, _("SSCC %(sscc)s: the check digit is wrong.") % values, "sscc_check_digit"))
        elif sscc[1:1 + len(prefix)] != prefix:
            errors.append(
                _error(field_name, _("SSCC %(sscc)s does not carry your GS1 company prefix %(prefix)s after the extension digit.") % {**values, "prefix": prefix}, "sscc_company_prefix")
            )
        elif sscc in seen:
            errors.append(_error(field_name, _("SSCC %(sscc)s is given twice in this shipment (also as %(other)s).") % {**values, "other": seen[sscc]}, "sscc_duplicate"))
        else:
            seen[sscc] = field_name
    fresh = set(seen) - own
    used = set(Carton.objects.for_vendor(vendor).filter(sscc__in=fresh).values_list("sscc", flat=True))
    used |= set(Pallet.objects.for_vendor(vendor).filter(sscc__in=fresh).values_list("sscc", flat=True))
    for sscc, field_name in seen.items():
        if sscc not in fresh:
            continue
        portal_range = int(sscc[0]) == SSCC_EXTENSION_DIGIT and _serial_of(sscc, prefix) < counter_next
        if sscc in used or portal_range:
            errors.append(_error(field_name, _("SSCC %(sscc)s was already used for another carton or pallet; an SSCC is never reused.") % {"sscc": sscc}, "sscc_reused"))
    return errors


def _given_container_errors(data: ShipmentConfirmationInput) -> list[dict]:
    """Cartons hold lines of this shipment; each carton sits on one pallet at most."""
    errors = []
    line_ids = {line.purchase_order_line_id for line in data.lines}
    for i, carton in enumerate(data.cartons):
        if not carton.items:
            errors.append(_error(f"cartons[{i}].items", _("Carton %(sscc)s holds nothing.") % {"sscc": carton.sscc}, "carton_empty"))
        for k, item in enumerate(carton.items):
            if item.purchase_order_line_id not in line_ids:
                errors.append(_error(f"cartons[{i}].items[{k}]", _("Carton %(sscc)s holds an item this shipment does not ship.") % {"sscc": carton.sscc}, "item_not_shipped"))
            elif item.quantity is None or item.quantity <= 0:
                errors.append(_error(f"cartons[{i}].items[{k}].quantity", _("Carton %(sscc)s: a packed quantity is at least 1.") % {"sscc": carton.sscc}, "invalid"))
        if len(carton.tracking_number or "") > 40:
            errors.append(_error(f"cartons[{i}].tracking_number", _("A tracking number is at most 40 characters."), "invalid"))
    if data.pallets and not data.cartons:
        errors.append(_error("pallets", _("Pallets need the cartons on them: give the cartons with their SSCCs."), "pallet_without_cartons"))
        return errors
    placed: dict[int, int] = {}
    for j, pallet in enumerate(data.pallets):
        if not pallet.cartons:
            errors.append(_error(f"pallets[{j}].cartons", _("Pallet %(sscc)s carries no carton.") % {"sscc": pallet.sscc}, "pallet_empty"))
        for position in pallet.cartons:
            if not 0 <= position < len(data.cartons):
                errors.append(_error(f"pallets[{j}].cartons", _("Pallet %(sscc)s names a carton that is not in the shipment.") % {"sscc": pallet.sscc}, "unknown_carton"))
            elif position in placed and placed[position] != j:
                errors.append(_error(f"pallets[{j}].cartons", _("Carton %(carton)s is on two pallets.") % {"carton": data.cartons[position].sscc}, "carton_on_two_pallets"))
            else:
                placed[position] = j
    return errors


def _shipped_date_errors(data: ShipmentConfirmationInput) -> list[dict]:
    # The ship-from's zone is not known: a date is in the future once it is tomorrow everywhere (UTC+14).
    latest_today = (timezone.now().astimezone(datetime.timezone.utc) + datetime.timedelta(hours=14)).date()
    if data.ship_date and data.ship_date > latest_today:
        return [_error("ship_date", _("The shipped date %(date)s is in the future: confirm a shipment once it has left.") % {"date": data.ship_date}, "shipped_in_future")]
    return []


def _write_given_containers(shipment: Shipment, data: ShipmentConfirmationInput, actor: Actor) -> None:
    """Replace the shipment's cartons and pallets by the given ones, SSCCs exactly as given."""
    before = {"cartons": _carton_contents(shipment), "pallets": list(shipment.pallets.order_by("index").values_list("sscc", flat=True))}
    shipment.cartons.all().delete()
    shipment.pallets.all().delete()
    lines = {line.purchase_order_line_id: line.pk for line in shipment.lines.all()}
    cartons = Carton.objects.bulk_create(
        [Carton(shipment=shipment, index=i, sscc=carton.sscc.strip(), tracking_number=(carton.tracking_number or "").strip()) for i, carton in enumerate(data.cartons, start=1)]
    )
    items = []
    for carton, given in zip(cartons, data.cartons):
        contents: dict[int, int] = defaultdict(int)
        for item in given.items:
            contents[lines[item.purchase_order_line_id]] += item.quantity
        items += [CartonItem(carton=carton, shipment_line_id=line_id, quantity=quantity) for line_id, quantity in contents.items()]
    CartonItem.objects.bulk_create(items)
    pallets = Pallet.objects.bulk_create([Pallet(shipment=shipment, index=j, sscc=pallet.sscc.strip()) for j, pallet in enumerate(data.pallets, start=1)])
    for pallet, given in zip(pallets, data.pallets):
        for position in given.cartons:
            cartons[position].pallet = pallet
    if pallets:
        Carton.objects.bulk_update(cartons, ["pallet"])
    audit_record(
        actor=actor, action="shipment.cartonize", obj=shipment, before=before,
        after={
            "cartons": _carton_contents(shipment), "pallets": [pallet.sscc for pallet in pallets],
            "given_ssccs": [carton.sscc for carton in cartons] + [pallet.sscc for pallet in pallets],
        },
    )


def _sscc_counter_pass(vendor: Vendor, ssccs: list[str], actor: Actor) -> None:
    """Move the vendor's counter past given SSCCs of the portal's own extension digit, so the portal
    never allocates one of them later (the counter only counts up)."""
    prefix = vendor.gs1_company_prefix
    serials = [_serial_of(sscc, prefix) for sscc in ssccs if int(sscc[0]) == SSCC_EXTENSION_DIGIT]
    if not serials:
        return
    wanted = max(serials) + 1
    counter = SsccCounter.objects.select_for_update().filter(vendor=vendor).first()
    if counter is None:
        counter = SsccCounter.objects.create(vendor=vendor, next_serial=wanted)
        audit_record(actor=actor, action="sscc_counter.advance", obj=counter, vendor=vendor, after={"next_serial": wanted})
    elif counter.next_serial < wanted:
        before = {"next_serial": counter.next_serial}
        SsccCounter.objects.filter(pk=counter.pk).update(next_serial=wanted)
        audit_record(actor=actor, action="sscc_counter.advance", obj=counter, vendor=vendor, before=before, after={"next_serial": wanted})


def _raise_if(errors: list[dict], message: str) -> None:
    if errors:
        raise DomainValidationError(message, errors=errors)


def shipment_create_from_confirmation(*, scope, data: ShipmentConfirmationInput, actor: Actor) -> Shipment:
    """Record and submit an ASN that the vendor's system built, cartons and pallets with their own SSCCs.

    Original: the ship-plan rules apply (confirmed lines of one DC, never more than open to ship, not
    past the ship window) plus the ASN rules (cartons add up, BOL, tracking numbers) and every SSCC is
    checked; then it is submitted like a ship plan. Replace: the ASN with the same identifier is
    replaced before receiving starts; quantities may only go down, cartons and pallets are replaced.
    All or nothing: any error leaves everything as it was."""
    if scope is None or scope.vendor is None:
        raise ForbiddenError(_("Shipments are confirmed by a vendor."))
    if data.asn_type == AsnType.REPLACE:
        return _shipment_replace_from_confirmation(scope=scope, data=data, actor=actor)
    if data.asn_type != AsnType.ORIGINAL:
        raise DomainValidationError(_("An ASN is an original or a replacement."), field="asn_type")
    given_ssccs = [carton.sscc.strip() for carton in data.cartons] + [pallet.sscc.strip() for pallet in data.pallets]
    try:
        with transaction.atomic():
            errors = []
            try:
                warehouse, ship_from, po_lines, warnings = _check_plan(scope=scope, data=data, shipment=None)
            except DomainValidationError as error:  # reported together with the SSCC and container errors
                errors = list(error.errors)
            errors += _shipped_date_errors(data)
            errors += _given_sscc_errors(vendor=scope.vendor, data=data, own=set())
            errors += _given_container_errors(data)
            _raise_if(errors, _("The ASN has errors; nothing was saved."))
            shipment = Shipment.objects.create(
                vendor=scope.vendor, marketplace=warehouse.marketplace, ship_to=warehouse, ship_from=ship_from,
                shipment_identifier=data.shipment_identifier.strip(), created_by=actor.user, **_header_values(data),
            )
            for line in data.lines:
                _line_create(shipment, po_lines[line.purchase_order_line_id], line.quantity, actor)
            audit_record(actor=actor, action="shipment.create", obj=shipment, after={**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)})
            if data.cartons:
                _write_given_containers(shipment, data, actor)
                _sscc_counter_pass(scope.vendor, given_ssccs, actor)
            else:
                _cartonize(shipment, actor)
            _raise_if(_asn_errors(shipment), _("The ASN has errors; nothing was saved."))
            shipment = shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    except IntegrityError:
        raise DomainValidationError(
            _("Shipment %(id)s or one of its SSCCs already exists.") % {"id": data.shipment_identifier},
            errors=[_error("shipment_identifier", _("Shipment %(id)s or one of its SSCCs already exists.") % {"id": data.shipment_identifier}, "duplicate")],
        )
    shipment.warnings = warnings
    return shipment


REPLACEABLE_HEADER = ("carrier_scac", "carrier_name", "estimated_arrival", "bol_number", "pro_number", "ship_date")


def _shipment_replace_from_confirmation(*, scope, data: ShipmentConfirmationInput, actor: Actor) -> Shipment:
    identifier = (data.shipment_identifier or "").strip()
    with transaction.atomic():
        shipment = (
            Shipment.objects.visible_to(scope).select_for_update(of=("self",)).select_related("ship_to", "vendor")
            .filter(shipment_identifier=identifier).first()
        )
        if shipment is None:
            raise DomainValidationError(
                _("There is no ASN %(id)s to replace.") % {"id": identifier},
                errors=[_error("shipment_identifier", _("There is no ASN %(id)s to replace.") % {"id": identifier}, "replace_unknown")],
            )
        if not shipment.is_replaceable:
            raise InvalidTransitionError(
                _("ASN %(id)s cannot be replaced: it is %(state)s.") % {"id": identifier, "state": shipment.get_state_display().lower()},
                errors=[_error("shipment_identifier", _("ASN %(id)s cannot be replaced: it is %(state)s.") % {"id": identifier, "state": shipment.get_state_display().lower()}, "not_replaceable")],
            )
        errors = []
        if data.ship_to != shipment.ship_to.code:
            errors.append(_error("ship_to", _("A Replace ASN ships to the same DC (%(dc)s).") % {"dc": shipment.ship_to.code}, "replace_changes_dc"))
        if data.transport_mode != shipment.transport_mode:
            errors.append(_error("transport_mode", _("A Replace ASN keeps the transport mode (%(mode)s).") % {"mode": shipment.get_transport_mode_display()}, "replace_changes_mode"))
        existing = {line.purchase_order_line_id: line for line in shipment.lines.select_related("purchase_order_line__purchase_order")}
        wanted: dict[int, int] = {}
        for index, line in enumerate(data.lines):
            current = existing.get(line.purchase_order_line_id)
            if current is None:
                errors.append(_error(f"lines[{index}].purchase_order_line", _("A Replace ASN cannot add PO lines."), "line_added"))
                continue
            po_line = current.purchase_order_line
            if line.quantity is None or line.quantity < 0 or line.quantity > current.quantity:
                errors.append(
                    _error(
                        f"lines[{index}].quantity",
                        _("PO %(number)s line %(n)s: a Replace ASN may only lower the quantity (now %(q)s).")
                        % {"number": po_line.purchase_order.number, "n": po_line.sequence, "q": current.quantity},
                        "quantity_raised",
                    )
                )
                continue
            wanted[line.purchase_order_line_id] = line.quantity
        errors += _shipped_date_errors(data)
        own = set(shipment.cartons.values_list("sscc", flat=True)) | set(shipment.pallets.values_list("sscc", flat=True))
        errors += _given_sscc_errors(vendor=shipment.vendor, data=data, own=own)
        errors += _given_container_errors(data)
        _raise_if(errors, _("The Replace ASN has errors; nothing was changed."))
        before = {**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)}
        # A Replace ASN is the whole ASN again: a line it leaves out ships nothing now.
        changes = {line: wanted.get(po_line_id, 0) for po_line_id, line in existing.items() if wanted.get(po_line_id, 0) != line.quantity}
        if changes:
            purchase_order_lines_record_shipment(
                quantities={line.purchase_order_line_id: quantity - line.quantity for line, quantity in changes.items()}, actor=actor
            )
            for line, quantity in changes.items():
                _line_set_quantity(line, quantity, actor, shipment.vendor)
        header = _header_values(data)
        for name in REPLACEABLE_HEADER:
            setattr(shipment, name, header[name])
        shipment.asn_type = AsnType.REPLACE
        shipment.asn_revision += 1
        shipment.save()
        audit_record(actor=actor, action="shipment.replace", obj=shipment, before=before, after={**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)})
        if data.cartons:
            _write_given_containers(shipment, data, actor)
            _sscc_counter_pass(shipment.vendor, [c.sscc.strip() for c in data.cartons] + [p.sscc.strip() for p in data.pallets], actor)
        elif changes:
            _cartonize(shipment, actor)
        _raise_if(_asn_errors(shipment), _("The Replace ASN has errors; nothing was changed."))
    shipment.warnings = []
    return shipment


def shipment_labels_document(*, scope, shipment_id, actor: Actor) -> Document:
    """The labels PDF of the shipment's current ASN revision: the stored one, or rendered now through the
    label job's own code when the shipment is small enough (LABELS_SYNC_MAX labels) and stored."""
    import tempfile

    from .labels import render_labels
    from .selectors import shipment_label_data

    shipment = Shipment.objects.visible_to(scope).select_related("vendor", "marketplace", "ship_to", "ship_from").filter(pk=shipment_id).first()
    if shipment is None:
        raise NotFoundError(_("Shipment not found."))
    stored = Document.objects.filter(vendor=shipment.vendor, kind=LABELS_JOB_KIND, key=shipment.labels_key).first()
    if stored is not None:
        return stored
    labels = shipment.cartons.count() + shipment.pallets.count()
    if not labels:
        raise DomainValidationError(_("Shipment %(id)s has no cartons to label.") % {"id": shipment.shipment_identifier})
    if labels > LABELS_SYNC_MAX:
        raise ConflictError(
            _("Shipment %(id)s has %(n)s labels, more than are rendered on request (%(max)s): start the label job first.")
            % {"id": shipment.shipment_identifier, "n": labels, "max": LABELS_SYNC_MAX}
        )
    with tempfile.TemporaryDirectory(prefix="labels-sync-") as workdir:
        path = os.path.join(workdir, "labels.pdf")
        title = _("Labels %(id)s") % {"id": shipment.shipment_identifier}
        render_labels(shipment_label_data(shipment=shipment), path, language=shipment.marketplace.language, title=title)
        document = document_store(
            vendor=shipment.vendor, kind=LABELS_JOB_KIND, key=shipment.labels_key, title=title, source_path=path, target=shipment,
            uploaded_by=actor.user,
        )
    audit_record(actor=actor, action="shipment.labels_render", obj=shipment, after={"document": document.pk, "labels": labels, "sha256": document.sha256})
    return document
