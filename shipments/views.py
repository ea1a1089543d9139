"""Shipment screens: the vendor's ship plan builder, shipment detail with labels; the DC's receiving."""

import re
import uuid

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.decorators import portal_view
from vendor_portal.errors import PortalError
from vendor_portal.listing import keyset_page
from vendor_portal.models import AuditEvent, Job, Warehouse
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import get_visible_or_404

from . import selectors
from .forms import CartonMoveForm, PackingListUploadForm, PalletizeForm, ReplaceTransportForm, ScanForm, ShipPlanForm, TransportForm
from .models import CartonItem, Shipment, ShipmentState
from .services import asn, labels, packing_list, plans, receiving

PAGE_SIZE = 50
HEADER_FIELDS = set(ShipPlanForm.base_fields)


def _show_errors(request, error: PortalError, form=None, line_refs=()) -> dict:
    """Header problems go next to their fields, the rest on top; returns the problems of the lines sent
    (`line_refs`: the refs they were sent with) by ref."""
    by_line: dict[object, list[str]] = {}
    shown_general = False
    for problem in error.field_errors():
        if problem.ref is not None and problem.ref in line_refs:
            by_line.setdefault(problem.ref, []).append(problem.message)
        elif form is not None and problem.ref is None and problem.field in HEADER_FIELDS:
            form.add_error(problem.field, problem.message)
        else:
            messages.error(request, problem.message)
            shown_general = True
    if by_line or not shown_general:
        messages.error(request, error.message)
    return by_line


@portal_view(Action.VIEW_SHIPMENTS)
def shipment_list(request):
    state = request.GET.get("state", "")
    shipments = selectors.shipment_list(scope=request.scope, state=state if state in ShipmentState.values else None)
    page = keyset_page(shipments, request.GET, page_size=PAGE_SIZE)
    return render(
        request,
        "shipments/shipment_list.html",
        {"page": page, "state": state, "states": ShipmentState.choices, "can_manage": request.scope.can(Action.MANAGE_SHIPMENTS)},
    )


@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_new(request):
    """Pick a DC, then quantities from its confirmed PO lines with units open to ship, and transport details."""
    if request.scope.vendor is None:
        raise Http404
    open_lines = selectors.purchase_order_lines_open_to_ship(scope=request.scope)
    dc_codes = sorted(set(open_lines.values_list("purchase_order__ship_to__code", flat=True)))
    ship_to = request.POST.get("ship_to") or request.GET.get("ship_to") or (dc_codes[0] if len(dc_codes) == 1 else "")
    warehouse = Warehouse.objects.filter(code=ship_to).first() if ship_to else None
    lines = list(open_lines.filter(purchase_order__ship_to=warehouse)) if warehouse else []
    form = ShipPlanForm(request.POST or None, vendor=request.scope.vendor)
    line_errors: dict[int, list[str]] = {}
    quantities = {line.pk: line.open_to_ship for line in lines}
    if request.method == "POST" and warehouse is not None:
        quantities = {line.pk: _int(request.POST.get(f"qty_{line.pk}")) for line in lines}
        # Each line sent is known by its PO line id, so its problems come back to its row.
        chosen = [plans.ShipPlanLine(line_id, quantity, ref=line_id) for line_id, quantity in quantities.items() if quantity]
        if form.is_valid():
            data = plans.ShipPlanInput(ship_to=warehouse.code, lines=chosen, **form.cleaned_data)
            try:
                shipment = plans.shipment_create(scope=request.scope, data=data, actor=Actor.from_request(request))
            except PortalError as error:
                line_errors = _show_errors(request, error, form, line_refs={line.ref for line in chosen})
            else:
                for warning in shipment.warnings:
                    messages.warning(request, warning)
                messages.success(request, _("Ship plan %(id)s created with its cartons and SSCCs.") % {"id": shipment.shipment_identifier})
                return redirect("shipment_detail", pk=shipment.pk)
    rows = [{"line": line, "quantity": quantities.get(line.pk, 0), "errors": line_errors.get(line.pk, [])} for line in lines]
    return render(
        request,
        "shipments/shipment_new.html",
        {"form": form, "dc_codes": dc_codes, "warehouse": warehouse, "rows": rows},
    )


def _int(value) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _shipment(request, pk) -> Shipment:
    return get_visible_or_404(Shipment.objects.select_related("ship_to", "ship_from", "vendor", "marketplace"), request.scope, pk=pk)


