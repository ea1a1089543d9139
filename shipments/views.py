"""Shipment screens: the vendor's ship plan builder, shipment detail with labels; the DC's receiving."""
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.decorators import portal_view
from vendor_portal.errors import PortalError
from vendor_portal.models import Job, Warehouse
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import get_visible_or_404

from . import selectors, services
from .forms import CartonMoveForm, PackingListUploadForm, ScanForm, ShipPlanForm
from .models import CartonItem, Shipment, ShipmentState

PAGE_SIZE = 50
LINE_FIELD = re.compile(r"^lines\[(\d+)\]")
HEADER_FIELDS = set(ShipPlanForm.base_fields)


def _show_errors(request, error: PortalError, form=None) -> dict:
    """Header problems go next to their fields, the rest on top; returns line problems by list index."""
    by_line: dict[int, list[str]] = {}
    problems = error.errors or [{"field": error.field, "message": error.message}]
    shown_general = False
    for problem in problems:
        field = problem.get("field") or ""
        match = LINE_FIELD.match(field)
        if match:
            by_line.setdefault(int(match.group(1)), []).append(str(problem["message"]))
        elif form is not None and field in HEADER_FIELDS:
            form.add_error(field, str(problem["message"]))
        else:
            messages.error(request, str(problem["message"]))
            shown_general = True
    if by_line or not shown_general:
        messages.error(request, error.message)
    return by_line


@portal_view(Action.VIEW_SHIPMENTS)
def shipment_list(request):
    state = request.GET.get("state", "")
    shipments = selectors.shipment_list(scope=request.scope, state=state if state in ShipmentState.values else None).order_by("-created_at", "-id")
    page = Paginator(shipments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "shipments/shipment_list.html", {"page": page, "state": state, "states": ShipmentState.choices, "can_manage": request.scope.can(Action.MANAGE_SHIPMENTS)},
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
        chosen = [services.ShipPlanLine(line_id, quantity) for line_id, quantity in quantities.items() if quantity]
        if form.is_valid():
            data = services.ShipPlanInput(ship_to=warehouse.code, lines=chosen, **form.cleaned_data)
            try:
                shipment = services.shipment_create(scope=request.scope, data=data, actor=Actor.from_request(request))
            except PortalError as error:
                by_index = _show_errors(request, error, form)
                line_errors = {chosen[index].purchase_order_line_id: problems for index, problems in by_index.items() if index < len(chosen)}
            else:
                for warning in shipment.warnings:
                    messages.warning(request, warning)
                messages.success(request, _("Ship plan %(id)s created with its cartons and SSCCs.") % {"id": shipment.shipment_identifier})
                return redirect("shipment_detail", pk=shipment.pk)
    rows = [{"line": line, "quantity": quantities.get(line.pk, 0), "errors": line_errors.get(line.pk, [])} for line in lines]
    return render(
        request, "shipments/shipment_new.html",
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
    context = {
        "shipment": shipment,
        "lines": lines,
        "cartons": cartons,
        "pallets": shipment.pallets.annotate(carton_count=Count("cartons")).order_by("index"),
        "documents": selectors.shipment_documents(scope=request.scope, shipment=shipment),
        "job": Job.objects.visible_to(request.scope).filter(target_type="shipments.shipment", target_id=str(shipment.pk), kind=services.LABELS_JOB_KIND).first(),
        "can_manage": request.scope.can(Action.MANAGE_SHIPMENTS),
        "move_form": CartonMoveForm(lines=lines),
        "upload_form": PackingListUploadForm(),
        "receiving": selectors.shipment_receiving_summary(shipment=shipment) if shipment.state in (ShipmentState.RECEIVING, ShipmentState.RECEIVED) else None,
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
    return _act(request, pk, services.shipment_submit, _("ASN submitted."))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_cancel(request, pk):
    _shipment(request, pk)
    return _act(request, pk, services.shipment_cancel, _("Ship plan cancelled."))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_packing_list(request, pk):
    _shipment(request, pk)
    return _act(request, pk, services.shipment_packing_list_render, _("Packing list generated."))


@require_POST
@portal_view(Action.MANAGE_SHIPMENTS)
def shipment_packing_list_upload(request, pk):
    _shipment(request, pk)
    form = PackingListUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a PDF file."))
        return redirect("shipment_detail", pk=pk)
    try:
        services.shipment_packing_list_upload(scope=request.scope, shipment_id=pk, uploaded_file=form.cleaned_data["file"], actor=Actor.from_request(request))
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
        services.shipment_carton_move(
            scope=request.scope, shipment_id=pk, from_carton=form.cleaned_data["from_carton"], to_carton=form.cleaned_data["to_carton"],
            shipment_line_id=form.cleaned_data["shipment_line"], quantity=form.cleaned_data["quantity"], actor=Actor.from_request(request),
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
        job = services.shipment_labels_request(scope=request.scope, shipment_id=pk, actor=Actor.from_request(request))
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
    return render(request, "shipments/_job_status.html", {"job": job})


# Receiving (retailer) -------------------------------------------------------------------------------
@portal_view(Action.RECEIVE_GOODS)
def receiving_list(request):
    shipments = selectors.shipment_ready_for_receiving(scope=request.scope).order_by("ship_date", "pk")
    query = request.GET.get("q", "").strip()
    if query:
        shipments = shipments.filter(Q(shipment_identifier__icontains=query) | Q(cartons__sscc=query[-18:])).distinct()
    page = Paginator(shipments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "shipments/receiving_list.html", {"page": page, "query": query})


@portal_view(Action.RECEIVE_GOODS)
def receiving_detail(request, pk):
    """Scan carton after carton (a keyboard-wedge scanner types the SSCC and Enter), count lines, finish."""
    shipment = _shipment(request, pk)
    scan_form = ScanForm()
    if request.method == "POST":
        actor = Actor.from_request(request)
        try:
            if "sscc" in request.POST:
                scan_form = ScanForm(request.POST)
                if scan_form.is_valid():
                    sscc = services.sscc_from_scan(scan_form.cleaned_data["sscc"])
                    damaged = [sscc] if scan_form.cleaned_data["damaged"] else []
                    services.receipt_create(scope=request.scope, shipment_id=pk, scanned_ssccs=[sscc], damaged_ssccs=damaged, actor=actor)
                    messages.success(request, _("Carton %(sscc)s received.") % {"sscc": sscc})
                    return redirect("receiving_detail", pk=pk)
            else:
                lines = [
                    services.ReceivedLine(line.pk, _int(request.POST.get(f"received_{line.pk}")), _int(request.POST.get(f"damaged_{line.pk}")))
                    for line in shipment.lines.all()
                    if request.POST.get(f"received_{line.pk}") not in (None, "")
                ]
                complete = request.POST.get("complete") == "1"
                services.receipt_create(scope=request.scope, shipment_id=pk, lines=lines, complete=complete, actor=actor)
                messages.success(request, _("Receiving finished.") if complete else _("Quantities booked."))
                return redirect("receiving_detail", pk=pk)
        except PortalError as error:
            _show_errors(request, error)
            scan_form = ScanForm()
    received_cartons = set(shipment.cartons.filter(receipt_lines__isnull=False).values_list("index", flat=True))
    context = {
        "shipment": shipment,
        "scan_form": scan_form,
        "summary": selectors.shipment_receiving_summary(shipment=shipment),
        "carton_count": shipment.cartons.count(),
        "received_cartons": len(received_cartons),
        "open": shipment.state in (ShipmentState.SUBMITTED, ShipmentState.RECEIVING),
    }
    return render(request, "shipments/receiving_detail.html", context)
