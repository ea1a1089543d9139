from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from vendor_portal.models import AuditEvent, Marketplace, Notification
from vendor_portal.roles import Action
from vendor_portal.services.notifications import notification_mark_read

from .base import PortalAPIView, ScopedGenericViewSet, ScopedReadOnlyViewSet
from .filters import AuditEventFilter
from .serializers import AuditEventSerializer, MeSerializer, NotificationReadSerializer, NotificationSerializer


class MeView(PortalAPIView):
    """Who the caller is: person or token, vendor, roles and scopes."""

    @extend_schema(responses=MeSerializer, examples=[OpenApiExample("Vendor ops", value={
        "username": "acme-ops", "vendor": "ACME", "is_retailer": False, "roles": ["vendor_ops"], "token_scopes": None, "marketplaces": None,
    })])
    def get(self, request):
        scope = request.scope
        marketplaces = None
        if scope.marketplace_ids is not None:
            marketplaces = list(Marketplace.objects.filter(pk__in=scope.marketplace_ids).values_list("code", flat=True))
        return Response(
            MeSerializer(
                {
                    "username": request.user.get_username(),
                    "vendor": scope.vendor.code if scope.vendor else None,
                    "is_retailer": scope.is_retailer,
                    "roles": sorted(scope.roles),
                    "token_scopes": sorted(scope.token_scopes) if scope.token_scopes is not None else None,
                    "marketplaces": marketplaces,
                }
            ).data
        )


class NotificationViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """The caller's message centre (people only; a token has no inbox)."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.all()
    ordering_fields = ["created_at"]

    def base_queryset(self):
        user = self.request.user
        return Notification.objects.filter(user_id=getattr(user, "pk", None) or -1)

    @extend_schema(request=NotificationReadSerializer, responses={200: None})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        serializer = NotificationReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not getattr(request.user, "pk", None):
            return Response({"marked": 0})
        count = notification_mark_read(user=request.user, notification_ids=serializer.validated_data.get("ids"))
        return Response({"marked": count, "detail": _("Marked as read.")})


class AuditEventViewSet(ScopedReadOnlyViewSet):
    """The append-only audit trail: read-only, filtered by object, action, channel, who and when."""

    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.select_related("vendor")
    filterset_class = AuditEventFilter
    actions = {"*": Action.VIEW_AUDIT}
    ordering_fields = ["occurred_at"]
    ordering = ["-occurred_at"]