@portal_view(Action.VIEW_SHIPMENTS)
def shipment_detail(request, pk):
    shipment = _shipment(request, pk)
    items = CartonItem.objects.select_related("shipment_line__purchase_order_line__purchase_order")
    cartons = shipment.cartons.select_related("pallet").prefetch_related(Prefetch("items", queryset=items)).order_by("index")
    lines = list(shipment.lines.select_related("purchase_order_line__purchase_order").order_by("pk"))
    job = _labels_job(request, shipment)
    context = {
        "shipment": shipment,
        "lines": lines,
        "cartons": cartons,
        "pallets": shipment.pallets.annotate(carton_count=Count("cartons")).order_by("index"),
        "documents": selectors.shipment_documents(scope=request.scope, shipment=shipment),
        "job": job,
        "labels_outdated": _labels_outdated(shipment, job),
        "revisions": selectors.shipment_asn_revisions(shipment=shipment, lines=lines) if shipment.asn_revision else [],
        "can_manage": request.scope.can(Action.MANAGE_SHIPMENTS),
        "move_form": CartonMoveForm(lines=lines),
        "upload_form": PackingListUploadForm(),
        "receiving": selectors.shipment_receiving_summary(shipment=shipment)
        if shipment.state in (ShipmentState.RECEIVING, ShipmentState.RECEIVED)
        else None,
    }
    return render(request, "shipments/shipment_detail.html", context)


def _act(request, pk, call, success: str):
    try:
        call(scope=request.scope, shipment_id=pk, actor=Actor.from_request(request))
    except PortalError as error:
        _show_errors(request, error)
    else:
        messages.success(request, success)
    return redirect("shipment_detail", pk=pk)


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_submit(request, pk):
    _shipment(request, pk)
    return _act(request, pk, asn.shipment_submit, _("ASN submitted."))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_cancel(request, pk):
    _shipment(request, pk)
    return _act(request, pk, plans.shipment_cancel, _("Ship plan cancelled."))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_packing_list(request, pk):
    _shipment(request, pk)
    return _act(request, pk, packing_list.shipment_packing_list_render, _("Packing list generated."))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_packing_list_upload(request, pk):
    _shipment(request, pk)
    form = PackingListUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a PDF file."))
        return redirect("shipment_detail", pk=pk)
    try:
        packing_list.shipment_packing_list_upload(
            scope=request.scope, shipment_id=pk, uploaded_file=form.cleaned_data["file"], actor=Actor.from_request(request)
        )
    except PortalError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("Your packing list was uploaded."))
    return redirect("shipment_detail", pk=pk)


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_carton_move(request, pk):
    shipment = _shipment(request, pk)
    form = CartonMoveForm(request.POST, lines=shipment.lines.select_related("purchase_order_line__purchase_order"))
    if not form.is_valid():
        messages.error(request, _("Give the carton, line and quantity to move."))
        return redirect("shipment_detail", pk=pk)
    try:
        plans.shipment_carton_move(
            scope=request.scope,
            shipment_id=pk,
            from_carton=form.cleaned_data["from_carton"],
            to_carton=form.cleaned_data["to_carton"],
            shipment_line_id=form.cleaned_data["shipment_line"],
            quantity=form.cleaned_data["quantity"],
            actor=Actor.from_request(request),
        )
    except PortalError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("Cartons updated; their SSCCs are unchanged."))
    return redirect("shipment_detail", pk=pk)


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_labels(request, pk):
    """Start the label job; an htmx request gets the progress fragment in place."""
    _shipment(request, pk)
    try:
        job = labels.shipment_labels_request(scope=request.scope, shipment_id=pk, actor=Actor.from_request(request))
    except PortalError as error:
        _show_errors(request, error)
        return redirect("shipment_detail", pk=pk)
    if request.htmx:
        return render(request, "shipments/_job_status.html", {"job": job})
    messages.success(request, _("Labels are being generated."))
    return redirect("shipment_detail", pk=pk)


@portal_view(None)
def job_status(request, pk):
    """The progress fragment htmx polls every second; once the job is finished it stops polling."""
    job = get_visible_or_404(Job.objects.select_related("result"), request.scope, pk=pk)
    shipment = (
        Shipment.objects.visible_to(request.scope).filter(pk=job.target_id).first()
        if job.target_type == "shipments.shipment" and job.target_id.isdigit()
        else None
    )
    return render(request, "shipments/_job_status.html", {"job": job, "labels_outdated": shipment is not None and _labels_outdated(shipment, job)})


