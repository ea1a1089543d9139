"""The ship plan editor (drafts): one form, one save.

Header, pallets, units, line quantities, lines to add, tracking numbers and the weights and dimensions of
cartons and pallets are fields of one form; every button in it (Save, Remove a line, Re-pack, Move units)
saves everything typed first through `plans.shipment_plan_save`, so nothing typed is ever thrown away.
Errors come back next to what they are about with everything still as typed, and the page warns before
it is left with changes unsaved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.decorators import portal_view
from vendor_portal.errors import PortalError
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor

from . import measurements, selectors
from .forms import CartonMoveForm, PlanEditForm
from .measurements import Measurements
from .models import CartonItem, Shipment
from .services import plans
from .views import _backorder_note, _labels_job, _labels_outdated, _shipment, _unit, _whole_number

EDIT_TEMPLATE = "shipments/shipment_edit.html"
QTY_FIELD = "qty_{}"
ADD_FIELD = re.compile(r"^add_(\d+)$")
PARTS = ("weight", "length", "width", "height")
DIMENSIONS = ("length", "width", "height")
CONTAINER_REF = re.compile(r"^(cartons|pallets)\[(\d+)\]$")


@dataclass
class _Typed:
    """What was typed into the editor, as typed, to show again when it could not be saved."""

    quantities: dict[int, str] = field(default_factory=dict)  # shipment line -> quantity
    additions: dict[int, str] = field(default_factory=dict)  # PO line -> quantity to add
    tracking: dict[int, str] = field(default_factory=dict)  # carton index -> tracking number
    measured: dict[tuple[str, int, str], str] = field(default_factory=dict)  # ("carton", 3, "weight") -> value


def _header(shipment: Shipment) -> dict:
    return {
        "shipment_identifier": shipment.shipment_identifier,
        "ship_date": shipment.ship_date,
        "estimated_arrival": shipment.estimated_arrival,
        "transport_mode": shipment.transport_mode,
        "transport_method": shipment.transport_method,
        "carrier_scac": shipment.carrier_scac,
        "carrier_name": shipment.carrier_name,
        "bol_number": shipment.bol_number,
        "pro_number": shipment.pro_number,
        "ship_from": shipment.ship_from.code if shipment.ship_from_id else "",
        "cartons_per_pallet": shipment.cartons_per_pallet,
        "weight_unit": shipment.weight_unit,
        "dimension_unit": shipment.dimension_unit,
    }


def _line_label(po_line) -> str:
    return _("PO %(number)s line %(n)s") % {"number": po_line.purchase_order.number, "n": po_line.sequence}


def _shown(value) -> str:
    return measurements.plain(value)


def _shown_measurements(shipment: Shipment, container) -> Measurements:
    """What a carton or pallet stores, in the plan's units (the editor shows and takes everything in them)."""
    return measurements.stored(container).in_units(shipment.weight_unit, shipment.dimension_unit)


def _container_rows(shipment: Shipment, kind: str, containers, measures: dict, typed: _Typed, errors: dict) -> list[dict]:
    """Each carton or pallet with its measurement inputs: the stored values (empty: not measured) and the
    estimate as the placeholder."""
    rows = []
    for container in containers:
        effective = measures[container.pk]
        stored = _shown_measurements(shipment, container)
        inputs = []
        for part in PARTS:
            name = f"{kind}_{container.index}_{part}"
            estimate = getattr(effective, part) if effective.estimated and getattr(stored, part) is None else None
            value = typed.measured.get((kind, container.index, part), _shown(getattr(stored, part)))
            inputs.append({"part": part, "name": name, "value": value, "placeholder": _shown(estimate)})
        rows.append({"container": container, "inputs": inputs, "effective": effective, "errors": errors.get((kind, container.index), [])})
    return rows


