import datetime

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from vendor_portal.models import AuditEvent, Channel


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, compared in UTC: PostgreSQL refuses offsets beyond ±15:59, which Python parses."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class AuditEventFilter(django_filters.FilterSet):
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    action = django_filters.CharFilter(lookup_expr="startswith")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains")
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "action", "channel", "actor"]
