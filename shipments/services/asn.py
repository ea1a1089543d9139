"""ASNs: a ship plan submitted as the original ASN (PO lines count its units as shipped), and the Replace
ASN of every door (screens, portal API, Amazon door, EDI 856) that lowers quantities before the DC starts
receiving."""

from __future__ import annotations

from dataclasses import replace as replace_error

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.services.line_quantities import purchase_order_lines_record_shipment
from vendor_portal.errors import DomainValidationError, FieldError, InvalidTransitionError, field_error, with_refs
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles
from vendor_portal.states import require_transition, transition

from ..models import AsnType, Carton, ComplianceEvent, ComplianceEventKind, Measured, Pallet, Shipment, ShipmentState, TransportMode
from ._common import SHIPPERS, _cannot_be, _header_snapshot, _lines_snapshot, _publish_asn, _raise_if, _shipment_for_update, _zone
from .containers import (
    ConfirmedCarton,
    ConfirmedPallet,
    given_container_errors,
    given_sscc_errors,
    given_ssccs,
    named_cartons,
    write_given_containers,
)
from .labels import _labels_outdate
from .plans import (
    ShipPlanLine,
    _carton_contents,
    _cartonize,
    _line_set_quantity,
    _named_lines,
    _write_cartons,
)
from .sscc import _sscc_counter_pass
from .weights import _measurements_write, measurement_errors


def _asn_errors(shipment: Shipment) -> list[FieldError]:
    errors = []
    lines = list(shipment.lines.annotate(in_cartons=Sum("carton_items__quantity")).select_related("purchase_order_line__purchase_order"))
    if not lines or not any(line.quantity for line in lines):
        errors.append(field_error(None, "lines", _("The shipment has nothing to ship.")))
    for line in lines:
        if (line.in_cartons or 0) != line.quantity:
            po_line = line.purchase_order_line
            errors.append(
                field_error(
                    None,
                    "cartons",
                    _("PO %(number)s line %(n)s: %(planned)s to ship but %(packed)s in cartons.")
                    % {"number": po_line.purchase_order.number, "n": po_line.sequence, "planned": line.quantity, "packed": line.in_cartons or 0},
                    "cartons_do_not_add_up",
                )
            )
    if shipment.transport_mode in (TransportMode.LTL, TransportMode.TRUCKLOAD) and not shipment.bol_number:
        errors.append(field_error(None, "bol_number", _("A BOL number is required for LTL and truckload shipments."), "bol_required"))
    if shipment.transport_mode == TransportMode.SMALL_PARCEL and shipment.cartons.filter(tracking_number="").exists():
        errors.append(
            field_error(None, "tracking_number", _("Every carton of a small-parcel shipment needs a tracking number."), "tracking_required")
        )
    return errors


def asn_problems(shipment: Shipment) -> list[FieldError]:
    """What would stop the shipment's ASN from being submitted now (reads only)."""
    return _asn_errors(shipment)


def _measurements_fill(shipment: Shipment) -> None:
    """Store the estimates of the cartons and pallets nobody weighed or measured, and the gross weight,
    so the ASN keeps carrying what it was sent with whatever the catalogue says later."""
    from ..selectors import shipment_measurements

    cartons, pallets = list(shipment.cartons.all()), list(shipment.pallets.all())
    measures = shipment_measurements(shipment=shipment, cartons=cartons, pallets=pallets, estimate=True)
    for model, rows, effective in ((Carton, cartons, measures.cartons), (Pallet, pallets, measures.pallets)):
        filled = [row for row in rows if effective[row.pk].estimated]
        for row in filled:
            _measurements_write(row, effective[row.pk])
        model.objects.bulk_update(filled, Measured.MEASUREMENT_FIELDS)
    if shipment.gross_weight is None:  # a gross weight the vendor's system sent stays as sent
        shipment.gross_weight = measures.gross_weight
        shipment.save(update_fields=["gross_weight", "updated_at"])


