from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Dock appointments")

    def ready(self):
        from vendor_portal.navigation import NavItem, NeedsMe, register_nav, register_needs_me
        from vendor_portal.roles import Action

        register_nav(NavItem(_("Appointments"), "appointment_list", Action.VIEW_SHIPMENTS, order=31))
        register_nav(NavItem(_("Dock calendar"), "appointment_calendar", Action.SCHEDULE_APPOINTMENTS, order=33, side="retailer"))
        register_needs_me(
            NeedsMe(
                _("Appointment requests to answer"),
                "/appointments/?state=requested",
                Action.SCHEDULE_APPOINTMENTS,
                _requested,
                order=31,
                side="retailer",
            )
        )
        register_needs_me(
            NeedsMe(
                _("Routing requests to schedule"),
                "/appointments/routing/?state=requested",
                Action.SCHEDULE_APPOINTMENTS,
                _routing_requested,
                order=32,
                side="retailer",
            )
        )


def _requested(request, scope) -> int:
    from .models import Appointment, AppointmentState

    return Appointment.objects.visible_to(scope).filter(state=AppointmentState.REQUESTED).count()


def _routing_requested(request, scope) -> int:
    from .models import RoutingRequest, RoutingRequestState

    return RoutingRequest.objects.visible_to(scope).filter(state=RoutingRequestState.REQUESTED).count()
