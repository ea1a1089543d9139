import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchaseOrdersConfig(AppConfig):
    name = "purchase_orders"
    verbose_name = _("Purchase orders")

    def ready(self):
        from vendor_portal.navigation import NavItem, NeedsMe, register_nav, register_needs_me
        from vendor_portal.roles import Action

        from . import exports  # noqa: F401  registers the PO list's export with the core (the export job finds it by name)

        register_nav(NavItem(_("Purchase orders"), "po_list", Action.VIEW_PURCHASE_ORDERS, order=10))
        register_needs_me(
            NeedsMe(
                _("POs to confirm"),
                "/purchase-orders/?needs_confirmation=on&sort=confirmation_due",
                Action.CONFIRM_PURCHASE_ORDERS,
                _to_confirm,
                order=10,
                side="vendor",
            )
        )
        register_needs_me(
            NeedsMe(
                _("POs confirmation due in 24 h"),
                "/purchase-orders/?due_soon=on&sort=confirmation_due",
                Action.CONFIRM_PURCHASE_ORDERS,
                _due_soon,
                order=11,
                side="vendor",
            )
        )
        register_needs_me(
            NeedsMe(
                _("Changed POs"),
                "/purchase-orders/?changed=on&sort=confirmation_due",
                Action.CONFIRM_PURCHASE_ORDERS,
                _changed,
                order=12,
                side="vendor",
            )
        )


def _visible(scope):
    from purchase_orders.models import PurchaseOrder

    return PurchaseOrder.objects.visible_to(scope)


def _to_confirm(request, scope) -> int:
    return _visible(scope).needing_confirmation().count()


def _due_soon(request, scope) -> int:
    from django.utils import timezone

    from purchase_orders.forms import DUE_SOON_HOURS

    deadline = timezone.now() + datetime.timedelta(hours=DUE_SOON_HOURS)
    return _visible(scope).needing_confirmation().filter(confirmation_due_at__lte=deadline).count()


def _changed(request, scope) -> int:
    return _visible(scope).filter(has_unconfirmed_changes=True).count()
