"""Shipments the vendor's own system confirmed (Amazon-compatible door, EDI 856): an ASN created and
submitted, or replaced, as a whole. Such a shipment arrives with its cartons and pallets already labelled:
the portal stores the SSCCs as given, after checking each one, and never allocates its own for them."""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.services.line_quantities import purchase_order_lines_record_shipment
from vendor_portal.errors import DomainValidationError, ForbiddenError, InvalidTransitionError
from vendor_portal.gs1 import sscc_is_valid
from vendor_portal.models import Vendor
from vendor_portal.services.audit import Actor, audit_record

from ..models import AsnType, Carton, CartonItem, Pallet, Shipment, SsccCounter
from ._common import _error, _header_snapshot, _lines_snapshot, _publish_asn, _raise_if
from .asn import _asn_errors, shipment_submit
from .plans import ShipPlanInput, ShipPlanLine, _carton_contents, _cartonize, _check_plan, _header_values, _line_create, _line_set_quantity
from .sscc import SSCC_EXTENSION_DIGIT, _serial_of, _sscc_counter_pass


@dataclass
class ConfirmedCarton:
    sscc: str
    items: list[ShipPlanLine]  # what the carton holds: PO line and quantity in the line's unit
    tracking_number: str = ""


@dataclass
class ConfirmedPallet:
    sscc: str
    cartons: list[int] = field(default_factory=list)  # positions (from 0) in ShipmentConfirmationInput.cartons


@dataclass
class ShipmentConfirmationInput(ShipPlanInput):
    """A shipment as the vendor's system shipped it: each PO line's total in `lines`, and the cartons and
    pallets with the SSCCs printed on them. Without cartons the portal cartonizes and allocates SSCCs."""

    cartons: list[ConfirmedCarton] = field(default_factory=list)
    pallets: list[ConfirmedPallet] = field(default_factory=list)
    asn_type: str = AsnType.ORIGINAL


def _given_sscc_errors(*, vendor: Vendor, data: ShipmentConfirmationInput, own: set[str]) -> list[dict]:
    """Every given SSCC: 18 digits, right check digit, the vendor's company prefix after the extension
    digit, never used before by this vendor (`own`: the SSCCs of the ASN being replaced may stay)."""
    errors = []
    prefix = vendor.gs1_company_prefix
    given = [(f"cartons[{i}].sscc", carton.sscc) for i, carton in enumerate(data.cartons)]
    given += [(f"pallets[{j}].sscc", pallet.sscc) for j, pallet in enumerate(data.pallets)]
    counter_next = SsccCounter.objects.filter(vendor=vendor).values_list("next_serial", flat=True).first() or 1
    seen: dict[str, str] = {}
    for field_name, raw in given:
        sscc = (raw or "").strip()
        values = {"sscc": sscc or "-"}
        if len(sscc) != 18 or not sscc.isascii() or not sscc.isdigit():
            errors.append(_error(field_name, _("SSCC %(sscc)s: an SSCC is 18 digits.") % values, "sscc_format"))
        elif not sscc_is_valid(sscc):
            errors.append(_error(field_name, _("SSCC %(sscc)s: the check digit is wrong.") % values, "sscc_check_digit"))
        elif sscc[1:1 + len(prefix)] != prefix:
            errors.append(
                _error(field_name, _("SSCC %(sscc)s does not carry your GS1 company prefix %(prefix)s after the extension digit.") % {**values, "prefix": prefix}, "sscc_company_prefix")
            )
        elif sscc in seen:
            errors.append(_error(field_name, _("SSCC %(sscc)s is given twice in this shipment (also as %(other)s).") % {**values, "other": seen[sscc]}, "sscc_duplicate"))
        else:
            seen[sscc] = field_name
    fresh = set(seen) - own
    used = set(Carton.objects.for_vendor(vendor).filter(sscc__in=fresh).values_list("sscc", flat=True))
    used |= set(Pallet.objects.for_vendor(vendor).filter(sscc__in=fresh).values_list("sscc", flat=True))
    for sscc, field_name in seen.items():
        if sscc not in fresh:
            continue
        portal_range = int(sscc[0]) == SSCC_EXTENSION_DIGIT and _serial_of(sscc, prefix) < counter_next
        if sscc in used or portal_range:
            errors.append(_error(field_name, _("SSCC %(sscc)s was already used for another carton or pallet; an SSCC is never reused.") % {"sscc": sscc}, "sscc_reused"))
    return errors