def shipment_submit(*, scope, shipment_id, actor: Actor, fill_measurements: bool = True) -> Shipment:
    """Freeze the ship plan into an (original) ASN: PO lines count the units as shipped, and the cartons'
    and pallets' estimated weights and sizes are stored (not for cartons a vendor's system labelled and
    measured itself: `fill_measurements=False`).

    An ASN sent after the ship date is recorded as a late-ASN compliance event."""
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        require_transition(shipment, ShipmentState.SUBMITTED, refusal=_cannot_be(_("submitted")))
        if shipment.state != ShipmentState.DRAFT:
            raise InvalidTransitionError(_("This ASN was already submitted; send a Replace ASN to change it."))
        errors = _asn_errors(shipment)
        if errors:
            raise DomainValidationError(_("The ASN cannot be submitted yet."), errors=errors)
        purchase_order_lines_record_shipment(quantities={line.purchase_order_line_id: line.quantity for line in shipment.lines.all()}, actor=actor)
        before = _header_snapshot(shipment)
        if fill_measurements:
            _measurements_fill(shipment)
        now = timezone.now()
        transition(shipment, ShipmentState.SUBMITTED)
        shipment.asn_type = AsnType.ORIGINAL
        shipment.asn_revision = 1
        shipment.submitted_at = now
        shipment.save(update_fields=["state", "asn_type", "asn_revision", "submitted_at", "updated_at"])
        audit_record(actor=actor, action="shipment.submit", obj=shipment, before=before, after=_header_snapshot(shipment))
        _publish_asn(shipment, actor, previous_state=before["state"])
        local_today = timezone.localdate(now, timezone=_zone(shipment.ship_to.time_zone))
        if local_today > shipment.ship_date:
            event = ComplianceEvent.objects.create(
                vendor=shipment.vendor,
                shipment=shipment,
                kind=ComplianceEventKind.ASN_LATE,
                occurred_at=now,
                details={"ship_date": shipment.ship_date.isoformat(), "submitted_at": now.isoformat()},
            )
            audit_record(actor=actor, action="compliance_event.record", obj=event, after=snapshot(event, ["kind", "shipment_id", "details"]))
            notify_vendor_roles(
                vendor=shipment.vendor,
                roles=SHIPPERS,
                marketplace=shipment.marketplace,
                kind="asn_late",
                title=_("ASN %(id)s was sent after its ship date") % {"id": shipment.shipment_identifier},
                body=_("A late ASN may be charged back."),
                url=f"/shipments/{shipment.pk}/",
            )
        notify_retailer_roles(
            roles=[Role.RECEIVING],
            kind="asn_submitted",
            vendor=shipment.vendor,
            title=_("ASN %(id)s for %(dc)s") % {"id": shipment.shipment_identifier, "dc": shipment.ship_to.code},
            url=f"/shipments/receiving/{shipment.pk}/",
        )
    return shipment


REPLACEABLE = {"carrier_scac", "carrier_name", "estimated_arrival", "bol_number", "pro_number", "ship_date", "gross_weight"}
# What a Replace ASN may restate but never change: a door that sends the whole ASN again gives them too.
KEPT = {"ship_to", "transport_mode"}


