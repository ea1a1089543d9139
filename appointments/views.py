"""Appointment screens: the vendor's requests and routing requests, the appointments list, a DC's week of
slots for both sides, the appointment with the DC's answers, and the DC's dock capacity settings."""

from __future__ import annotations

import datetime

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.decorators import portal_view
from vendor_portal.errors import PortalError
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import get_visible_or_404

from . import selectors
from .forms import (
    AppointmentRequestForm,
    ArrivalForm,
    CancelForm,
    ClosureForm,
    DockCapacityForm,
    ReasonForm,
    RoutingRequestForm,
    ScheduleForm,
    SlotForm,
    local,
    mark_invalid,
)
from .models import Appointment, AppointmentState, DockCapacity, RoutingRequest, RoutingRequestState, zone_of
from .services import booking, docks, routing

PAGE_SIZE = 50


def _show_errors(request, error: PortalError, form=None) -> None:
    """Problems with a field go next to it on the form; the rest on top of the page."""
    placed = False
    mapping = getattr(form, "SERVICE_FIELDS", {})
    for problem in error.field_errors():
        name = mapping.get(problem.field) if problem.ref is None else None
        if form is not None and name in form.fields:
            form.add_error(name, problem.message)
            placed = True
        else:
            messages.error(request, problem.message)
    if placed:
        messages.error(request, error.message)
        mark_invalid(form)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


# Lists and the calendar ------------------------------------------------------------------------------
@portal_view(Action.VIEW_SHIPMENTS)
def appointment_list(request):
    scope = request.scope
    state = request.GET.get("state", "")
    state = state if state in AppointmentState.values else ""
    dc = request.GET.get("dc", "").strip().upper()
    appointments = selectors.appointment_list(scope=scope, state=state, warehouse_code=dc)
    if not state:
        appointments = appointments.filter(slot_end__gte=timezone.now() - datetime.timedelta(days=7))
    page = Paginator(appointments.order_by("slot_start", "door", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "appointments/appointment_list.html",
        {
            "page": page,
            "state": state,
            "dc": dc,
            "states": AppointmentState.choices,
            "docks": selectors.dock_capacities(),
            "can_request": scope.can(Action.REQUEST_APPOINTMENTS) and not scope.is_retailer,
            "can_schedule": scope.can(Action.SCHEDULE_APPOINTMENTS) and scope.is_retailer,
        },
    )


@portal_view(Action.VIEW_SHIPMENTS)
def appointment_calendar(request):
    """A DC's week of slots: doors booked and free; the appointments the person may see in each."""
    capacities = list(selectors.dock_capacities())
    capacity = selectors.dock_capacity_for(request.GET.get("dc", "")) or (capacities[0] if capacities else None)
    context = {"capacities": capacities, "capacity": capacity, "days": [], "can_schedule": request.scope.can(Action.SCHEDULE_APPOINTMENTS)}
    if capacity is not None:
        today = timezone.localdate(timezone.now(), timezone=capacity.zone)
        asked = _date(request.GET.get("week"))
        if asked is None or abs((asked - today).days) > selectors.CALENDAR_REACH_DAYS:
            asked = today
        first = selectors.week_start(asked)
        context.update(
            days=selectors.dock_days(capacity=capacity, first_day=first, scope=request.scope),
            week=first,
            previous_week=first - datetime.timedelta(days=7),
            next_week=first + datetime.timedelta(days=7),
            today=today,
        )
    return render(request, "appointments/appointment_calendar.html", context)


# The vendor's request ---------------------------------------------------------------------------------
@portal_view(Action.REQUEST_APPOINTMENTS)
def appointment_new(request):
    scope = request.scope
    if scope.vendor is None:
        raise Http404
    shipments = list(selectors.shipments_without_appointment(scope=scope))
    chosen = _int(request.POST.get("shipment") or request.GET.get("shipment"))
    shipment = next((s for s in shipments if s.pk == chosen), shipments[0] if len(shipments) == 1 else None)
    initial = {"shipment": shipment.pk} if shipment else {}
    capacity = DockCapacity.objects.filter(warehouse=shipment.ship_to).select_related("warehouse").first() if shipment else None
    if capacity is not None and "day" not in request.POST:
        initial["day"] = timezone.localdate(timezone.now(), timezone=capacity.zone) + datetime.timedelta(days=1)
    form = AppointmentRequestForm(request.POST or None, initial=initial, shipments=shipments)
    if request.method == "POST":
        if form.is_valid():
            shipment = next(s for s in shipments if s.pk == form.cleaned_data["shipment"])
            window_start, window_end = form.window(zone_of(shipment.ship_to))
            try:
                appointment = booking.appointment_request(
                    scope=scope,
                    shipment_id=shipment.pk,
                    window_start=window_start,
                    window_end=window_end,
                    carrier_name=form.cleaned_data["carrier_name"],
                    note=form.cleaned_data["note"],
                    actor=Actor.from_request(request),
                )
            except PortalError as error:
                _show_errors(request, error, form)
            else:
                messages.success(request, _("Appointment %(ref)s requested; the DC will confirm it.") % {"ref": appointment.reference})
                return redirect("appointment_detail", pk=appointment.pk)
        else:
            mark_invalid(form)
    days = []
    if capacity is not None:
        today = timezone.localdate(timezone.now(), timezone=capacity.zone)
        days = selectors.dock_days(capacity=capacity, first_day=today, days=7)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "appointments/appointment_new.html",
        {"form": form, "shipment": shipment, "capacity": capacity, "days": days, "has_shipments": bool(shipments)},
        status=status,
    )


