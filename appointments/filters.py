"""List filters of appointments and routing requests, for the API (the screens read the same fields)."""

import datetime

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from .models import Appointment, AppointmentState, RoutingRequest, RoutingRequestState


class AppointmentFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=AppointmentState.choices)
    warehouse = django_filters.CharFilter(label=_("DC code"), field_name="warehouse__code", lookup_expr="iexact")
    shipment = django_filters.NumberFilter(label=_("ASN id"), field_name="shipment_id")
    slot_from = django_filters.IsoDateTimeFilter(label=_("Slots starting from"), method="filter_slot_from")
    slot_to = django_filters.IsoDateTimeFilter(label=_("Slots starting before"), method="filter_slot_to")

    class Meta:
        model = Appointment
        fields = []

    def filter_slot_from(self, queryset, name, value):
        return queryset.filter(slot_start__gte=_utc(value, "slot_from"))

    def filter_slot_to(self, queryset, name, value):
        return queryset.filter(slot_start__lt=_utc(value, "slot_to"))


def _utc(value: datetime.datetime, parameter: str) -> datetime.datetime:
    """In UTC: PostgreSQL refuses offsets beyond ±16 hours that ISO 8601 text may carry."""
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise ValidationError({parameter: [_("Give a date and time between the years 1 and 9999.")]}) from None


class RoutingRequestFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=RoutingRequestState.choices)
    warehouse = django_filters.CharFilter(label=_("DC code"), field_name="warehouse__code", lookup_expr="iexact")

    class Meta:
        model = RoutingRequest
        fields = []
