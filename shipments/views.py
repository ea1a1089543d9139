"""Shipment screens: the vendor's ship plan builder, shipment detail with labels and documents, the confirmation
before submitting or cancelling, the Replace ASN; the DC's receiving. The ship plan editor is in views_editor."""

import uuid

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from purchase_orders.models import UnitOfMeasure
from vendor_portal.confirmation import confirm_first, is_confirmed
from vendor_portal.decorators import portal_view
from vendor_portal.document_access import job_readable_or_404
from vendor_portal.errors import PortalError
from vendor_portal.listing import keyset_page
from vendor_portal.models import AuditEvent, Job, Warehouse
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import get_visible_or_404

from . import measurements, selectors
from .forms import CartonMoveForm, PackingListUploadForm, ReplaceTransportForm, ScanForm, ShipPlanForm
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
    """Pick a DC, then the POs and lines to ship and the transport details. Nothing is chosen at first (or
    the POs named by `?po=`): select a PO's lines (at their open quantity), clear them, or type quantities."""
    if request.scope.vendor is None:
        raise Http404
    open_lines = selectors.purchase_order_lines_open_to_ship(scope=request.scope)
    dc_codes = sorted(set(open_lines.values_list("purchase_order__ship_to__code", flat=True)))
    ship_to = request.POST.get("ship_to") or request.GET.get("ship_to") or (dc_codes[0] if len(dc_codes) == 1 else "")
    warehouse = Warehouse.objects.filter(code=ship_to).first() if ship_to else None
    lines = list(open_lines.filter(purchase_order__ship_to=warehouse)) if warehouse else []
    chosen = set(request.GET.getlist("po"))
    quantities = {line.pk: line.open_to_ship if line.purchase_order.number in chosen else 0 for line in lines}
    form = ShipPlanForm(request.POST or None, vendor=request.scope.vendor)
    line_errors: dict[int, list[str]] = {}
    if request.method == "POST" and warehouse is not None:
        quantities = {line.pk: _int(request.POST.get(f"qty_{line.pk}")) for line in lines}
        selection = _selection(request.POST)
        if selection is not None:  # a select/clear button without JavaScript: the page again, nothing created
            quantities = _select(lines, quantities, *selection)
            form = ShipPlanForm(initial=request.POST.dict(), vendor=request.scope.vendor)
        elif form.is_valid():
            # Each line sent is known by its PO line id, so its problems come back to its row.
            chosen_lines = [plans.ShipPlanLine(line_id, quantity, ref=line_id) for line_id, quantity in quantities.items() if quantity]
            data = plans.ShipPlanInput(ship_to=warehouse.code, lines=chosen_lines, **form.cleaned_data)
            try:
                shipment = plans.shipment_create(scope=request.scope, data=data, actor=Actor.from_request(request))
            except PortalError as error:
                line_errors = _show_errors(request, error, form, line_refs={line.ref for line in chosen_lines})
            else:
                for warning in shipment.warnings:
                    messages.warning(request, str(warning))
                messages.success(request, _("Ship plan %(id)s created with its cartons and SSCCs.") % {"id": shipment.shipment_identifier})
                return redirect("shipment_detail", pk=shipment.pk)
    return render(
        request,
        "shipments/shipment_new.html",
        {"form": form, "dc_codes": dc_codes, "warehouse": warehouse, "orders": _order_groups(lines, quantities, line_errors)},
    )


def _selection(post) -> tuple[str, int | None] | None:
    """Which select/clear button was pressed: ("select" | "clear", PO id, or None for every PO)."""
    for action in ("select", "clear"):
        value = post.get(f"{action}_po")
        if value is not None:
            return action, int(value) if value.isdigit() else None
    return None


def _select(lines, quantities: dict[int, int], action: str, po_id: int | None) -> dict[int, int]:
    out = dict(quantities)
    for line in lines:
        if po_id is None or line.purchase_order_id == po_id:
            out[line.pk] = line.open_to_ship if action == "select" else 0
    return out


def _order_groups(lines, quantities: dict[int, int], line_errors: dict[int, list[str]]) -> list[dict]:
    """The open lines by PO (in the order of their ship windows), each with its quantity to ship now,
    its unit, and what of it is backordered until when."""
    groups: dict[int, dict] = {}
    for line in lines:
        group = groups.setdefault(line.purchase_order_id, {"po": line.purchase_order, "rows": []})
        quantity = quantities.get(line.pk, 0)
        group["rows"].append(
            {"line": line, "quantity": quantity, "unit": _unit(line), "backorder": _backorder_note(line), "errors": line_errors.get(line.pk, [])}
        )
    return list(groups.values())


def _unit(po_line) -> str:
    return measurements.unit_text(cases=po_line.unit_of_measure == UnitOfMeasure.CASES, unit_size=po_line.unit_size)