# One appointment and the DC's answers ----------------------------------------------------------------
def _appointment(request, pk) -> Appointment:
    return get_visible_or_404(
        Appointment.objects.select_related("vendor", "warehouse__marketplace", "shipment", "routing_request", "created_by"), request.scope, pk=pk
    )


@portal_view(Action.VIEW_SHIPMENTS)
def appointment_detail(request, pk):
    return _detail_page(request, _appointment(request, pk))


def _detail_page(request, appointment: Appointment, forms: dict | None = None):
    """The appointment with the answers its viewer may give; `forms` bound forms sent back with their problems."""
    scope = request.scope
    forms = forms or {}
    zone = appointment.zone
    slot_local = appointment.slot_start.astimezone(zone)
    capacity = DockCapacity.objects.filter(warehouse=appointment.warehouse).first()
    context = {
        "appointment": appointment,
        "capacity": capacity,
        "previous_slots": [
            {
                **slot,
                "start": datetime.datetime.fromisoformat(slot["slot_start"]),
                "end": datetime.datetime.fromisoformat(slot["slot_end"]),
                "moved": datetime.datetime.fromisoformat(slot["moved_at"]),
            }
            for slot in appointment.previous_slots
        ],
        "is_dock": scope.is_retailer and scope.can(Action.SCHEDULE_APPOINTMENTS),
        "is_requester": not scope.is_retailer and scope.can(Action.REQUEST_APPOINTMENTS),
        "slot_form": forms.get("slot") or SlotForm(initial={"day": slot_local.date(), "time": slot_local.time()}),
        "refuse_form": forms.get("refuse") or ReasonForm(),
        "cancel_form": forms.get("cancel") or CancelForm(),
        "arrival_form": forms.get("arrival") or ArrivalForm(),
        "can_cancel": appointment.is_open and (appointment.state == AppointmentState.REQUESTED or appointment.slot_start > timezone.now()),
    }
    return render(request, "appointments/appointment_detail.html", context, status=400 if forms else 200)


class ConfirmForm(django_forms.Form):
    """Confirming a request at the slot it holds takes nothing but the button."""


