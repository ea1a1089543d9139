from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from vendor_portal import events
        from vendor_portal.navigation import NavItem, NeedsMe, register_nav, register_needs_me
        from vendor_portal.roles import Action

        from .payloads import PAYLOADS
        from .permissions import MANAGE_WEBHOOKS
        from .services import webhook_deliveries_for_events

        # Deliveries are an outbox: written inside the transaction of the change they report.
        for payload in PAYLOADS:
            for event_type in payload.event_types:
                events.subscribe(event_type, webhook_deliveries_for_events, when=events.IN_TRANSACTION)

        register_nav(NavItem(_("Webhooks"), "webhook_list", MANAGE_WEBHOOKS, order=95, side="vendor"))
        register_needs_me(
            NeedsMe(
                _("Webhooks failing in the last 7 days"),
                lambda scope: "/settings/webhooks/" if scope.can(MANAGE_WEBHOOKS) else "/api/docs/",
                Action.READ_API_DOCS,
                lambda request, scope: _failing(scope),
                order=93,
                side="vendor",
            )
        )


def _failing(scope) -> int:
    """Active subscriptions with a delivery that failed, or is being retried, in the last week."""
    import datetime

    from django.db.models import Q
    from django.utils import timezone

    from .models import DeliveryStatus, WebhookSubscription

    since = timezone.now() - datetime.timedelta(days=7)
    failing = Q(deliveries__status=DeliveryStatus.FAILED) | Q(deliveries__status=DeliveryStatus.PENDING, deliveries__attempts__gt=0)
    return (
        WebhookSubscription.objects.visible_to(scope)
        .filter(failing, is_active=True, deliveries__created_at__gte=since)
        .values("pk")
        .distinct()
        .count()
    )
