"""List filters of appointments and routing requests, for the API (the screens read the same fields)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Appointment, AppointmentState, RoutingRequest, RoutingRequestState


class AppointmentFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=AppointmentState.choices)
    warehouse = django_filters.CharFilter(label=_("DC code"), field_name="warehouse__code", lookup_expr="iexact")
    shipment = django_filters.NumberFilter(label=_("ASN id"), field_name="shipment_id")
    slot_from = django_filters.IsoDateTimeFilter(label=_("Slots starting from"), field_name="slot_start", lookup_expr="gte")
    slot_to = django_filters.IsoDateTimeFilter(label=_("Slots starting before"), field_name="slot_start", lookup_expr="lt")

    class Meta:
        model = Appointment
        fields = []


class RoutingRequestFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=RoutingRequestState.choices)
    warehouse = django_filters.CharFilter(label=_("DC code"), field_name="warehouse__code", lookup_expr="iexact")

    class Meta:
        model = RoutingRequest
        fields = []