def _editor_context(
    request,
    shipment: Shipment,
    *,
    form=None,
    move_form=None,
    typed: _Typed | None = None,
    line_errors=None,
    container_errors=None,
    notices=None,
    dirty: bool = False,
) -> dict:
    """Everything the editor shows, in a fixed number of queries whatever the size of the plan."""
    typed = typed or _Typed()
    line_errors, container_errors, notices = dict(line_errors or {}), container_errors or {}, list(notices or [])
    lines = list(
        shipment.lines.select_related("purchase_order_line__purchase_order", "purchase_order_line__product").order_by(
            "purchase_order_line__purchase_order__number", "purchase_order_line__sequence"
        )
    )
    in_plan = {line.purchase_order_line_id for line in lines}
    candidates = list(selectors.purchase_order_lines_open_to_ship(scope=request.scope, ship_to=shipment.ship_to).exclude(pk__in=in_plan))
    elsewhere = selectors.purchase_order_lines_planned_elsewhere(
        scope=request.scope, shipment=shipment, purchase_order_line_ids=in_plan | {line.pk for line in candidates}
    )
    now = timezone.now()

    def window(po_line) -> str:
        return plans.ship_window_check(po=po_line.purchase_order, ship_date=shipment.ship_date, time_zone=shipment.ship_to.time_zone, now=now)

    rows = []
    for line in lines:
        po_line = line.purchase_order_line
        other = elsewhere.get(po_line.pk, {"quantity": 0, "plans": []})
        backorder = plans.backorder_warning(po_line, quantity=line.quantity, ship_date=shipment.ship_date, label=_line_label(po_line))
        rows.append(
            {
                "line": line,
                "po_line": po_line,
                "quantity": typed.quantities.get(line.pk, line.quantity),
                "quantity_text": selectors.line_quantity_text(line.quantity, po_line),
                "unit": _unit(po_line),
                "open": po_line.open_to_ship,
                "elsewhere": other,
                "left": po_line.open_to_ship - other["quantity"] - line.quantity,
                "window": window(po_line),
                "backorder": str(backorder) if backorder else "",
                "errors": line_errors.pop(po_line.pk, []),
            }
        )
    add_rows = []
    for po_line in candidates:
        other = elsewhere.get(po_line.pk, {"quantity": 0, "plans": []})
        add_rows.append(
            {
                "po_line": po_line,
                "quantity": typed.additions.get(po_line.pk, ""),
                "unit": _unit(po_line),
                "open": po_line.open_to_ship,
                "elsewhere": other,
                "left": po_line.open_to_ship - other["quantity"],
                "window": window(po_line),
                "backorder": _backorder_note(po_line),
                "errors": line_errors.pop(po_line.pk, []),
            }
        )
    for problems in line_errors.values():  # lines the editor does not list (another DC, not found)
        notices += [("error", problem) for problem in problems]
    lines_by_pk = {line.pk: line for line in lines}
    items = CartonItem.objects.order_by("pk")
    cartons = list(shipment.cartons.select_related("pallet").prefetch_related(Prefetch("items", queryset=items)).order_by("index"))
    pallets = list(shipment.pallets.annotate(carton_count=Count("cartons")).order_by("index"))
    measures = selectors.shipment_measurements(shipment=shipment, cartons=cartons, pallets=pallets)
    carton_rows = _container_rows(shipment, "carton", cartons, measures.cartons, typed, container_errors)
    for row in carton_rows:
        carton = row["container"]
        row["items"] = [(lines_by_pk.get(item.shipment_line_id), item.quantity) for item in carton.items.all()]
        row["tracking"] = typed.tracking.get(carton.index, carton.tracking_number)
    job = _labels_job(request, shipment)
    return {
        "shipment": shipment,
        "form": form or PlanEditForm(initial=_header(shipment), vendor=request.scope.vendor, current_ship_from=shipment.ship_from),
        "move_form": move_form or CartonMoveForm(lines=lines, use_required_attribute=False),
        "rows": rows,
        "add_rows": add_rows,
        "cutoff_rows": list({row["po_line"].purchase_order_id: row for row in rows if row["window"] != "ok"}.values()),  # one per PO
        "over_planned": [{**row, "over": -row["left"]} for row in rows if row["left"] < 0],
        "cartons": carton_rows,
        "pallets": _container_rows(shipment, "pallet", pallets, measures.pallets, typed, container_errors),
        "measures": measures,
        "notices": notices,
        "dirty": dirty,
        "job": job,
        "labels_outdated": _labels_outdated(shipment, job),
        "small_parcel": shipment.transport_mode == "small_parcel",
        "total_eaches": sum(line.quantity * line.purchase_order_line.eaches_per_unit for line in lines),
    }


