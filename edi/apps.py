from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EdiConfig(AppConfig):
    name = "edi"
    verbose_name = _("EDI")

    def ready(self):
        from vendor_portal import events
        from vendor_portal.navigation import NavItem, NeedsMe, register_nav, register_needs_me
        from vendor_portal.roles import Action

        from .subscribers import send_850_for_new_purchase_orders, write_820_for_paid_remittances

        register_nav(NavItem(_("EDI"), "edi_interchange_list", Action.VIEW_PURCHASE_ORDERS, order=70))
        register_needs_me(
            NeedsMe(
                _("EDI files rejected this week"),
                "/edi/?direction=inbound&status=rejected",
                Action.VIEW_PURCHASE_ORDERS,
                _rejected_this_week,
                order=40,
            )
        )
        # The domain's news: a new PO is sent as an 850 (after the commit), a payment's 820 is stored with it.
        events.subscribe(events.PurchaseOrderCreated, send_850_for_new_purchase_orders)
        events.subscribe(events.RemittancePaid, write_820_for_paid_remittances, when=events.IN_TRANSACTION)


def _rejected_this_week(request, scope) -> int:
    import datetime

    from django.utils import timezone

    from edi.models import Interchange, InterchangeStatus

    since = timezone.now() - datetime.timedelta(days=7)
    return Interchange.objects.visible_to(scope).inbound().filter(status=InterchangeStatus.REJECTED, created_at__gte=since).count()