# Receiving (retailer) -------------------------------------------------------------------------------
@portal_view(Action.RECEIVE_GOODS)
def receiving_list(request):
    """ASNs to receive, found by identifier, a scanned pallet or carton label, BOL or PRO; one match opens it."""
    query = request.GET.get("q", "").strip()
    shipments = selectors.shipment_ready_for_receiving(scope=request.scope, query=query)
    page = keyset_page(shipments, request.GET, page_size=PAGE_SIZE)
    if query and page.is_first and len(page) == 1 and not page.has_next:
        return redirect("receiving_detail", pk=page[0].pk)
    return render(request, "shipments/receiving_list.html", {"page": page, "query": query})


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _scan_id(raw) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return uuid.uuid4()  # a form sent without the page's script: every submission is a new scan


def _receiving_progress(shipment: Shipment) -> dict:
    """What the receiving screen updates after a scan: the carton counts and each line's received units."""
    counts = shipment.cartons.aggregate(total=Count("pk", distinct=True), scanned=Count("pk", filter=Q(receipt_lines__isnull=False), distinct=True))
    return {
        "scanned": counts["scanned"],
        "total": counts["total"],
        "lines": selectors.shipment_received_by_line(shipment=shipment),
        "state": shipment.state,
        "state_label": shipment.get_state_display(),
    }


def _carton_answer(carton) -> dict:
    return {"sscc": carton.sscc, "index": carton.index}


def _refusal(error: PortalError) -> dict:
    problem = error.field_errors()[0]
    return {"status": "refused", "code": problem.code, "message": problem.message}


@require_POST
@portal_view(Action.RECEIVE_GOODS)
def receiving_scan(request, pk):
    """One scan sent by the receiving screen's queue: JSON {status: recorded|refused, message, cartons, ...}.
    The page sends each scan with its own id until it hears back; a repeat is answered, not booked again."""
    scan_id = _scan_id(request.POST.get("scan_id"))
    try:
        outcome = receiving.receiving_scan(
            scope=request.scope,
            shipment_id=pk,
            scan_id=scan_id,
            code=request.POST.get("sscc", ""),
            damaged=request.POST.get("damaged") in ("1", "on", "true"),
            actor=Actor.from_request(request),
        )
    except PortalError as error:
        if not _wants_json(request):
            _show_errors(request, error)
            return redirect("receiving_detail", pk=pk)
        return JsonResponse({"scan_id": str(scan_id), **_refusal(error)}, status=error.status)
    if not _wants_json(request):
        messages.success(request, outcome.message)
        return redirect("receiving_detail", pk=pk)
    return JsonResponse(
        {
            "scan_id": str(scan_id),
            "status": "recorded",
            "message": outcome.message,
            "kind": "pallet" if outcome.is_pallet else "carton",
            "damaged": outcome.damaged,
            "replayed": outcome.replayed,
            "cartons": [_carton_answer(carton) for carton in outcome.cartons],
            **_receiving_progress(outcome.receipt.shipment),
        }
    )


@require_POST
@portal_view(Action.RECEIVE_GOODS)
def receiving_carton_exception(request, pk):
    """A carton of a scanned pallet reported missing or damaged."""
    exception = request.POST.get("exception", "")
    try:
        carton = receiving.receiving_carton_exception(
            scope=request.scope, shipment_id=pk, sscc=request.POST.get("sscc", ""), exception=exception, actor=Actor.from_request(request)
        )
    except PortalError as error:
        if not _wants_json(request):
            _show_errors(request, error)
            return redirect("receiving_detail", pk=pk)
        return JsonResponse(_refusal(error), status=error.status)
    if exception == receiving.MISSING:
        message = _("Carton %(sscc)s recorded as missing from its pallet.") % {"sscc": carton.sscc}
    else:
        message = _("Carton %(sscc)s recorded as damaged.") % {"sscc": carton.sscc}
    if not _wants_json(request):
        messages.success(request, message)
        return redirect("receiving_detail", pk=pk)
    return JsonResponse(
        {"status": "recorded", "message": message, "exception": exception, "carton": _carton_answer(carton), **_receiving_progress(carton.shipment)}
    )


