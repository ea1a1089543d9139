"""ASNs: a ship plan submitted as the original ASN (PO lines count its units as shipped), and a
Replace ASN that lowers quantities before the DC starts receiving."""
from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.services.line_quantities import purchase_order_lines_record_shipment
from vendor_portal.errors import DomainValidationError, InvalidTransitionError
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles

from ..models import AsnType, ComplianceEvent, ComplianceEventKind, Shipment, ShipmentState, TransportMode
from ._common import SHIPPERS, _error, _header_snapshot, _lines_snapshot, _publish_asn, _raise_if, _refuse_unless, _shipment_for_update, _zone
from .labels import _labels_outdate
from .plans import ShipPlanLine, _carton_contents, _cartonize, _line_set_quantity, _write_cartons


def _asn_errors(shipment: Shipment) -> list[dict]:
    errors = []
    lines = list(shipment.lines.annotate(in_cartons=Sum("carton_items__quantity")).select_related("purchase_order_line__purchase_order"))
    if not lines or not any(line.quantity for line in lines):
        errors.append(_error("lines", _("The shipment has nothing to ship.")))
    for line in lines:
        if (line.in_cartons or 0) != line.quantity:
            po_line = line.purchase_order_line
            errors.append(
                _error(
                    "cartons",
                    _("PO %(number)s line %(n)s: %(planned)s to ship but %(packed)s in cartons.")
                    % {"number": po_line.purchase_order.number, "n": po_line.sequence, "planned": line.quantity, "packed": line.in_cartons or 0},
                    "cartons_do_not_add_up",
                )
            )
    if shipment.transport_mode in (TransportMode.LTL, TransportMode.TRUCKLOAD) and not shipment.bol_number:
        errors.append(_error("bol_number", _("A BOL number is required for LTL and truckload shipments."), "bol_required"))
    if shipment.transport_mode == TransportMode.SMALL_PARCEL and shipment.cartons.filter(tracking_number="").exists():
        errors.append(_error("tracking_number", _("Every carton of a small-parcel shipment needs a tracking number."), "tracking_required"))
    return errors


def shipment_submit(*, scope, shipment_id, actor: Actor) -> Shipment:
    """Freeze the ship plan into an (original) ASN: PO lines count the units as shipped.

    An ASN sent after the ship date is recorded as a late-ASN compliance event."""
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        _refuse_unless(shipment, ShipmentState.SUBMITTED, _("submitted"))
        if shipment.state != ShipmentState.DRAFT:
            raise InvalidTransitionError(_("This ASN was already submitted; send a Replace ASN to change it."))
        errors = _asn_errors(shipment)
        if errors:
            raise DomainValidationError(_("The ASN cannot be submitted yet."), errors=errors)
        purchase_order_lines_record_shipment(
            quantities={line.purchase_order_line_id: line.quantity for line in shipment.lines.all()}, actor=actor
        )
        before = _header_snapshot(shipment)
        now = timezone.now()
        shipment.state = ShipmentState.SUBMITTED
        shipment.asn_type = AsnType.ORIGINAL
        shipment.asn_revision = 1
        shipment.submitted_at = now
        shipment.save(update_fields=["state", "asn_type", "asn_revision", "submitted_at", "updated_at"])
        audit_record(actor=actor, action="shipment.submit", obj=shipment, before=before, after=_header_snapshot(shipment))
        _publish_asn(shipment, actor, previous_state=before["state"])
        local_today = timezone.localdate(now, timezone=_zone(shipment.ship_to.time_zone))
        if local_today > shipment.ship_date:
            event = ComplianceEvent.objects.create(
                vendor=shipment.vendor, shipment=shipment, kind=ComplianceEventKind.ASN_LATE, occurred_at=now,
                details={"ship_date": shipment.ship_date.isoformat(), "submitted_at": now.isoformat()},
            )
            audit_record(actor=actor, action="compliance_event.record", obj=event, after=snapshot(event, ["kind", "shipment_id", "details"]))
            notify_vendor_roles(
                vendor=shipment.vendor, roles=SHIPPERS, marketplace=shipment.marketplace, kind="asn_late",
                title=_("ASN %(id)s was sent after its ship date") % {"id": shipment.shipment_identifier},
                body=_("A late ASN may be charged back."), url=f"/shipments/{shipment.pk}/",
            )
        notify_retailer_roles(
            roles=[Role.RECEIVING], kind="asn_submitted", vendor=shipment.vendor,
            title=_("ASN %(id)s for %(dc)s") % {"id": shipment.shipment_identifier, "dc": shipment.ship_to.code},
            url=f"/shipments/receiving/{shipment.pk}/",
        )
    return shipment


