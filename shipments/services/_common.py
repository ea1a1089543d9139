"""What the shipments service modules share: the locked read of a shipment and its state check,
the audit snapshots of a shipment and its lines, and a DC's time zone."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable

from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import DomainValidationError, NotFoundError
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, snapshot

from ..models import Shipment

SHIPMENT_AUDITED = [
    "shipment_identifier",
    "state",
    "ship_to_id",
    "ship_from_id",
    "transport_mode",
    "transport_method",
    "carrier_scac",
    "carrier_name",
    "ship_date",
    "estimated_arrival",
    "bol_number",
    "pro_number",
    "cartons_per_pallet",
    "weight_unit",
    "dimension_unit",
    "gross_weight",
    "asn_type",
    "asn_revision",
    "submitted_at",
    "receiving_started_at",
    "received_at",
    "cancelled_at",
]
SHIPPERS = [Role.VENDOR_ADMIN, Role.VENDOR_OPS]


# Reads used by writes ------------------------------------------------------------------------------
def _shipment_for_update(scope, shipment_id) -> Shipment:
    """Lock the shipment row; another vendor's shipment is 'not found'."""
    try:
        shipment = Shipment.objects.visible_to(scope).select_for_update().filter(pk=int(shipment_id)).first()
    except (TypeError, ValueError):
        shipment = None
    if shipment is None:
        raise NotFoundError(_("Shipment not found."))
    return shipment


def _cannot_be(verb: str) -> Callable[[Shipment, str], str]:
    """The refusal of a move the state table does not allow: "Shipment X cannot be cancelled: it is received." """

    def refusal(shipment: Shipment, _target: str) -> str:
        return _("Shipment %(id)s cannot be %(verb)s: it is %(state)s.") % {
            "id": shipment.shipment_identifier,
            "verb": verb,
            "state": shipment.get_state_display().lower(),
        }

    return refusal


def _header_snapshot(shipment: Shipment) -> dict:
    return snapshot(shipment, SHIPMENT_AUDITED)


def _lines_snapshot(shipment: Shipment) -> list[dict]:
    return [{"purchase_order_line": line.purchase_order_line_id, "quantity": line.quantity} for line in shipment.lines.order_by("pk")]


def _publish_asn(shipment: Shipment, actor: Actor, *, previous_state: str) -> None:
    """News of an ASN sent or replaced, next to its audit row."""
    numbers = (
        shipment.lines.values_list("purchase_order_line__purchase_order__number", flat=True)
        .distinct()
        .order_by("purchase_order_line__purchase_order__number")
    )
    events.publish(
        events.AsnSubmitted(
            vendor_id=shipment.vendor_id,
            channel=actor.channel,
            shipment_id=shipment.pk,
            shipment_identifier=shipment.shipment_identifier,
            asn_type=shipment.asn_type,
            asn_revision=shipment.asn_revision,
            state=shipment.state,
            previous_state=previous_state,
            ship_to=shipment.ship_to.code,
            purchase_order_numbers=tuple(numbers),
        )
    )


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


def _raise_if(errors: list, message: str) -> None:
    if errors:
        raise DomainValidationError(message, errors=errors)