@portal_view(Action.RECEIVE_GOODS)
def receiving_detail(request, pk):
    """Scan cartons or whole pallets (a keyboard-wedge scanner types the SSCC and Enter; the page queues the
    scans and sends them one by one), count lines, finish. Works as plain forms without the script."""
    shipment = _shipment(request, pk)
    confirm_unscanned = 0
    if request.method == "POST":
        actor = Actor.from_request(request)
        if "sscc" in request.POST:
            return receiving_scan(request, pk)
        lines = [
            receiving.ReceivedLine(line.pk, _int(request.POST.get(f"received_{line.pk}")), _int(request.POST.get(f"damaged_{line.pk}")))
            for line in shipment.lines.all()
            if request.POST.get(f"received_{line.pk}") not in (None, "")
        ]
        complete = request.POST.get("complete") == "1"
        unscanned = shipment.cartons.filter(receipt_lines__isnull=True).count() if complete else 0
        if unscanned and request.POST.get("confirm_unscanned") != "1":
            confirm_unscanned = unscanned  # asked on the page before anything is booked
        else:
            try:
                receiving.receipt_create(scope=request.scope, shipment_id=pk, lines=lines, complete=complete, actor=actor)
                messages.success(request, _("Receiving finished.") if complete else _("Quantities booked."))
                return redirect("receiving_detail", pk=pk)
            except PortalError as error:
                _show_errors(request, error)
    cartons = selectors.shipment_receiving_cartons(shipment=shipment)
    scanned = [carton for carton in cartons if carton["received"]]
    context = {
        "shipment": shipment,
        "scan_form": ScanForm(),
        "summary": selectors.shipment_receiving_summary(shipment=shipment),
        "carton_count": len(cartons),
        "received_cartons": len(scanned),
        "scanned": scanned,
        "remaining": [carton for carton in cartons if not carton["received"]],
        "confirm_unscanned": confirm_unscanned,
        "posted": request.POST if confirm_unscanned else {},
        "open": shipment.state in (ShipmentState.SUBMITTED, ShipmentState.RECEIVING),
    }
    return render(request, "shipments/receiving_detail.html", context)


# Ship plan editor (drafts) -------------------------------------------------------------------------
EDIT_TEMPLATE = "shipments/shipment_edit.html"
ADD_FIELD = re.compile(r"^add_(\d+)$")


