from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShipmentsConfig(AppConfig):
    name = "shipments"
    verbose_name = _("Shipments")

    def ready(self):
        from vendor_portal.navigation import NavItem, NeedsMe, register_nav, register_needs_me
        from vendor_portal.roles import Action

        register_nav(NavItem(_("Shipments"), "shipment_list", Action.VIEW_SHIPMENTS, order=30))
        register_nav(NavItem(_("Receiving"), "receiving_list", Action.RECEIVE_GOODS, order=32, side="retailer"))
        register_needs_me(
            NeedsMe(_("Ship plans not yet submitted"), "/shipments/?state=draft", Action.MANAGE_SHIPMENTS, _drafts, order=30, side="vendor")
        )
        register_needs_me(NeedsMe(_("ASNs to receive"), "/shipments/receiving/", Action.RECEIVE_GOODS, _to_receive, order=30, side="retailer"))


def _drafts(request, scope) -> int:
    from shipments.models import Shipment

    return Shipment.objects.visible_to(scope).drafts().count()


def _to_receive(request, scope) -> int:
    from shipments.models import Shipment, ShipmentState

    return Shipment.objects.visible_to(scope).filter(state__in=[ShipmentState.SUBMITTED, ShipmentState.RECEIVING]).count()
