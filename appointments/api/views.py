"""/api/v1/appointments/, /api/v1/routing-requests/ and /api/v1/docks/{code}/capacity.

Reads go through `visible_to(scope)` (a vendor sees only its own appointments); writes call the same services
as the screens. Every write takes an Idempotency-Key (vendor_portal/api/base.py)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from vendor_portal.api.base import PortalAPIView, ScopedGenericViewSet
from vendor_portal.api.errors import documented_error
from vendor_portal.errors import DomainValidationError, NotFoundError
from vendor_portal.roles import Action

from .. import selectors
from ..filters import AppointmentFilter, RoutingRequestFilter
from ..models import Appointment, RoutingRequest
from ..services import booking, routing
from . import examples
from . import serializers as s

TAG = ["Dock appointments"]
ERRORS = {
    400: documented_error(_("Validation errors, each naming its field."), examples.VALIDATION_ERROR),
    403: documented_error(_("Your role or token scopes do not allow this."), examples.FORBIDDEN),
    404: documented_error(_("No such appointment, or another vendor's."), examples.NOT_FOUND),
}
CONFLICT = {409: documented_error(_("Not possible in its current state, or every door is taken."), examples.CONFLICT, examples.DOCK_FULL)}
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=str(_("The appointment's id.")))
ROUTING_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=str(_("The routing request's id.")))
MAX_CAPACITY_DAYS = 31


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        summary="List appointments",
        description=(
            "Delivery appointments at the DCs: a vendor (and its tokens) sees its own, the retailer every vendor's. "
            "Filter by `state`, `warehouse` (DC code), `shipment`, `slot_from`/`slot_to`; order by `slot_start` or `created_at`. "
            "Times are UTC; `slot_start_local` is the DC's local time."
        ),
        responses={200: s.AppointmentSerializer(many=True), 403: ERRORS[403]},
        examples=[examples.APPOINTMENT_PAGE],
    ),
    retrieve=extend_schema(
        tags=TAG,
        summary="An appointment",
        parameters=[ID],
        responses={200: s.AppointmentSerializer, 404: ERRORS[404]},
        examples=[examples.APPOINTMENT_DETAIL],
    ),
)
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    queryset = Appointment.objects.all()
    serializer_class = s.AppointmentSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = AppointmentFilter
    ordering_fields = ["slot_start", "created_at"]
    actions = {
        "list": Action.VIEW_SHIPMENTS,
        "retrieve": Action.VIEW_SHIPMENTS,
        "create": Action.REQUEST_APPOINTMENTS,
        "cancel": Action.VIEW_SHIPMENTS,  # either side: the service checks which
        "confirm": Action.SCHEDULE_APPOINTMENTS,
        "move": Action.SCHEDULE_APPOINTMENTS,
        "refuse": Action.SCHEDULE_APPOINTMENTS,
        "arrival": Action.SCHEDULE_APPOINTMENTS,
    }

    def base_queryset(self):
        return Appointment.objects.select_related("vendor", "warehouse", "shipment")

    def _answer(self, appointment, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.AppointmentSerializer(self.base_queryset().get(pk=appointment.pk)).data, status=status_code)

    @extend_schema(
        tags=TAG,
        summary="Request an appointment for a submitted ASN (vendor)",
        description=(
            "The earliest free slot (and door) of the ASN's DC lying within the window is held at once, on the DC's open "
            "days and hours (see /api/v1/docks/{code}/capacity); the DC then confirms, moves or refuses it. 409 `dock_full` "
            "when every door of every slot in the window is taken (two requests for the last slot: the first wins). "
            "One open appointment per ASN. Send an Idempotency-Key to retry safely."
        ),
        request=s.AppointmentRequestInputSerializer,
        responses={201: s.AppointmentSerializer, **ERRORS, **CONFLICT},
        examples=[examples.REQUEST, examples.REQUESTED],
    )
    def create(self, request):
        data = _valid(s.AppointmentRequestInputSerializer, request.data)
        appointment = booking.appointment_request(
            scope=request.scope,
            shipment_id=data["shipment"],
            window_start=data["window_start"],
            window_end=data["window_end"],
            carrier_name=data["carrier_name"],
            note=data["note"],
            actor=self.actor,
        )
        response = self._answer(appointment, status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/appointments/{appointment.pk}/"
        return response

    @extend_schema(
        tags=TAG,
        summary="Confirm a requested appointment (DC)",
        description="At the slot it holds, or at another of the DC's slots (`slot_start`, optional `door`).",
        parameters=[ID],
        request=s.ConfirmInputSerializer,
        responses={200: s.AppointmentSerializer, **ERRORS, **CONFLICT},
        examples=[examples.CONFIRM_REQUEST, examples.CONFIRM_ELSEWHERE, examples.CONFIRMED_ANSWER],
    )
    def confirm(self, request, pk):
        self.get_object()
        data = _valid(s.ConfirmInputSerializer, request.data)
        appointment = booking.appointment_confirm(
            scope=request.scope, appointment_id=pk, slot_start=data["slot_start"], door=data["door"], reason=data["reason"], actor=self.actor
        )
        return self._answer(appointment)

    @extend_schema(
        tags=TAG,
        summary="Move a confirmed appointment (DC)",
        description="To another slot or door; it stays confirmed and the slot it had is kept in `previous_slots`.",
        parameters=[ID],
        request=s.SlotInputSerializer,
        responses={200: s.AppointmentSerializer, **ERRORS, **CONFLICT},
        examples=[examples.MOVE_REQUEST, examples.MOVED_ANSWER],
    )
    def move(self, request, pk):
        self.get_object()
        data = _valid(s.SlotInputSerializer, request.data)
        appointment = booking.appointment_move(
            scope=request.scope, appointment_id=pk, slot_start=data["slot_start"], door=data["door"], reason=data["reason"], actor=self.actor
        )
        return self._answer(appointment)

    @extend_schema(
        tags=TAG,
        summary="Refuse a requested appointment (DC)",
        description="With a reason; the slot is free again and the vendor may ask for another.",
        parameters=[ID],
        request=s.ReasonInputSerializer,
        responses={200: s.AppointmentSerializer, **ERRORS, **CONFLICT},
        examples=[examples.REFUSE_REQUEST, examples.REFUSED_ANSWER],
    )
    def refuse(self, request, pk):
        self.get_object()
        data = _valid(s.ReasonInputSerializer, request.data)
        return self._answer(booking.appointment_refuse(scope=request.scope, appointment_id=pk, reason=data["reason"], actor=self.actor))

    @extend_schema(
        tags=TAG,
        summary="Cancel an appointment (vendor or DC)",
        description="A requested appointment, or a confirmed one before its slot begins; the slot is free again.",
        parameters=[ID],
        request=s.CancelInputSerializer,
        responses={200: s.AppointmentSerializer, **ERRORS, **CONFLICT},
        examples=[examples.CANCEL_REQUEST, examples.CANCELLED_ANSWER],
    )
    def cancel(self, request, pk):
        self.get_object()
        data = _valid(s.CancelInputSerializer, request.data)
        return self._answer(booking.appointment_cancel(scope=request.scope, appointment_id=pk, reason=data["reason"], actor=self.actor))

    @extend_schema(
        tags=TAG,
        summary="Check the truck in (DC receiving)",
        description="A confirmed appointment's truck arrived (`arrived_at`, default now). Later than the slot's start plus the DC's grace is late: a compliance event the vendor may be charged for.",
        parameters=[ID],
        request=s.ArrivalInputSerializer,
        responses={200: s.AppointmentSerializer, **ERRORS, **CONFLICT},
        examples=[examples.ARRIVAL_REQUEST, examples.ARRIVED_ANSWER],
    )
    def arrival(self, request, pk):
        self.get_object()
        data = _valid(s.ArrivalInputSerializer, request.data)
        return self._answer(booking.appointment_mark_arrived(scope=request.scope, appointment_id=pk, arrived_at=data["arrived_at"], actor=self.actor))


ROUTING_ERRORS = {**ERRORS, 404: documented_error(_("No such routing request, or another vendor's."), examples.NOT_FOUND)}


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        summary="List routing requests",
        description="Freight the retailer is asked to collect: a vendor sees its own, the retailer every vendor's. Filter by `state`, `warehouse`.",
        responses={200: s.RoutingRequestSerializer(many=True), 403: ERRORS[403]},
        examples=[examples.ROUTING_PAGE],
    ),
    retrieve=extend_schema(
        tags=TAG,
        summary="A routing request",
        parameters=[ROUTING_ID],
        responses={200: s.RoutingRequestSerializer, 404: ROUTING_ERRORS[404]},
        examples=[examples.ROUTING_DETAIL],
    ),
)
class RoutingRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    queryset = RoutingRequest.objects.all()
    serializer_class = s.RoutingRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RoutingRequestFilter
    actions = {
        "list": Action.VIEW_SHIPMENTS,
        "retrieve": Action.VIEW_SHIPMENTS,
        "create": Action.REQUEST_APPOINTMENTS,
        "schedule": Action.SCHEDULE_APPOINTMENTS,
        "refuse": Action.SCHEDULE_APPOINTMENTS,
    }

    def base_queryset(self):
        return RoutingRequest.objects.select_related("vendor", "warehouse", "shipment").prefetch_related("purchase_orders", "appointments")

    def _answer(self, routing_request, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.RoutingRequestSerializer(self.base_queryset().get(pk=routing_request.pk)).data, status=status_code)

    @extend_schema(
        tags=TAG,
        summary="Ask the retailer to collect freight (vendor)",
        description=(
            "Collect freight for one DC: an ASN's (`shipment`) or some POs' (`purchase_orders`), with its pallets, weight and "
            "volume (with their units) and the date it is ready. The DC schedules it (booking the delivery appointment) or "
            "refuses it. Send an Idempotency-Key to retry safely."
        ),
        request=s.RoutingRequestInputSerializer,
        responses={201: s.RoutingRequestSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        examples=[examples.ROUTING_CREATE, examples.ROUTING_CREATED],
    )
    def create(self, request):
        data = _valid(s.RoutingRequestInputSerializer, request.data)
        routing_request = routing.routing_request_create(
            scope=request.scope,
            data=routing.RoutingRequestInput(
                warehouse=data["warehouse"],
                shipment_id=data["shipment"],
                purchase_order_numbers=data["purchase_orders"],
                ready_date=data["ready_date"],
                pallets=data["pallets"],
                weight=data["weight"],
                weight_unit=data["weight_unit"],
                volume=data["volume"],
                volume_unit=data["volume_unit"],
                note=data["note"],
            ),
            actor=self.actor,
        )
        response = self._answer(routing_request, status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/routing-requests/{routing_request.pk}/"
        return response

    @extend_schema(
        tags=TAG,
        summary="Schedule a routing request (DC)",
        description=(
            "The retailer's carrier collects the freight (on `pickup_date`) and delivers it in the DC's slot starting at "
            "`slot_start`: the appointment is booked confirmed (an ASN that already has one keeps it, confirmed at this slot). "
            "Answers with the appointment."
        ),
        parameters=[ROUTING_ID],
        request=s.ScheduleInputSerializer,
        responses={200: s.AppointmentSerializer, **ROUTING_ERRORS, **CONFLICT},
        examples=[examples.SCHEDULE_REQUEST, examples.SCHEDULED],
    )
    def schedule(self, request, pk):
        self.get_object()
        data = _valid(s.ScheduleInputSerializer, request.data)
        appointment = routing.routing_request_schedule(
            scope=request.scope,
            routing_request_id=pk,
            slot_start=data["slot_start"],
            door=data["door"],
            carrier_name=data["carrier_name"],
            pickup_date=data["pickup_date"],
            actor=self.actor,
        )
        appointment = Appointment.objects.select_related("vendor", "warehouse", "shipment").get(pk=appointment.pk)
        return Response(s.AppointmentSerializer(appointment).data)

    @extend_schema(
        tags=TAG,
        summary="Refuse a routing request (DC)",
        description="With a reason: the vendor ships the freight itself.",
        parameters=[ROUTING_ID],
        request=s.ReasonInputSerializer,
        responses={200: s.RoutingRequestSerializer, **ROUTING_ERRORS, **CONFLICT},
        examples=[examples.ROUTING_REFUSE_REQUEST, examples.ROUTING_REFUSED],
    )
    def refuse(self, request, pk):
        self.get_object()
        data = _valid(s.ReasonInputSerializer, request.data)
        return self._answer(routing.routing_request_refuse(scope=request.scope, routing_request_id=pk, reason=data["reason"], actor=self.actor))


class DockCapacityView(PortalAPIView):
    """A DC's published capacity and how full its slots are: public to everyone signed in (no vendor is named)."""

    actions = {"*": None}

    @extend_schema(
        tags=TAG,
        summary="A DC's dock capacity and free slots",
        description=(
            "Doors, slot length, hours and open weekdays (the DC's local time), and day by day from `from` (the DC's local "
            "date, default today) for `days` days (1 to 31, default 7) every slot with the doors booked (any vendor's) and "
            "free. Closed days list no slots."
        ),
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description=str(_("The DC's code, e.g. ABE2."))),
            OpenApiParameter("from", OpenApiTypes.DATE, description=str(_("First day, the DC's local date."))),
            OpenApiParameter("days", OpenApiTypes.INT, description=str(_("How many days, 1 to 31."))),
        ],
        responses={
            200: s.DockCapacitySerializer,
            400: ERRORS[400],
            404: documented_error(_("No such DC, or it takes no appointments."), examples.NOT_FOUND),
        },
        examples=[examples.CAPACITY],
    )
    def get(self, request, code):
        capacity = selectors.dock_capacity_for(code)
        if capacity is None:
            raise NotFoundError(_("No such DC, or it takes no appointments."))
        today = timezone.localdate(timezone.now(), timezone=capacity.zone)
        first = _query_date(request.query_params.get("from")) or today
        if abs((first - today).days) > selectors.CALENDAR_REACH_DAYS:
            raise DomainValidationError(_("Give a date within a year of today."), field="from")
        days = _query_int(request.query_params.get("days"), default=7)
        if not 1 <= days <= MAX_CAPACITY_DAYS:
            raise DomainValidationError(_("From 1 to %(max)s days.") % {"max": MAX_CAPACITY_DAYS}, field="days")
        zone = capacity.zone
        body = {
            "warehouse": capacity.warehouse.code,
            "name": capacity.warehouse.name,
            "time_zone": capacity.warehouse.time_zone,
            "doors": capacity.doors,
            "slot_minutes": capacity.slot_minutes,
            "opens_at": capacity.opens_at.strftime("%H:%M"),
            "closes_at": capacity.closes_at.strftime("%H:%M"),
            "open_weekdays": sorted(int(day) for day in set(capacity.open_weekdays)),
            "grace_minutes": capacity.grace_minutes,
            "days": [
                {
                    **day,
                    "slots": [{**slot, "start_local": slot["start"].astimezone(zone).isoformat()} for slot in day["slots"]],
                }
                for day in selectors.dock_days(capacity=capacity, first_day=first, days=days)
            ],
        }
        return Response(s.DockCapacitySerializer(body).data)


def _query_date(value) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise serializers.ValidationError({"from": [_("Give a date as YYYY-MM-DD.")]}) from None


def _query_int(value, *, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise serializers.ValidationError({"days": [_("Give a whole number.")]}) from None
