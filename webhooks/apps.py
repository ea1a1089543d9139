from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from vendor_portal.navigation import NavItem, register_nav

        from . import events
        from .permissions import MANAGE_WEBHOOKS

        events.connect()

        register_nav(NavItem(_("Webhooks"), "webhook_list", MANAGE_WEBHOOKS, order=95, side="vendor"))