def _whole_number(raw) -> int | None:
    """A quantity typed into a form: a whole number of zero or more, else None."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None


def _plan_header(shipment: Shipment) -> dict:
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
    }


def _plan_input(shipment: Shipment, lines: list, header: dict | None = None) -> plans.ShipPlanInput:
    return plans.ShipPlanInput(
        ship_to=shipment.ship_to.code, lines=lines, cartons_per_pallet=shipment.cartons_per_pallet, **(header or _plan_header(shipment))
    )


def _transport_form(request, shipment: Shipment) -> TransportForm:
    """Bound to the plan's saved header, so errors a line change causes (a ship date now past a
    window) can be shown next to their field."""
    form = TransportForm(_plan_header(shipment), vendor=request.scope.vendor)
    form.is_valid()
    return form


def _sort_problems(error: PortalError, *, lines: list, form=None) -> tuple[list[str], dict[int, list[str]]]:
    """Split a service error: header problems go next to the form's fields, line problems next to their
    PO line (`lines` is the list sent to the service, each with its PO line id as ref), the rest on top."""
    general, by_po_line, placed = [], {}, False
    sent = {line.ref for line in lines}
    for problem in error.field_errors():
        if problem.ref is not None and problem.ref in sent:
            by_po_line.setdefault(problem.ref, []).append(problem.message)
            placed = True
        elif form is not None and problem.ref is None and problem.field in form.fields:
            form.add_error(problem.field, problem.message)
            placed = True
        else:
            general.append(problem.message)
    if placed:
        general.insert(0, error.message)
    return general, by_po_line


def _labels_outdated(shipment: Shipment, job: Job | None) -> bool:
    """Labels were printed (or started printing) before the shipment last changed."""
    if job is None:
        return False
    outdated_at = (
        AuditEvent.objects.for_object(shipment)
        .filter(action="shipment.labels_outdate")
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return outdated_at is not None and job.created_at <= outdated_at


def _labels_job(request, shipment: Shipment) -> Job | None:
    return (
        Job.objects.visible_to(request.scope)
        .filter(target_type=shipment._meta.label_lower, target_id=str(shipment.pk), kind=labels.LABELS_JOB_KIND)
        .select_related("result")
        .first()
    )


def _carton_rows(shipment: Shipment, lines_by_pk: dict) -> list[dict]:
    """Cartons in order with what each holds, as (shipment line, quantity) pairs, in two queries."""
    cartons = shipment.cartons.select_related("pallet").prefetch_related("items").order_by("index")
    return [
        {
            "carton": carton,
            "items": [(lines_by_pk.get(item.shipment_line_id), item.quantity) for item in carton.items.all()],
            "held": {item.shipment_line_id: item.quantity for item in carton.items.all()},
        }
        for carton in cartons
    ]


def _editor_context(
    request,
    shipment: Shipment,
    *,
    transport_form=None,
    pallet_form=None,
    move_form=None,
    line_errors=None,
    quantities=None,
    additions=None,
    notices=None,
) -> dict:
    """Everything the editor shows, in a fixed number of queries whatever the size of the plan."""
    line_errors, quantities, additions, notices = line_errors or {}, quantities or {}, additions or {}, list(notices or [])
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
        rows.append(
            {
                "line": line,
                "po_line": po_line,
                "quantity": quantities.get(line.pk, line.quantity),
                "open": po_line.open_to_ship,
                "elsewhere": other,
                "left": po_line.open_to_ship - other["quantity"] - line.quantity,
                "window": window(po_line),
                "errors": line_errors.pop(po_line.pk, []),
            }
        )
    add_rows = []
    for po_line in candidates:
        other = elsewhere.get(po_line.pk, {"quantity": 0, "plans": []})
        add_rows.append(
            {
                "po_line": po_line,
                "quantity": additions.get(po_line.pk, ""),
                "open": po_line.open_to_ship,
                "elsewhere": other,
                "left": po_line.open_to_ship - other["quantity"],
                "window": window(po_line),
                "errors": line_errors.pop(po_line.pk, []),
            }
        )
    for problems in line_errors.values():  # lines the editor does not list (another DC, not found)
        notices += [("error", problem) for problem in problems]
    cutoff = list({row["po_line"].purchase_order_id: row for row in rows if row["window"] != "ok"}.values())  # one per PO
    lines_by_pk = {line.pk: line for line in lines}
    job = _labels_job(request, shipment)
    return {
        "shipment": shipment,
        "rows": rows,
        "add_rows": add_rows,
        "cutoff_rows": cutoff,
        "over_planned": [{**row, "over": -row["left"]} for row in rows if row["left"] < 0],
        "cartons": _carton_rows(shipment, lines_by_pk),
        "pallets": shipment.pallets.annotate(carton_count=Count("cartons")).order_by("index"),
        "transport_form": transport_form or _transport_form(request, shipment),
        "pallet_form": pallet_form or PalletizeForm(initial={"cartons_per_pallet": shipment.cartons_per_pallet}),
        "move_form": move_form or CartonMoveForm(lines=lines),
        "notices": notices,
        "job": job,
        "labels_outdated": _labels_outdated(shipment, job),
        "small_parcel": shipment.transport_mode == "small_parcel",
        "total_units": sum(line.quantity for line in lines),
    }


def _editor(request, shipment: Shipment, **state):
    """The editor again, after a change or with its errors: the whole page, or for htmx the part that swaps."""
    shipment = _shipment(request, shipment.pk)  # fresh: a failed change left it as it was, a good one changed it
    if not shipment.is_editable:  # submitted or cancelled meanwhile: say why and go where it can be changed
        for level, text in state.get("notices") or []:
            getattr(messages, level)(request, text)
        response = _draft_or_redirect(request, shipment)
        return HttpResponse(headers={"HX-Redirect": response["Location"]}) if request.htmx else response
    template = f"{EDIT_TEMPLATE}#editor" if request.htmx else EDIT_TEMPLATE
    return render(request, template, _editor_context(request, shipment, **state))


def _editor_saved(request, shipment: Shipment, success: str, warnings=()):
    notices = [("warning", str(warning)) for warning in warnings] + [("success", success)]
    if request.htmx:
        return _editor(request, shipment, notices=notices)
    for level, text in notices:
        getattr(messages, level)(request, text)
    return redirect("shipment_edit", pk=shipment.pk)


def _draft_or_redirect(request, shipment: Shipment):
    if shipment.is_editable:
        return None
    if shipment.is_replaceable:
        messages.info(request, _("ASN %(id)s was submitted: change it with a Replace ASN.") % {"id": shipment.shipment_identifier})
        return redirect("shipment_replace", pk=shipment.pk)
    messages.error(
        request,
        _("Shipment %(id)s is %(state)s: it can no longer be changed.")
        % {"id": shipment.shipment_identifier, "state": shipment.get_state_display().lower()},
    )
    return redirect("shipment_detail", pk=shipment.pk)


@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_edit(request, pk):
    """The ship plan editor: lines from confirmed PO lines of the plan's DC, cartons, pallets, transport."""
    shipment = _shipment(request, pk)
    return _draft_or_redirect(request, shipment) or render(request, EDIT_TEMPLATE, _editor_context(request, shipment))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_edit_transport(request, pk):
    shipment = _shipment(request, pk)
    form = TransportForm(request.POST, vendor=request.scope.vendor)
    if not form.is_valid():
        return _editor(request, shipment, transport_form=form, notices=[("error", _("Check the transport details; nothing was saved."))])
    lines = [
        plans.ShipPlanLine(line.purchase_order_line_id, line.quantity, ref=line.purchase_order_line_id) for line in shipment.lines.order_by("pk")
    ]
    try:
        saved = plans.shipment_update(
            scope=request.scope, shipment_id=pk, data=_plan_input(shipment, lines, form.cleaned_data), actor=Actor.from_request(request)
        )
    except PortalError as error:
        general, by_line = _sort_problems(error, lines=lines, form=form)
        return _editor(request, shipment, transport_form=form, line_errors=by_line, notices=[("error", m) for m in general])
    return _editor_saved(request, shipment, _("Transport details saved."), saved.warnings)