def _given_container_errors(data: ShipmentConfirmationInput) -> list[dict]:
    """Cartons hold lines of this shipment; each carton sits on one pallet at most."""
    errors = []
    line_ids = {line.purchase_order_line_id for line in data.lines}
    for i, carton in enumerate(data.cartons):
        if not carton.items:
            errors.append(_error(f"cartons[{i}].items", _("Carton %(sscc)s holds nothing.") % {"sscc": carton.sscc}, "carton_empty"))
        for k, item in enumerate(carton.items):
            if item.purchase_order_line_id not in line_ids:
                errors.append(_error(f"cartons[{i}].items[{k}]", _("Carton %(sscc)s holds an item this shipment does not ship.") % {"sscc": carton.sscc}, "item_not_shipped"))
            elif item.quantity is None or item.quantity <= 0:
                errors.append(_error(f"cartons[{i}].items[{k}].quantity", _("Carton %(sscc)s: a packed quantity is at least 1.") % {"sscc": carton.sscc}, "invalid"))
        if len(carton.tracking_number or "") > 40:
            errors.append(_error(f"cartons[{i}].tracking_number", _("A tracking number is at most 40 characters."), "invalid"))
    if data.pallets and not data.cartons:
        errors.append(_error("pallets", _("Pallets need the cartons on them: give the cartons with their SSCCs."), "pallet_without_cartons"))
        return errors
    placed: dict[int, int] = {}
    for j, pallet in enumerate(data.pallets):
        if not pallet.cartons:
            errors.append(_error(f"pallets[{j}].cartons", _("Pallet %(sscc)s carries no carton.") % {"sscc": pallet.sscc}, "pallet_empty"))
        for position in pallet.cartons:
            if not 0 <= position < len(data.cartons):
                errors.append(_error(f"pallets[{j}].cartons", _("Pallet %(sscc)s names a carton that is not in the shipment.") % {"sscc": pallet.sscc}, "unknown_carton"))
            elif position in placed and placed[position] != j:
                errors.append(_error(f"pallets[{j}].cartons", _("Carton %(carton)s is on two pallets.") % {"carton": data.cartons[position].sscc}, "carton_on_two_pallets"))
            else:
                placed[position] = j
    return errors


def _shipped_date_errors(data: ShipmentConfirmationInput) -> list[dict]:
    # The ship-from's zone is not known: a date is in the future once it is tomorrow everywhere (UTC+14).
    latest_today = (timezone.now().astimezone(datetime.timezone.utc) + datetime.timedelta(hours=14)).date()
    if data.ship_date and data.ship_date > latest_today:
        return [_error("ship_date", _("The shipped date %(date)s is in the future: confirm a shipment once it has left.") % {"date": data.ship_date}, "shipped_in_future")]
    return []


