"""Appointment objects of vendor A for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py)."""

from decimal import Decimal

from appointments.services.routing import RoutingRequestInput, routing_request_create
from tests.appointments.factories import day_ahead, dock, requested, submitted_asn, vendor_scope
from vendor_portal.services.audit import Actor


def build(world, vendor):
    dock()
    shipment = submitted_asn(vendor, "ACMESECRET-APT")
    world["appointment"] = requested(vendor, shipment, note="ACME-SECRET tail lift")
    world["routing_request"] = routing_request_create(
        scope=vendor_scope(vendor),
        data=RoutingRequestInput(
            warehouse="ABE2",
            shipment_id=shipment.pk,
            ready_date=day_ahead(1),
            pallets=3,
            weight=Decimal("600"),
            volume=Decimal("4"),
            note="ACME-SECRET dock 3",
        ),
        actor=Actor.system(),
    )


def _appointment(world):
    return {"pk": world["appointment"].pk}


def _routing(world):
    return {"pk": world["routing_request"].pk}


# URL name -> kwargs for vendor A's object. Add every appointment route that takes arguments.
URL_KWARGS: dict = {
    "appointment_detail": _appointment,
    "appointment_confirm": _appointment,
    "appointment_move": _appointment,
    "appointment_refuse": _appointment,
    "appointment_cancel": _appointment,
    "appointment_arrived": _appointment,
    "routing_detail": _routing,
    "routing_schedule": _routing,
    "routing_refuse": _routing,
    "appointment-api-detail": _appointment,
    "appointment-api-confirm": _appointment,
    "appointment-api-move": _appointment,
    "appointment-api-refuse": _appointment,
    "appointment-api-cancel": _appointment,
    "appointment-api-arrival": _appointment,
    "routing-request-detail": _routing,
    "routing-request-schedule": _routing,
    "routing-request-refuse": _routing,
}