def _save_lines(request, shipment: Shipment, lines: list, *, quantities=None, additions=None, success: str):
    """Send the plan's new lines through the ship plan service; on error show each problem in place."""
    transport_form = _transport_form(request, shipment)
    try:
        saved = plans.shipment_update(
            scope=request.scope, shipment_id=shipment.pk, data=_plan_input(shipment, lines), actor=Actor.from_request(request)
        )
    except PortalError as error:
        general, by_line = _sort_problems(error, lines=lines, form=transport_form)
        return _editor(
            request,
            shipment,
            transport_form=transport_form,
            line_errors=by_line,
            quantities=quantities,
            additions=additions,
            notices=[("error", m) for m in general],
        )
    return _editor_saved(request, shipment, success, saved.warnings)


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_edit_lines(request, pk):
    """Change the plan's quantities, or remove a line (its button, or a quantity of 0)."""
    shipment = _shipment(request, pk)
    remove = request.POST.get("remove", "")
    lines, typed, errors = [], {}, {}
    for line in shipment.lines.order_by("pk"):
        if str(line.pk) == remove:
            continue
        raw = request.POST.get(f"qty_{line.pk}", line.quantity)
        quantity = _whole_number(raw)
        typed[line.pk] = raw
        if quantity is None:
            errors[line.purchase_order_line_id] = [_("Enter a whole number of units (0 removes the line).")]
        elif quantity:
            lines.append(plans.ShipPlanLine(line.purchase_order_line_id, quantity, ref=line.purchase_order_line_id))
    if errors:
        return _editor(
            request,
            shipment,
            line_errors=errors,
            quantities=typed,
            notices=[("error", _("Some quantities are not whole numbers; nothing was saved."))],
        )
    success = _("Line removed; cartons re-packed.") if remove else _("Quantities saved; cartons re-packed by case pack.")
    return _save_lines(request, shipment, lines, quantities=typed, success=success)


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_edit_add(request, pk):
    """Add confirmed PO lines (of one or several POs to the plan's DC) with the quantities typed."""
    shipment = _shipment(request, pk)
    lines = [
        plans.ShipPlanLine(line.purchase_order_line_id, line.quantity, ref=line.purchase_order_line_id) for line in shipment.lines.order_by("pk")
    ]
    typed, errors, added = {}, {}, []
    for name, raw in request.POST.items():
        match = ADD_FIELD.match(name)
        if not match or not raw.strip():
            continue
        po_line_id = int(match.group(1))
        typed[po_line_id] = raw
        quantity = _whole_number(raw)
        if quantity is None:
            errors[po_line_id] = [_("Enter a whole number of units.")]
        elif quantity:
            added.append(plans.ShipPlanLine(po_line_id, quantity, ref=po_line_id))
    if errors:
        return _editor(
            request,
            shipment,
            line_errors=errors,
            additions=typed,
            notices=[("error", _("Some quantities are not whole numbers; nothing was added."))],
        )
    if not added:
        return _editor(request, shipment, notices=[("error", _("Type the quantity to ship next to the lines to add."))])
    message = _("%(n)s line(s) added; cartons re-packed by case pack.") % {"n": len(added)}
    return _save_lines(request, shipment, lines + added, additions=typed, success=message)


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_edit_cartonize(request, pk):
    shipment = _shipment(request, pk)
    try:
        plans.shipment_cartonize(scope=request.scope, shipment_id=pk, actor=Actor.from_request(request))
    except PortalError as error:
        return _editor(request, shipment, notices=[("error", error.message)])
    return _editor_saved(request, shipment, _("Cartons re-packed by case pack; SSCCs kept by carton number."))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_edit_move(request, pk):
    """Move units of a line between cartons (a mixed carton) or into a new carton."""
    shipment = _shipment(request, pk)
    form = CartonMoveForm(request.POST, lines=shipment.lines.select_related("purchase_order_line__purchase_order"))
    if not form.is_valid():
        return _editor(request, shipment, move_form=form, notices=[("error", _("Give the carton, line and quantity to move."))])
    data = form.cleaned_data
    try:
        plans.shipment_carton_move(
            scope=request.scope,
            shipment_id=pk,
            from_carton=data["from_carton"],
            to_carton=data["to_carton"],
            shipment_line_id=data["shipment_line"],
            quantity=data["quantity"],
            actor=Actor.from_request(request),
        )
    except PortalError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
            return _editor(request, shipment, move_form=form)
        return _editor(request, shipment, move_form=form, notices=[("error", error.message)])
    return _editor_saved(request, shipment, _("Units moved; the cartons keep their SSCCs."))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_edit_pallets(request, pk):
    shipment = _shipment(request, pk)
    form = PalletizeForm(request.POST)
    if not form.is_valid():
        return _editor(request, shipment, pallet_form=form)
    try:
        plans.shipment_palletize(
            scope=request.scope, shipment_id=pk, cartons_per_pallet=form.cleaned_data["cartons_per_pallet"], actor=Actor.from_request(request)
        )
    except PortalError as error:
        return _editor(request, shipment, pallet_form=form, notices=[("error", error.message)])
    return _editor_saved(request, shipment, _("Pallets re-built."))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_edit_tracking(request, pk):
    """Small-parcel tracking numbers, one per carton."""
    shipment = _shipment(request, pk)
    tracking = {}
    for carton in shipment.cartons.order_by("index"):
        value = request.POST.get(f"tracking_{carton.index}")
        if value is not None and value.strip() != carton.tracking_number:
            tracking[carton.index] = value
    too_long = [index for index, value in tracking.items() if len(value.strip()) > 40]
    if too_long:
        return _editor(request, shipment, notices=[("error", _("A tracking number is at most 40 characters (carton %(n)s).") % {"n": too_long[0]})])
    if tracking:
        try:
            plans.shipment_carton_set_tracking(scope=request.scope, shipment_id=pk, tracking=tracking, actor=Actor.from_request(request))
        except PortalError as error:
            return _editor(request, shipment, notices=[("error", error.message)])
    return _editor_saved(request, shipment, _("Tracking numbers saved."))


