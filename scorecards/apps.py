from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = _("Scorecards")

    def ready(self):
        from vendor_portal.navigation import NavItem, register_nav
        from vendor_portal.roles import Action

        register_nav(NavItem(_("Scorecard"), "scorecard", Action.VIEW_PURCHASE_ORDERS, order=50))