def shipment_replace(
    *,
    scope,
    shipment_id,
    lines: list[ShipPlanLine],
    actor: Actor,
    cartons: list[dict[int, int]] | None = None,
    given_cartons: list[ConfirmedCarton] | None = None,
    given_pallets: list[ConfirmedPallet] = (),
    **header,
) -> Shipment:
    """A Replace ASN, the same for every door: before the DC starts receiving, the whole ASN again.

    `lines` are all the ASN ships now: a line left out ships nothing, a given line may only go down (to
    zero), no line may be added. Lowered units go back to the PO lines' open quantity. The header fields
    given replace the ASN's (carrier, SCAC, BOL, PRO, arrival, ship date); a DC or transport mode given
    must be the ASN's. The packing is re-planned by case pack, keeping SSCCs by index, unless `cartons`
    gives it (the screen: carton n holds cartons[n-1], {shipment line id: quantity}) or `given_cartons`
    and `given_pallets` bring the vendor's own labelled cartons and pallets. Labels printed before are out
    of date. All or nothing."""
    unknown = set(header) - REPLACEABLE - KEPT
    if unknown:
        raise DomainValidationError(_("A Replace ASN cannot change: %(f)s") % {"f": ", ".join(sorted(unknown))})
    given_pallets = list(given_pallets or [])
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if not shipment.is_replaceable:
            raise InvalidTransitionError(
                _("Shipment %(id)s cannot be replaced: it is %(state)s.")
                % {"id": shipment.shipment_identifier, "state": shipment.get_state_display().lower()}
            )
        lines, errors = _named_lines(scope, with_refs(lines, "lines"))
        if given_cartons is not None and not errors:  # the cartons' items name the same lines again
            given_cartons, carton_errors = named_cartons(scope, given_cartons)
            errors += carton_errors
        existing = {line.purchase_order_line_id: line for line in shipment.lines.select_related("purchase_order_line__purchase_order")}
        wanted: dict[int, int] = {}
        for ref, line in with_refs(lines, "lines"):
            current = existing.get(line.purchase_order_line_id)
            if current is None:
                errors.append(field_error(ref, "purchase_order_line", _("A Replace ASN cannot add PO lines."), "line_added"))
                continue
            po_line = current.purchase_order_line
            label = {"number": po_line.purchase_order.number, "n": po_line.sequence, "q": current.quantity}
            if line.purchase_order_line_id in wanted:
                errors.append(field_error(ref, "purchase_order_line", _("PO %(number)s line %(n)s appears twice.") % label, "duplicate"))
            elif line.quantity is None or line.quantity < 0 or line.quantity > current.quantity:
                errors.append(
                    field_error(
                        ref,
                        "quantity",
                        _("PO %(number)s line %(n)s: a Replace ASN may only lower the quantity (now %(q)s).") % label,
                        "quantity_raised",
                    )
                )
            else:
                wanted[line.purchase_order_line_id] = line.quantity
        header = {name: (value.strip() if isinstance(value, str) else value) for name, value in header.items()}
        errors += _replace_header_errors(shipment, header)
        line_ids = {line.pk for line in existing.values()}
        for position, contents in enumerate(cartons or []):
            if any(line_id not in line_ids for line_id in contents):
                errors.append(
                    field_error(
                        f"cartons[{position}]", None, _("Carton %(n)s holds a line this ASN does not ship.") % {"n": position + 1}, "item_not_shipped"
                    )
                )
            elif any(quantity is None or quantity < 0 for quantity in contents.values()):
                errors.append(field_error(f"cartons[{position}]", None, _("Carton %(n)s: quantities are zero or more.") % {"n": position + 1}))
        if given_cartons is not None and not errors:
            own = set(shipment.cartons.values_list("sscc", flat=True)) | set(shipment.pallets.values_list("sscc", flat=True))
            errors += given_sscc_errors(vendor=shipment.vendor, cartons=given_cartons, pallets=given_pallets, own=own)
            errors += given_container_errors(
                lines=[line for line in lines if wanted.get(line.purchase_order_line_id)],
                cartons=given_cartons,
                pallets=given_pallets,
                transport_mode=shipment.transport_mode,
            )
        _raise_if(errors, _("The Replace ASN has errors; nothing was changed."))
        before = {**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)}
        for name, value in header.items():
            if name == "gross_weight":  # Measurements as the vendor's system sent it, or None
                if value is not None and value.weight is not None:
                    shipment.gross_weight, shipment.weight_unit = value.weight, value.weight_unit
            elif name == "ship_date":
                shipment.ship_date = value or shipment.ship_date
            elif name in REPLACEABLE:
                setattr(shipment, name, value or ("" if name != "estimated_arrival" else None))
        # The whole ASN again: a line it leaves out ships nothing now.
        changes = {line: wanted.get(po_line_id, 0) for po_line_id, line in existing.items() if wanted.get(po_line_id, 0) != line.quantity}
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
        if given_cartons is not None:
            write_given_containers(shipment, given_cartons, given_pallets, actor)
            _sscc_counter_pass(shipment.vendor, given_ssccs(given_cartons, given_pallets), actor)
        elif cartons is not None:
            plan = [{line_id: quantity for line_id, quantity in contents.items() if quantity} for contents in cartons]
            _write_cartons(shipment, [contents for contents in plan if contents], actor)
        elif changes:
            _cartonize(shipment, actor)
        if given_cartons is None:  # the portal packed it: estimates for what changed, the gross weight again
            if header.get("gross_weight") is None:
                shipment.gross_weight = None
            _measurements_fill(shipment)
        audit_record(
            actor=actor,
            action="shipment.replace",
            obj=shipment,
            before=before,
            after={**_header_snapshot(shipment), "lines": _lines_snapshot(shipment), "cartons": _carton_contents(shipment)},
        )
        _publish_asn(shipment, actor, previous_state=before["state"])
        _raise_if(_asn_errors(shipment), _("The Replace ASN has errors; nothing was changed."))
    return shipment


def _replace_header_errors(shipment: Shipment, header: dict) -> list[FieldError]:
    """The header of a Replace ASN: the same DC and transport mode, a SCAC of 2-4 letters, an arrival not
    before the ship date. Normalises the SCAC in `header`."""
    errors = []
    if header.get("ship_to") is not None and header["ship_to"] != shipment.ship_to.code:
        errors.append(
            field_error(None, "ship_to", _("A Replace ASN ships to the same DC (%(dc)s).") % {"dc": shipment.ship_to.code}, "replace_changes_dc")
        )
    if header.get("transport_mode") is not None and header["transport_mode"] != shipment.transport_mode:
        errors.append(
            field_error(
                None,
                "transport_mode",
                _("A Replace ASN keeps the transport mode (%(mode)s).") % {"mode": shipment.get_transport_mode_display()},
                "replace_changes_mode",
            )
        )
    if header.get("carrier_scac"):
        header["carrier_scac"] = header["carrier_scac"].upper()
        if not (2 <= len(header["carrier_scac"]) <= 4 and header["carrier_scac"].isalpha()):
            errors.append(field_error(None, "carrier_scac", _("A SCAC is 2-4 letters.")))
    gross = header.get("gross_weight")
    if gross is not None:
        errors += [replace_error(error, ref=None, field="gross_weight") for error in measurement_errors(None, gross)]
    ship_date = header.get("ship_date") or shipment.ship_date
    if header.get("estimated_arrival") and ship_date and header["estimated_arrival"] < ship_date:
        errors.append(field_error(None, "estimated_arrival", _("Arrival cannot be before the ship date.")))
    return errors