# Replace ASN ---------------------------------------------------------------------------------------
NEW_CARTON_ROWS = 2


def _replace_context(request, shipment: Shipment, *, form=None, line_errors=None, quantities=None, grid=None, notices=()) -> dict:
    lines = list(shipment.lines.select_related("purchase_order_line__purchase_order", "purchase_order_line__product").order_by("pk"))
    line_errors, quantities = line_errors or {}, quantities or {}
    rows = [
        {
            "line": line,
            "po_line": line.purchase_order_line,
            "quantity": quantities.get(line.pk, line.quantity),
            "errors": line_errors.get(line.purchase_order_line_id, []),
        }
        for line in lines
    ]
    cartons = _carton_rows(shipment, {line.pk: line for line in lines})
    grid = grid or {}
    for row in cartons:
        index = row["carton"].index
        row["cells"] = [(line, grid.get((index, line.pk), row["held"].get(line.pk, ""))) for line in lines]
    new_rows = [{"n": n, "cells": [(line, grid.get((f"new{n}", line.pk), "")) for line in lines]} for n in range(1, NEW_CARTON_ROWS + 1)]
    job = _labels_job(request, shipment)
    return {
        "shipment": shipment,
        "rows": rows,
        "lines": lines,
        "cartons": cartons,
        "new_rows": new_rows,
        "form": form or ReplaceTransportForm(initial={name: getattr(shipment, name) for name in ReplaceTransportForm.base_fields}),
        "revisions": selectors.shipment_asn_revisions(shipment=shipment, lines=lines),
        "notices": list(notices),
        "grid_open": bool(grid),
        "job": job,
        "labels_outdated": _labels_outdated(shipment, job),
    }