def _write_given_containers(shipment: Shipment, data: ShipmentConfirmationInput, actor: Actor) -> None:
    """Replace the shipment's cartons and pallets by the given ones, SSCCs exactly as given."""
    before = {"cartons": _carton_contents(shipment), "pallets": list(shipment.pallets.order_by("index").values_list("sscc", flat=True))}
    shipment.cartons.all().delete()
    shipment.pallets.all().delete()
    lines = {line.purchase_order_line_id: line.pk for line in shipment.lines.all()}
    cartons = Carton.objects.bulk_create(
        [Carton(shipment=shipment, index=i, sscc=carton.sscc.strip(), tracking_number=(carton.tracking_number or "").strip()) for i, carton in enumerate(data.cartons, start=1)]
    )
    items = []
    for carton, given in zip(cartons, data.cartons):
        contents: dict[int, int] = defaultdict(int)
        for item in given.items:
            contents[lines[item.purchase_order_line_id]] += item.quantity
        items += [CartonItem(carton=carton, shipment_line_id=line_id, quantity=quantity) for line_id, quantity in contents.items()]
    CartonItem.objects.bulk_create(items)
    pallets = Pallet.objects.bulk_create([Pallet(shipment=shipment, index=j, sscc=pallet.sscc.strip()) for j, pallet in enumerate(data.pallets, start=1)])
    for pallet, given in zip(pallets, data.pallets):
        for position in given.cartons:
            cartons[position].pallet = pallet
    if pallets:
        Carton.objects.bulk_update(cartons, ["pallet"])
    audit_record(
        actor=actor, action="shipment.cartonize", obj=shipment, before=before,
        after={
            "cartons": _carton_contents(shipment), "pallets": [pallet.sscc for pallet in pallets],
            "given_ssccs": [carton.sscc for carton in cartons] + [pallet.sscc for pallet in pallets],
        },
    )


def shipment_create_from_confirmation(*, scope, data: ShipmentConfirmationInput, actor: Actor) -> Shipment:
    """Record and submit an ASN that the vendor's system built, cartons and pallets with their own SSCCs.

    Original: the ship-plan rules apply (confirmed lines of one DC, never more than open to ship, not
    past the ship window) plus the ASN rules (cartons add up, BOL, tracking numbers) and every SSCC is
    checked; then it is submitted like a ship plan. Replace: the ASN with the same identifier is
    replaced before receiving starts; quantities may only go down, cartons and pallets are replaced.
    All or nothing: any error leaves everything as it was."""
    if scope is None or scope.vendor is None:
        raise ForbiddenError(_("Shipments are confirmed by a vendor."))
    if data.asn_type == AsnType.REPLACE:
        return _shipment_replace_from_confirmation(scope=scope, data=data, actor=actor)
    if data.asn_type != AsnType.ORIGINAL:
        raise DomainValidationError(_("An ASN is an original or a replacement."), field="asn_type")
    given_ssccs = [carton.sscc.strip() for carton in data.cartons] + [pallet.sscc.strip() for pallet in data.pallets]
    try:
        with transaction.atomic():
            errors = []
            try:
                warehouse, ship_from, po_lines, warnings = _check_plan(scope=scope, data=data, shipment=None)
            except DomainValidationError as error:  # reported together with the SSCC and container errors
                errors = list(error.errors)
            errors += _shipped_date_errors(data)
            errors += _given_sscc_errors(vendor=scope.vendor, data=data, own=set())
            errors += _given_container_errors(data)
            _raise_if(errors, _("The ASN has errors; nothing was saved."))
            shipment = Shipment.objects.create(
                vendor=scope.vendor, marketplace=warehouse.marketplace, ship_to=warehouse, ship_from=ship_from,
                shipment_identifier=data.shipment_identifier.strip(), created_by=actor.user, **_header_values(data),
            )
            for line in data.lines:
                _line_create(shipment, po_lines[line.purchase_order_line_id], line.quantity, actor)
            audit_record(actor=actor, action="shipment.create", obj=shipment, after={**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)})
            if data.cartons:
                _write_given_containers(shipment, data, actor)
                _sscc_counter_pass(scope.vendor, given_ssccs, actor)
            else:
                _cartonize(shipment, actor)
            _raise_if(_asn_errors(shipment), _("The ASN has errors; nothing was saved."))
            shipment = shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    except IntegrityError:
        raise DomainValidationError(
            _("Shipment %(id)s or one of its SSCCs already exists.") % {"id": data.shipment_identifier},
            errors=[_error("shipment_identifier", _("Shipment %(id)s or one of its SSCCs already exists.") % {"id": data.shipment_identifier}, "duplicate")],
        )
    shipment.warnings = warnings
    return shipment


