from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("Forecasts and promotions")

    def ready(self):
        from vendor_portal.navigation import NavItem, NeedsMe, register_nav, register_needs_me
        from vendor_portal.roles import Action

        from . import exports  # noqa: F401  registers the forecast list's export with the core (the export job finds it by name)

        register_nav(NavItem(_("Forecasts"), "forecast_list", Action.VIEW_PLANNING, order=14))
        register_nav(NavItem(_("Promotions"), "promotion_list", Action.VIEW_PLANNING, order=16))
        register_nav(NavItem(_("Availability"), "availability_list", Action.VIEW_PLANNING, order=17))
        register_needs_me(
            NeedsMe(
                _("Promotions to confirm"), "/planning/promotions/?state=shared", Action.CONFIRM_PROMOTIONS, _awaiting_vendor, order=15, side="vendor"
            )
        )
        register_needs_me(
            NeedsMe(
                _("Promotions declined by vendors"),
                "/planning/promotions/?state=declined",
                Action.MANAGE_PLANNING,
                _declined,
                order=15,
                side="retailer",
            )
        )


def _awaiting_vendor(request, scope) -> int:
    from .models import Promotion

    return Promotion.objects.visible_to(scope).awaiting_vendor().count()


def _declined(request, scope) -> int:
    from .models import Promotion, PromotionState

    return Promotion.objects.visible_to(scope).filter(state=PromotionState.DECLINED).count()
