import django_filters

from vendor_portal.models import AuditEvent, Channel


class AuditEventFilter(django_filters.FilterSet):
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    action = django_filters.CharFilter(lookup_expr="startswith")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains")
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "action", "channel", "actor"]