def _replace_grid(request, lines: list, cartons: list) -> tuple[dict, list[dict] | None, list[str]]:
    """The carton contents typed into the Replace form: (what was typed, the packing to send or None when
    it is unchanged, problems). Blank cells are empty; a row left empty drops its carton."""
    typed, packing, problems = {}, [], []
    keys = [(row["carton"].index, row["held"]) for row in cartons] + [(f"new{n}", {}) for n in range(1, NEW_CARTON_ROWS + 1)]
    changed = False
    for key, held in keys:
        contents = {}
        for line in lines:
            raw = request.POST.get(f"carton_{key}_{line.pk}", "")
            typed[(key, line.pk)] = raw
            quantity = _whole_number(raw) if raw.strip() else 0
            if quantity is None:
                problems.append(_("Carton %(n)s: enter whole numbers of units.") % {"n": key})
                continue
            if quantity:
                contents[line.pk] = quantity
            if quantity != held.get(line.pk, 0):
                changed = True
        packing.append(contents)
    return typed, (packing if changed else None), problems


@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_replace(request, pk):
    """Open a submitted ASN, lower quantities, re-pack cartons or change carrier details, and send a
    Replace ASN; the revisions so far are listed with what each changed."""
    shipment = _shipment(request, pk)
    if shipment.is_editable:
        return redirect("shipment_edit", pk=pk)
    if request.method != "POST":
        notices = [] if shipment.is_replaceable else [("error", _replace_refusal(shipment))]
        return render(request, "shipments/shipment_replace.html", _replace_context(request, shipment, notices=notices))
    lines = list(shipment.lines.order_by("pk"))
    form = ReplaceTransportForm(request.POST)
    typed, sent, line_errors = {}, [], {}
    for line in lines:
        raw = request.POST.get(f"qty_{line.pk}", line.quantity)
        typed[line.pk] = raw
        quantity = _whole_number(raw)
        if quantity is None:
            line_errors[line.purchase_order_line_id] = [_("Enter a whole number of units.")]
        else:
            sent.append(plans.ShipPlanLine(line.purchase_order_line_id, quantity, ref=line.purchase_order_line_id))
    cartons = _carton_rows(shipment, {line.pk: line for line in lines})
    grid, packing, grid_problems = _replace_grid(request, lines, cartons)
    state = {"form": form, "line_errors": line_errors, "quantities": typed, "grid": grid}
    if not form.is_valid() or line_errors or grid_problems:
        notices = [("error", _("The Replace ASN has errors; nothing was changed."))] + [("error", p) for p in grid_problems]
        return render(request, "shipments/shipment_replace.html", _replace_context(request, shipment, notices=notices, **state))
    try:
        replaced = asn.shipment_replace(
            scope=request.scope, shipment_id=pk, lines=sent, cartons=packing, actor=Actor.from_request(request), **form.cleaned_data
        )
    except PortalError as error:
        general, by_line = _sort_problems(error, lines=sent, form=form)
        state["line_errors"] = by_line
        shipment = _shipment(request, pk)
        if not shipment.is_replaceable:
            general = [_replace_refusal(shipment)]
        return render(
            request, "shipments/shipment_replace.html", _replace_context(request, shipment, notices=[("error", m) for m in general], **state)
        )
    messages.success(request, _("Replace ASN sent: revision %(n)s.") % {"n": replaced.asn_revision})
    return redirect("shipment_replace", pk=pk)


def _replace_refusal(shipment: Shipment) -> str:
    if shipment.receiving_started_at:
        return _("%(dc)s started receiving ASN %(id)s on %(when)s: it can no longer be replaced. Talk to the DC about any difference.") % {
            "dc": shipment.ship_to.code,
            "id": shipment.shipment_identifier,
            "when": timezone.localtime(shipment.receiving_started_at).strftime("%Y-%m-%d %H:%M"),
        }
    return _("ASN %(id)s is %(state)s: it can no longer be replaced.") % {
        "id": shipment.shipment_identifier,
        "state": shipment.get_state_display().lower(),
    }
