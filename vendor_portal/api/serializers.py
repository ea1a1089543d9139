from rest_framework import serializers

from vendor_portal.models import AuditEvent, Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class NotificationReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, help_text="Omit to mark all as read.")


class AuditEventSerializer(serializers.ModelSerializer):
    vendor = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id", "occurred_at", "actor_label", "channel", "vendor", "action", "object_type", "object_id",
            "object_repr", "before", "after", "request_id",
        ]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    vendor = serializers.CharField(allow_null=True)
    is_retailer = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())
    token_scopes = serializers.ListField(child=serializers.CharField(), allow_null=True)
    marketplaces = serializers.ListField(child=serializers.CharField(), allow_null=True)
