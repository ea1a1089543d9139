from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance programme")

    def ready(self):
        from vendor_portal.navigation import NavItem, register_nav
        from vendor_portal.roles import Action

        from . import tasks  # noqa: F401

        register_nav(NavItem(_("Compliance"), "compliance_home", Action.VIEW_PURCHASE_ORDERS, order=55))