def _editor(request, shipment: Shipment, **state):
    """The editor again, after a change or with its errors: the whole page, or for htmx the part that swaps."""
    from .views import _draft_or_redirect

    shipment = _shipment(request, shipment.pk)  # fresh: a failed change left it as it was, a good one changed it
    if not shipment.is_editable:  # submitted or cancelled meanwhile: say why and go where it can be changed
        for level, text in state.get("notices") or []:
            getattr(messages, level)(request, text)
        response = _draft_or_redirect(request, shipment)
        return HttpResponse(headers={"HX-Redirect": response["Location"]}) if request.htmx else response
    template = f"{EDIT_TEMPLATE}#editor" if request.htmx else EDIT_TEMPLATE
    return render(request, template, _editor_context(request, shipment, **state))


def _editor_saved(request, shipment: Shipment, notices: list[tuple[str, str]]):
    if request.htmx:
        return _editor(request, shipment, notices=notices)
    for level, text in notices:
        getattr(messages, level)(request, text)
    return redirect("shipment_edit", pk=shipment.pk)


@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_edit(request, pk):
    """The ship plan editor: lines from confirmed PO lines of the plan's DC, cartons, pallets, transport."""
    from .views import _draft_or_redirect

    shipment = _shipment(request, pk)
    return _draft_or_redirect(request, shipment) or render(request, EDIT_TEMPLATE, _editor_context(request, shipment))


# Reading the form ----------------------------------------------------------------------------------
def _decimal(raw: str) -> Decimal | None:
    """A measurement typed into a form ("7.2", "7,2", "" for none); ValueError when it is no number."""
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def _typed_measurements(
    request, shipment: Shipment, kind: str, containers, units: tuple[str, str], typed: _Typed, errors: dict
) -> dict[int, Measurements]:
    """The measurements of each carton or pallet in the form, in the plan's new units. A value left as it
    was shown keeps the stored one (converted when the units change with this save); a value typed is in
    the units chosen in the same form."""
    out = {}
    for container in containers:
        raws = {part: request.POST.get(f"{kind}_{container.index}_{part}") for part in PARTS}
        if all(raw is None for raw in raws.values()):
            continue
        stored = _shown_measurements(shipment, container)
        shown = {part: _shown(getattr(stored, part)) for part in PARTS}
        parsed, bad = {}, []
        for part, raw in raws.items():
            if raw is not None:
                typed.measured[(kind, container.index, part)] = raw
            try:
                parsed[part] = _decimal(raw if raw is not None else shown[part])
            except ValueError:
                bad.append(part)
        if bad:
            label = _("Carton %(n)s") if kind == "carton" else _("Pallet %(n)s")
            errors.setdefault((kind, container.index), []).append(
                _("%(container)s: weights and dimensions are numbers, like 7.25.") % {"container": label % {"n": container.index}}
            )
            continue
        now = stored.in_units(*units)

        def changed(part, raws=raws, parsed=parsed, stored=stored) -> bool:
            return raws[part] is not None and parsed[part] != getattr(stored, part)

        weight = parsed["weight"] if changed("weight") else now.weight
        dimensions = [parsed[part] for part in DIMENSIONS] if any(changed(part) for part in DIMENSIONS) else [now.length, now.width, now.height]
        out[container.index] = Measurements(weight, units[0], *dimensions, units[1])
    return out