def _backorder_note(po_line) -> str:
    """What of a PO line's open units is backordered, and from when: "12 backordered, available 2026-12-20"."""
    backordered = plans.backordered_units(po_line, po_line.open_to_ship)
    if not backordered:
        return ""
    if po_line.backorder_date:
        return _("%(n)s backordered, available %(date)s") % {"n": backordered, "date": date_format(po_line.backorder_date, "DATE_FORMAT")}
    return _("%(n)s backordered") % {"n": backordered}


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
    cartons = list(shipment.cartons.select_related("pallet").prefetch_related(Prefetch("items", queryset=items)).order_by("index"))
    pallets = list(shipment.pallets.annotate(carton_count=Count("cartons")).order_by("index"))
    lines = list(shipment.lines.select_related("purchase_order_line__purchase_order").order_by("pk"))
    for line in lines:
        line.quantity_text = selectors.line_quantity_text(line.quantity, line.purchase_order_line)
    measures = selectors.shipment_measurements(shipment=shipment, cartons=cartons, pallets=pallets)
    for carton in cartons:
        carton.measurements = measures.cartons[carton.pk]
    for pallet in pallets:
        pallet.measurements = measures.pallets[pallet.pk]
    job = _labels_job(request, shipment)
    context = {
        "shipment": shipment,
        "lines": lines,
        "cartons": cartons,
        "pallets": pallets,
        "measures": measures,
        "documents": selectors.shipment_documents(scope=request.scope, shipment=shipment),
        "job": job,
        "packing_list_job": _shipment_job(request, shipment, packing_list.PACKING_LIST_JOB_KIND),
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


def _confirm(request, shipment: Shipment, action: str):
    """The step before an irreversible action: what it will do, and the button that does it."""
    lines = list(shipment.lines.select_related("purchase_order_line__purchase_order").order_by("pk"))
    for line in lines:
        line.quantity_text = selectors.line_quantity_text(line.quantity, line.purchase_order_line)
    context = {"shipment": shipment, "action": action, "lines": lines, "carton_count": shipment.cartons.count()}
    context["pallet_count"] = shipment.pallets.count()
    if action == "submit":
        context["problems"] = [problem.message for problem in asn.asn_problems(shipment)]
        context["warnings"] = plans.shipment_plan_warnings(shipment=shipment)
        context["measures"] = selectors.shipment_measurements(shipment=shipment)
        context["labels_outdated"] = _labels_outdated(shipment, _labels_job(request, shipment))
    return render(request, "shipments/shipment_confirm.html", context)


@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_submit(request, pk):
    """GET: what the ASN will carry, to confirm; POST: submit it."""
    shipment = _shipment(request, pk)
    if request.method != "POST":
        if not shipment.is_editable:
            return redirect("shipment_detail", pk=pk)
        return _confirm(request, shipment, "submit")
    return _act(request, pk, asn.shipment_submit, _("ASN submitted."))


@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_cancel(request, pk):
    """GET: what cancelling gives up, to confirm; POST: cancel the ship plan."""
    shipment = _shipment(request, pk)
    if request.method != "POST":
        if not shipment.can_transition_to(ShipmentState.CANCELLED):
            return redirect("shipment_detail", pk=pk)
        return _confirm(request, shipment, "cancel")
    return _act(request, pk, plans.shipment_cancel, _("Ship plan cancelled."))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_packing_list(request, pk):
    """Start the packing-list job; an htmx request gets the progress fragment in place."""
    _shipment(request, pk)
    try:
        job = packing_list.shipment_packing_list_request(scope=request.scope, shipment_id=pk, actor=Actor.from_request(request))
    except PortalError as error:
        _show_errors(request, error)
        return redirect("shipment_detail", pk=pk)
    if request.htmx:
        return render(request, "shipments/_job_status.html", {"job": job})
    if job.already_running:
        messages.info(request, _("The packing list is already being generated: follow that job below."))
    else:
        messages.success(request, _("The packing list is being generated."))
    return redirect("shipment_detail", pk=pk)


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
    if job.already_running:
        messages.info(request, _("These labels are already being generated: follow that job below."))
    else:
        messages.success(request, _("Labels are being generated."))
    return redirect("shipment_detail", pk=pk)


@portal_view(None)
def job_status(request, pk):
    """The progress fragment htmx polls every second; once the job is finished it stops polling."""
    job = job_readable_or_404(scope=request.scope, user=request.user, pk=pk, queryset=Job.objects.select_related("result"))
    shipment = (
        Shipment.objects.visible_to(request.scope).filter(pk=job.target_id).first()
        if job.target_type == "shipments.shipment" and job.target_id.isdigit()
        else None
    )
    outdated = job.kind == labels.LABELS_JOB_KIND and shipment is not None and _labels_outdated(shipment, job)
    return render(request, "shipments/_job_status.html", {"job": job, "labels_outdated": outdated})


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


LABEL_FAULT_QUESTIONS = {
    receiving.LABEL_MISSING: gettext_lazy("Record that carton %(sscc)s arrived without a label?"),
    receiving.LABEL_UNREADABLE: gettext_lazy("Record that the label of carton %(sscc)s would not scan?"),
}
CARTON_EXCEPTION_MESSAGES = {
    receiving.MISSING: gettext_lazy("Carton %(sscc)s recorded as missing from its pallet."),
    receiving.DAMAGED: gettext_lazy("Carton %(sscc)s recorded as damaged."),
    receiving.LABEL_MISSING: gettext_lazy("Carton %(sscc)s recorded as received without a label."),
    receiving.LABEL_UNREADABLE: gettext_lazy("The label of carton %(sscc)s recorded as unreadable."),
}


def _label_fault_unconfirmed(request, pk, exception: str):
    """A label fault goes on the vendor's compliance record and may be charged back, and the dock cannot take it
    back: asked first (the page's dialog sends the answer along). Only a carton that can be reported is asked
    about; for any other the service's refusal says why."""
    if exception not in receiving.LABEL_FAULTS or is_confirmed(request):
        return None
    shipment = _shipment(request, pk)
    sscc = receiving.sscc_from_scan(request.POST.get("sscc", ""))
    reportable = shipment.state in (ShipmentState.SUBMITTED, ShipmentState.RECEIVING) and (
        shipment.cartons.filter(sscc=sscc, receipt_lines__isnull=False).exists()
    )
    if not reportable:
        return None
    question = LABEL_FAULT_QUESTIONS[exception] % {"sscc": sscc}
    if _wants_json(request):
        return JsonResponse({"status": "refused", "code": "unconfirmed", "message": str(question)}, status=400)
    return confirm_first(
        request,
        question=str(question),
        consequence=_("It goes on the vendor's compliance record and may be charged back. It cannot be taken back here."),
        confirm_label=_("Yes, record it"),
        cancel_url=reverse("receiving_detail", args=[shipment.pk]),
        details=[(_("ASN"), shipment.shipment_identifier), (_("Carton SSCC"), sscc)],
    )


@require_POST
@portal_view(Action.RECEIVE_GOODS)
def receiving_carton_exception(request, pk):
    """A carton reported missing from its scanned pallet, damaged, or received with its label missing or
    unreadable (label faults are confirmed first)."""
    exception = request.POST.get("exception", "")
    asked = _label_fault_unconfirmed(request, pk, exception)
    if asked is not None:
        return asked
    try:
        carton = receiving.receiving_carton_exception(
            scope=request.scope, shipment_id=pk, sscc=request.POST.get("sscc", ""), exception=exception, actor=Actor.from_request(request)
        )
    except PortalError as error:
        if not _wants_json(request):
            _show_errors(request, error)
            return redirect("receiving_detail", pk=pk)
        return JsonResponse(_refusal(error), status=error.status)
    message = CARTON_EXCEPTION_MESSAGES[exception] % {"sscc": carton.sscc}
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
        # Finishing is final: asked on the page (cartons not scanned) or on a confirmation page, never by one click.
        confirmed = request.POST.get("confirm_unscanned") == "1" or is_confirmed(request)
        if complete and not confirmed and not unscanned:
            return confirm_first(
                request,
                question=_("Finish receiving %(asn)s?") % {"asn": shipment.shipment_identifier},
                consequence=_("The receipt is final: the vendor is told what arrived, and units not received are recorded as short."),
                confirm_label=_("Yes, finish receiving"),
                cancel_url=reverse("receiving_detail", args=[shipment.pk]),
            )
        if unscanned and not confirmed:
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


# Shared with the ship plan editor (views_editor) -------------------------------------------------
def _whole_number(raw) -> int | None:
    """A quantity typed into a form: a whole number of zero or more, else None."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None


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
    """Labels were printed (or started printing) before the shipment last changed. A job asked for again
    while it ran stores what the shipment says when it ends: its file, stored after the change, is current."""
    if job is None:
        return False
    outdated_at = (
        AuditEvent.objects.for_object(shipment)
        .filter(action="shipment.labels_outdate")
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    printed_at = job.result.created_at if job.result is not None else job.created_at
    return outdated_at is not None and printed_at <= outdated_at


def _shipment_job(request, shipment: Shipment, kind: str) -> Job | None:
    """The shipment's latest job of this kind (labels, packing list)."""
    return (
        Job.objects.visible_to(request.scope)
        .filter(target_type=shipment._meta.label_lower, target_id=str(shipment.pk), kind=kind)
        .select_related("result")
        .first()
    )


def _labels_job(request, shipment: Shipment) -> Job | None:
    return _shipment_job(request, shipment, labels.LABELS_JOB_KIND)


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
            "quantity_text": selectors.line_quantity_text(line.quantity, line.purchase_order_line),
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
            "when": timezone.localtime(shipment.receiving_started_at).strftime("%Y-%m-%d %H:%M %Z"),
        }
    return _("ASN %(id)s is %(state)s: it can no longer be replaced.") % {
        "id": shipment.shipment_identifier,
        "state": shipment.get_state_display().lower(),
    }