def _act(request, pk, form_class, key: str, call, success: str):
    """Run one of the DC's (or the vendor's) answers; on a problem show the page again with it in place."""
    appointment = _appointment(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        mark_invalid(form)
        messages.error(request, _("Check the form."))
        return _detail_page(request, appointment, forms={key: form})
    try:
        call(appointment, form, Actor.from_request(request))
    except PortalError as error:
        _show_errors(request, error, form)
        return _detail_page(request, appointment, forms={key: form})
    messages.success(request, success)
    return redirect("appointment_detail", pk=pk)


@require_POST
@portal_view(Action.SCHEDULE_APPOINTMENTS)
def appointment_confirm(request, pk):
    def call(appointment, form, actor):
        booking.appointment_confirm(scope=request.scope, appointment_id=appointment.pk, actor=actor)

    return _act(request, pk, ConfirmForm, "confirm", call, _("Appointment confirmed."))


@require_POST
@portal_view(Action.SCHEDULE_APPOINTMENTS)
def appointment_move(request, pk):
    """A confirmed appointment moves; a requested one is confirmed at the chosen slot."""

    def call(appointment, form, actor):
        slot_start, door, reason = form.slot_start(appointment.zone), form.cleaned_data["door"], form.cleaned_data["reason"]
        if appointment.state == AppointmentState.REQUESTED:
            booking.appointment_confirm(
                scope=request.scope, appointment_id=appointment.pk, slot_start=slot_start, door=door, reason=reason, actor=actor
            )
        else:
            booking.appointment_move(scope=request.scope, appointment_id=appointment.pk, slot_start=slot_start, door=door, reason=reason, actor=actor)

    return _act(request, pk, SlotForm, "slot", call, _("Appointment confirmed at the new slot."))


@require_POST
@portal_view(Action.SCHEDULE_APPOINTMENTS)
def appointment_refuse(request, pk):
    def call(appointment, form, actor):
        booking.appointment_refuse(scope=request.scope, appointment_id=appointment.pk, reason=form.cleaned_data["reason"], actor=actor)

    return _act(request, pk, ReasonForm, "refuse", call, _("Appointment refused."))


@require_POST
@portal_view(Action.VIEW_SHIPMENTS)
def appointment_cancel(request, pk):
    def call(appointment, form, actor):
        booking.appointment_cancel(scope=request.scope, appointment_id=appointment.pk, reason=form.cleaned_data["reason"], actor=actor)

    return _act(request, pk, CancelForm, "cancel", call, _("Appointment cancelled."))


@require_POST
@portal_view(Action.SCHEDULE_APPOINTMENTS)
def appointment_arrived(request, pk):
    def call(appointment, form, actor):
        arrived_at = None
        if form.cleaned_data["time"] is not None:
            today = timezone.localdate(timezone.now(), timezone=appointment.zone)
            arrived_at = local(today, form.cleaned_data["time"], appointment.zone)
        booking.appointment_mark_arrived(scope=request.scope, appointment_id=appointment.pk, arrived_at=arrived_at, actor=actor)

    return _act(request, pk, ArrivalForm, "arrival", call, _("Truck checked in."))


# Routing requests -------------------------------------------------------------------------------------
@portal_view(Action.VIEW_SHIPMENTS)
def routing_list(request):
    state = request.GET.get("state", "")
    state = state if state in RoutingRequestState.values else ""
    page = Paginator(selectors.routing_request_list(scope=request.scope, state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "appointments/routing_list.html",
        {
            "page": page,
            "state": state,
            "states": RoutingRequestState.choices,
            "can_request": request.scope.can(Action.REQUEST_APPOINTMENTS) and not request.scope.is_retailer,
        },
    )


@portal_view(Action.REQUEST_APPOINTMENTS)
def routing_new(request):
    from shipments.models import Shipment, ShipmentState

    scope = request.scope
    if scope.vendor is None:
        raise Http404
    shipments = Shipment.objects.visible_to(scope).filter(state__in=[ShipmentState.DRAFT, ShipmentState.SUBMITTED]).select_related("ship_to")
    chosen = _int(request.GET.get("shipment"))
    initial = {"weight_unit": "kg", "volume_unit": "m3"}
    preset = next((s for s in shipments if s.pk == chosen), None)
    if preset is not None:
        initial.update(shipment=preset.pk, warehouse=preset.ship_to.code)
    form = RoutingRequestForm(request.POST or None, initial=initial, shipments=shipments)
    if request.method == "POST":
        if form.is_valid():
            try:
                routing_request = routing.routing_request_create(scope=scope, data=form.routing_input(), actor=Actor.from_request(request))
            except PortalError as error:
                _show_errors(request, error, form)
            else:
                messages.success(request, _("Routing request %(ref)s sent.") % {"ref": routing_request.reference})
                return redirect("routing_detail", pk=routing_request.pk)
        else:
            mark_invalid(form)
    return render(request, "appointments/routing_new.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _routing_request(request, pk) -> RoutingRequest:
    return get_visible_or_404(RoutingRequest.objects.select_related("vendor", "warehouse", "shipment"), request.scope, pk=pk)


@portal_view(Action.VIEW_SHIPMENTS)
def routing_detail(request, pk):
    return _routing_page(request, _routing_request(request, pk))


def _routing_page(request, routing_request: RoutingRequest, forms: dict | None = None):
    forms = forms or {}
    capacity = DockCapacity.objects.filter(warehouse=routing_request.warehouse).first()
    context = {
        "routing_request": routing_request,
        "purchase_orders": routing_request.purchase_orders.order_by("number"),
        "appointments": Appointment.objects.visible_to(request.scope).filter(routing_request=routing_request).select_related("warehouse"),
        "capacity": capacity,
        "is_dock": request.scope.is_retailer and request.scope.can(Action.SCHEDULE_APPOINTMENTS),
        "schedule_form": forms.get("schedule") or ScheduleForm(initial={"day": routing_request.ready_date}),
        "refuse_form": forms.get("refuse") or ReasonForm(),
    }
    return render(request, "appointments/routing_detail.html", context, status=400 if forms else 200)


@require_POST
@portal_view(Action.SCHEDULE_APPOINTMENTS)
def routing_schedule(request, pk):
    routing_request = _routing_request(request, pk)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            routing.routing_request_schedule(
                scope=request.scope,
                routing_request_id=pk,
                slot_start=form.slot_start(zone_of(routing_request.warehouse)),
                door=form.cleaned_data["door"],
                carrier_name=form.cleaned_data["carrier_name"],
                pickup_date=form.cleaned_data["pickup_date"],
                actor=Actor.from_request(request),
            )
        except PortalError as error:
            _show_errors(request, error, form)
        else:
            messages.success(request, _("Routing request scheduled; the appointment is confirmed."))
            return redirect("routing_detail", pk=pk)
    else:
        mark_invalid(form)
    return _routing_page(request, routing_request, forms={"schedule": form})


@require_POST
@portal_view(Action.SCHEDULE_APPOINTMENTS)
def routing_refuse(request, pk):
    routing_request = _routing_request(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            routing.routing_request_refuse(
                scope=request.scope, routing_request_id=pk, reason=form.cleaned_data["reason"], actor=Actor.from_request(request)
            )
        except PortalError as error:
            _show_errors(request, error, form)
        else:
            messages.success(request, _("Routing request refused."))
            return redirect("routing_detail", pk=pk)
    else:
        mark_invalid(form)
    return _routing_page(request, routing_request, forms={"refuse": form})


# Dock capacity (the DC's receiving team) --------------------------------------------------------------
@portal_view(Action.SCHEDULE_APPOINTMENTS)
def dock_settings(request):
    from vendor_portal.models import Warehouse

    if not request.scope.is_retailer:
        raise Http404
    warehouses = list(Warehouse.objects.order_by("code"))
    warehouse = next((w for w in warehouses if w.code == request.GET.get("dc", "").upper()), warehouses[0] if warehouses else None)
    if warehouse is None:
        raise Http404
    capacity = DockCapacity.objects.filter(warehouse=warehouse).first()
    initial = {"doors": 4, "slot_minutes": 60, "opens_at": datetime.time(6), "closes_at": datetime.time(22), "open_weekdays": list("01234")}
    if capacity is not None:
        initial = {
            "doors": capacity.doors,
            "slot_minutes": capacity.slot_minutes,
            "opens_at": capacity.opens_at,
            "closes_at": capacity.closes_at,
            "open_weekdays": list(capacity.open_weekdays),
            "grace_minutes": capacity.grace_minutes,
        }
    initial.setdefault("grace_minutes", 30)
    capacity_form = DockCapacityForm(initial=initial)
    closure_form = ClosureForm()
    actor = Actor.from_request(request)
    here = f"{reverse('dock_settings')}?dc={warehouse.code}"
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if "remove_closure" in request.POST:
                docks.dock_closure_remove(
                    scope=request.scope, warehouse_code=warehouse.code, date=_date(request.POST.get("remove_closure")), actor=actor
                )
                messages.success(request, _("The DC is open again that day."))
                return redirect(here)
            if "add_closure" in request.POST:
                closure_form = ClosureForm(request.POST)
                if closure_form.is_valid():
                    docks.dock_closure_add(scope=request.scope, warehouse_code=warehouse.code, actor=actor, **closure_form.cleaned_data)
                    messages.success(request, _("Closed day added."))
                    return redirect(here)
                mark_invalid(closure_form)
            else:
                capacity_form = DockCapacityForm(request.POST)
                if capacity_form.is_valid():
                    data = dict(capacity_form.cleaned_data)
                    data["open_weekdays"] = "".join(data["open_weekdays"])
                    docks.dock_capacity_set(scope=request.scope, warehouse_code=warehouse.code, actor=actor, **data)
                    messages.success(request, _("Dock capacity of %(dc)s saved.") % {"dc": warehouse.code})
                    return redirect(here)
                mark_invalid(capacity_form)
        except PortalError as error:
            _show_errors(request, error, closure_form if "add_closure" in request.POST else capacity_form)
    closures = warehouse.dock_closures.filter(date__gte=timezone.localdate(timezone.now(), timezone=zone_of(warehouse))).order_by("date")
    return render(
        request,
        "appointments/dock_settings.html",
        {
            "warehouses": warehouses,
            "warehouse": warehouse,
            "capacity": capacity,
            "form": capacity_form,
            "closure_form": closure_form,
            "closures": closures,
        },
        status=status,
    )