def _sort_problems(error: PortalError, *, lines: list, form) -> tuple[list[str], dict[int, list[str]], dict[tuple[str, int], list[str]]]:
    """Split a service error: header problems next to their fields, line problems next to their PO line,
    carton and pallet problems next to their row, the rest on top."""
    general, by_po_line, by_container, placed = [], {}, {}, False
    sent = {line.ref for line in lines}
    for problem in error.field_errors():
        container = CONTAINER_REF.match(str(problem.ref)) if problem.ref is not None else None
        if problem.ref is not None and problem.ref in sent:
            by_po_line.setdefault(problem.ref, []).append(problem.message)
            placed = True
        elif container is not None:
            kind = "carton" if container.group(1) == "cartons" else "pallet"
            by_container.setdefault((kind, int(container.group(2))), []).append(problem.message)
            placed = True
        elif problem.ref is None and problem.field in form.fields:
            form.add_error(problem.field, problem.message)
            placed = True
        else:
            general.append(problem.message)
    if placed:
        general.insert(0, error.message)
    return general, by_po_line, by_container


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_edit_save(request, pk):
    """The editor's one save, then what the button pressed asks: remove a line, re-pack by case pack, or
    move units between cartons."""
    shipment = _shipment(request, pk)
    if not shipment.is_editable:
        return _editor(request, shipment)
    form = PlanEditForm(request.POST, vendor=request.scope.vendor, current_ship_from=shipment.ship_from)
    lines_now = list(shipment.lines.select_related("purchase_order_line__purchase_order").order_by("pk"))
    move = "move" in request.POST
    move_form = CartonMoveForm(request.POST if move else None, lines=lines_now, use_required_attribute=False)
    typed, line_errors, container_errors = _Typed(), {}, {}
    remove = request.POST.get("remove", "")
    lines = []
    for line in lines_now:
        raw = request.POST.get(QTY_FIELD.format(line.pk), str(line.quantity))
        typed.quantities[line.pk] = raw
        quantity = _whole_number(raw)
        if quantity is None:
            line_errors[line.purchase_order_line_id] = [_("Enter a whole number of units (0 removes the line).")]
        elif quantity and str(line.pk) != remove:
            lines.append(plans.ShipPlanLine(line.purchase_order_line_id, quantity, ref=line.purchase_order_line_id))
    added = 0
    for name, raw in request.POST.items():
        match = ADD_FIELD.match(name)
        if not match or not raw.strip():
            continue
        po_line_id = int(match.group(1))
        typed.additions[po_line_id] = raw
        quantity = _whole_number(raw)
        if quantity is None:
            line_errors[po_line_id] = [_("Enter a whole number of units.")]
        elif quantity:
            lines.append(plans.ShipPlanLine(po_line_id, quantity, ref=po_line_id))
            added += 1
    cartons = list(shipment.cartons.order_by("index"))
    pallets = list(shipment.pallets.order_by("index"))
    tracking = {}
    for carton in cartons:
        raw = request.POST.get(f"tracking_{carton.index}")
        if raw is not None:
            typed.tracking[carton.index] = tracking[carton.index] = raw
    form_ok = form.is_valid()
    units = (form.cleaned_data.get("weight_unit") or shipment.weight_unit, form.cleaned_data.get("dimension_unit") or shipment.dimension_unit)
    carton_measurements = _typed_measurements(request, shipment, "carton", cartons, units, typed, container_errors)
    pallet_measurements = _typed_measurements(request, shipment, "pallet", pallets, units, typed, container_errors)
    state = {"form": form, "move_form": move_form, "typed": typed, "line_errors": line_errors, "container_errors": container_errors, "dirty": True}
    if not form_ok or line_errors or container_errors:
        return _editor(request, shipment, notices=[("error", _("Some of what you typed needs correcting; nothing was saved."))], **state)
    if move and not move_form.is_valid():
        return _editor(request, shipment, notices=[("error", _("Give the carton, line and quantity to move; nothing was saved."))], **state)
    data = plans.ShipPlanInput(ship_to=shipment.ship_to.code, lines=lines, **form.cleaned_data)
    actor = Actor.from_request(request)
    try:
        saved = plans.shipment_plan_save(
            scope=request.scope,
            shipment_id=pk,
            data=data,
            tracking=tracking,
            carton_measurements=carton_measurements,
            pallet_measurements=pallet_measurements,
            actor=actor,
        )
    except PortalError as error:
        general, by_po_line, by_container = _sort_problems(error, lines=lines, form=form)
        state.update(line_errors=by_po_line, container_errors=by_container)
        return _editor(request, shipment, notices=[("error", message) for message in general], **state)
    notices = [("warning", str(warning)) for warning in saved.warnings]
    if remove:
        success = _("Line removed; cartons re-packed.")
    elif added:
        success = _("%(n)s line(s) added; cartons re-packed by case pack.") % {"n": added}
    else:
        success = _("Ship plan saved.")
    try:
        if "repack" in request.POST:
            plans.shipment_cartonize(scope=request.scope, shipment_id=pk, actor=actor)
            success = _("Saved; cartons re-packed by case pack, SSCCs kept by carton number.")
        elif move:
            moved = move_form.cleaned_data
            plans.shipment_carton_move(
                scope=request.scope,
                shipment_id=pk,
                from_carton=moved["from_carton"],
                to_carton=moved["to_carton"],
                shipment_line_id=moved["shipment_line"],
                quantity=moved["quantity"],
                actor=actor,
            )
            success = _("Saved; units moved, the cartons keep their SSCCs.")
    except PortalError as error:  # what was typed is saved; the carton change was not made
        if error.field in move_form.fields:
            move_form.add_error(error.field, error.message)
        return _editor(request, shipment, move_form=move_form, notices=[*notices, ("success", success), ("error", error.message)])
    return _editor_saved(request, shipment, [*notices, ("success", success)])