REPLACEABLE_HEADER = ("carrier_scac", "carrier_name", "estimated_arrival", "bol_number", "pro_number", "ship_date")


def _shipment_replace_from_confirmation(*, scope, data: ShipmentConfirmationInput, actor: Actor) -> Shipment:
    identifier = (data.shipment_identifier or "").strip()
    with transaction.atomic():
        shipment = (
            Shipment.objects.visible_to(scope).select_for_update(of=("self",)).select_related("ship_to", "vendor")
            .filter(shipment_identifier=identifier).first()
        )
        if shipment is None:
            raise DomainValidationError(
                _("There is no ASN %(id)s to replace.") % {"id": identifier},
                errors=[_error("shipment_identifier", _("There is no ASN %(id)s to replace.") % {"id": identifier}, "replace_unknown")],
            )
        if not shipment.is_replaceable:
            raise InvalidTransitionError(
                _("ASN %(id)s cannot be replaced: it is %(state)s.") % {"id": identifier, "state": shipment.get_state_display().lower()},
                errors=[_error("shipment_identifier", _("ASN %(id)s cannot be replaced: it is %(state)s.") % {"id": identifier, "state": shipment.get_state_display().lower()}, "not_replaceable")],
            )
        errors = []
        if data.ship_to != shipment.ship_to.code:
            errors.append(_error("ship_to", _("A Replace ASN ships to the same DC (%(dc)s).") % {"dc": shipment.ship_to.code}, "replace_changes_dc"))
        if data.transport_mode != shipment.transport_mode:
            errors.append(_error("transport_mode", _("A Replace ASN keeps the transport mode (%(mode)s).") % {"mode": shipment.get_transport_mode_display()}, "replace_changes_mode"))
        existing = {line.purchase_order_line_id: line for line in shipment.lines.select_related("purchase_order_line__purchase_order")}
        wanted: dict[int, int] = {}
        for index, line in enumerate(data.lines):
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
            wanted[line.purchase_order_line_id] = line.quantity
        errors += _shipped_date_errors(data)
        own = set(shipment.cartons.values_list("sscc", flat=True)) | set(shipment.pallets.values_list("sscc", flat=True))
        errors += _given_sscc_errors(vendor=shipment.vendor, data=data, own=own)
        errors += _given_container_errors(data)
        _raise_if(errors, _("The Replace ASN has errors; nothing was changed."))
        before = {**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)}
        # A Replace ASN is the whole ASN again: a line it leaves out ships nothing now.
        changes = {line: wanted.get(po_line_id, 0) for po_line_id, line in existing.items() if wanted.get(po_line_id, 0) != line.quantity}
        if changes:
            purchase_order_lines_record_shipment(
                quantities={line.purchase_order_line_id: quantity - line.quantity for line, quantity in changes.items()}, actor=actor
            )
            for line, quantity in changes.items():
                _line_set_quantity(line, quantity, actor, shipment.vendor)
        header = _header_values(data)
        for name in REPLACEABLE_HEADER:
            setattr(shipment, name, header[name])
        shipment.asn_type = AsnType.REPLACE
        shipment.asn_revision += 1
        shipment.save()
        audit_record(actor=actor, action="shipment.replace", obj=shipment, before=before, after={**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)})
        _publish_asn(shipment, actor, previous_state=before["state"])
        if data.cartons:
            _write_given_containers(shipment, data, actor)
            _sscc_counter_pass(shipment.vendor, [c.sscc.strip() for c in data.cartons] + [p.sscc.strip() for p in data.pallets], actor)
        elif changes:
            _cartonize(shipment, actor)
        _raise_if(_asn_errors(shipment), _("The Replace ASN has errors; nothing was changed."))
    shipment.warnings = []
    return shipment