def shipment_replace(
    *, scope, shipment_id, lines: list[ShipPlanLine], actor: Actor, cartons: list[dict[int, int]] | None = None, **header
) -> Shipment:
    """A Replace ASN: before the DC starts receiving, quantities may only go down (to zero).

    Lowered units go back to the PO lines' open quantity; cartons are re-planned by case pack, keeping
    SSCCs by index, unless `cartons` gives the packing: carton n holds cartons[n-1] ({shipment line id:
    quantity}), which must add up to the new line quantities. All or nothing."""
    allowed = {"carrier_scac", "carrier_name", "estimated_arrival", "bol_number", "pro_number"}
    unknown = set(header) - allowed
    if unknown:
        raise DomainValidationError(_("A Replace ASN cannot change: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if not shipment.is_replaceable:
            raise InvalidTransitionError(
                _("Shipment %(id)s cannot be replaced: it is %(state)s.")
                % {"id": shipment.shipment_identifier, "state": shipment.get_state_display().lower()}
            )
        existing = {line.purchase_order_line_id: line for line in shipment.lines.select_related("purchase_order_line__purchase_order")}
        errors, changes = [], {}
        for index, line in enumerate(lines):
            current = existing.get(line.purchase_order_line_id)
            if current is None:
                errors.append(_error(f"lines[{index}].purchase_order_line", _("A Replace ASN cannot add PO lines."), "line_added"))
                continue
            po_line = current.purchase_order_line
            if line.quantity is None or line.quantity < 0 or line.quantity > current.quantity:
                errors.append(
                    _error(
                        f"lines[{index}].quantity",
                        _("PO %(number)s line %(n)s: a Replace ASN may only lower the quantity (now %(q)s).")
                        % {"number": po_line.purchase_order.number, "n": po_line.sequence, "q": current.quantity},
                        "quantity_raised",
                    )
                )
                continue
            if line.quantity != current.quantity:
                changes[current] = line.quantity
        line_ids = {line.pk for line in existing.values()}
        for position, contents in enumerate(cartons or []):
            if any(line_id not in line_ids for line_id in contents):
                errors.append(_error(f"cartons[{position}]", _("Carton %(n)s holds a line this ASN does not ship.") % {"n": position + 1}, "item_not_shipped"))
            elif any(quantity is None or quantity < 0 for quantity in contents.values()):
                errors.append(_error(f"cartons[{position}]", _("Carton %(n)s: quantities are zero or more.") % {"n": position + 1}))
        header = {name: (value.strip() if isinstance(value, str) else value) for name, value in header.items()}
        if header.get("carrier_scac"):
            header["carrier_scac"] = header["carrier_scac"].upper()
            if not (2 <= len(header["carrier_scac"]) <= 4 and header["carrier_scac"].isalpha()):
                errors.append(_error("carrier_scac", _("A SCAC is 2-4 letters.")))
        if header.get("estimated_arrival") and header["estimated_arrival"] < shipment.ship_date:
            errors.append(_error("estimated_arrival", _("Arrival cannot be before the ship date.")))
        if errors:
            raise DomainValidationError(_("The Replace ASN has errors; nothing was changed."), errors=errors)
        before = {**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)}
        for name, value in header.items():
            setattr(shipment, name, value or ("" if name != "estimated_arrival" else None))
        if changes:
            purchase_order_lines_record_shipment(
                quantities={line.purchase_order_line_id: quantity - line.quantity for line, quantity in changes.items()}, actor=actor
            )
            for line, quantity in changes.items():
                _line_set_quantity(line, quantity, actor, shipment.vendor)
        before["cartons"] = _carton_contents(shipment)
        _labels_outdate(shipment, actor)
        shipment.asn_type = AsnType.REPLACE
        shipment.asn_revision += 1
        shipment.save()
        if cartons is not None:
            plan = [{line_id: quantity for line_id, quantity in contents.items() if quantity} for contents in cartons]
            _write_cartons(shipment, [contents for contents in plan if contents], actor)
        elif changes:
            _cartonize(shipment, actor)
        audit_record(
            actor=actor, action="shipment.replace", obj=shipment, before=before,
            after={**_header_snapshot(shipment), "lines": _lines_snapshot(shipment), "cartons": _carton_contents(shipment)},
        )
        _publish_asn(shipment, actor, previous_state=before["state"])
        _raise_if(_asn_errors(shipment), _("The Replace ASN has errors; nothing was changed."))
    return shipment
