from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PO_CREATED_ACTION = "purchase_order.create"


class EdiConfig(AppConfig):
    name = "edi"
    verbose_name = _("EDI")

    def ready(self):
        from django.db.models.signals import post_save

        from vendor_portal.models import AuditEvent
        from vendor_portal.navigation import NavItem, NeedsMe, register_nav, register_needs_me
        from vendor_portal.roles import Action

        register_nav(NavItem(_("EDI"), "edi_interchange_list", Action.VIEW_PURCHASE_ORDERS, order=70))
        register_needs_me(
            NeedsMe(_("EDI files rejected this week"), "/edi/?direction=inbound&status=rejected", Action.VIEW_PURCHASE_ORDERS,
                    _rejected_this_week, order=40)
        )
        # purchase_orders.services belongs to another app: a new PO is noticed by its audit row.
        post_save.connect(_send_850_for_new_purchase_order, sender=AuditEvent, dispatch_uid="edi-850-on-po-create")


def _rejected_this_week(request, scope) -> int:
    import datetime

    from django.utils import timezone

    from edi.models import Interchange, InterchangeStatus

    since = timezone.now() - datetime.timedelta(days=7)
    return Interchange.objects.visible_to(scope).inbound().filter(status=InterchangeStatus.REJECTED, created_at__gte=since).count()


def _send_850_for_new_purchase_order(sender, instance, created, raw=False, **kwargs):
    if raw or not created or instance.action != PO_CREATED_ACTION or instance.vendor_id is None:
        return
    from django.db import transaction

    from edi.models import TradingPartner

    if not TradingPartner.objects.filter(vendor_id=instance.vendor_id, is_active=True).exists():
        return
    po_id = int(instance.object_id)

    def enqueue():
        from edi.tasks import send_850

        send_850.delay(po_id)

    transaction.on_commit(enqueue)
