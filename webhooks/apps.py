from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from vendor_portal import events
        from vendor_portal.navigation import NavItem, register_nav

        from .payloads import PAYLOADS
        from .permissions import MANAGE_WEBHOOKS
        from .services import webhook_deliveries_for_events

        # Deliveries are an outbox: written inside the transaction of the change they report.
        for payload in PAYLOADS:
            for event_type in payload.event_types:
                events.subscribe(event_type, webhook_deliveries_for_events, when=events.IN_TRANSACTION)

        register_nav(NavItem(_("Webhooks"), "webhook_list", MANAGE_WEBHOOKS, order=95, side="vendor"))
