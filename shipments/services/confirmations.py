"""Shipments the vendor's own system confirmed (Amazon-compatible door, EDI 856): an ASN created and
submitted, or replaced, as a whole. Such a shipment arrives with its cartons and pallets already labelled:
the portal stores the SSCCs as given, after checking each one, and never allocates its own for them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, FieldError, ForbiddenError, field_error, with_refs
from vendor_portal.services.audit import Actor, audit_record

from .. import measurements
from ..measurements import Measurements
from ..models import AsnType, Shipment
from ._common import _header_snapshot, _lines_snapshot, _raise_if
from .asn import _asn_errors, shipment_replace, shipment_submit
from .containers import (
    ConfirmedCarton,
    ConfirmedPallet,
    given_container_errors,
    given_sscc_errors,
    given_ssccs,
    named_cartons,
    write_given_containers,
)
from .plans import ShipPlanInput, _cartonize, _check_plan, _header_values, _line_create, _named_lines
from .sscc import _sscc_counter_pass
from .weights import measurement_errors

__all__ = ["ConfirmedCarton", "ConfirmedPallet", "ShipmentConfirmationInput", "shipment_create_from_confirmation"]


@dataclass
class ShipmentConfirmationInput(ShipPlanInput):
    """A shipment as the vendor's system shipped it: each PO line's total in `lines`, and the cartons and
    pallets with the SSCCs printed on them. Without cartons the portal cartonizes and allocates SSCCs."""

    cartons: list[ConfirmedCarton] = field(default_factory=list)
    pallets: list[ConfirmedPallet] = field(default_factory=list)
    asn_type: str = AsnType.ORIGINAL
    gross_weight: Measurements | None = None  # the shipment's, when given (its weight only)


def _shipped_date_errors(data: ShipmentConfirmationInput) -> list[FieldError]:
    # The ship-from's zone is not known: a date is in the future once it is tomorrow everywhere (UTC+14).
    latest_today = (timezone.now().astimezone(datetime.UTC) + datetime.timedelta(hours=14)).date()
    if data.ship_date and data.ship_date > latest_today:
        return [
            field_error(
                None,
                "ship_date",
                _("The shipped date %(date)s is in the future: confirm a shipment once it has left.") % {"date": data.ship_date},
                "shipped_in_future",
            )
        ]
    return []


def _gross_weight_errors(data: ShipmentConfirmationInput) -> list[FieldError]:
    if data.gross_weight is None:
        return []
    return [field_error(None, "gross_weight", error.message, error.code) for error in measurement_errors(None, data.gross_weight)]


def shipment_create_from_confirmation(*, scope, data: ShipmentConfirmationInput, actor: Actor) -> Shipment:
    """Record and submit an ASN that the vendor's system built, cartons and pallets with their own SSCCs.

    Original: the ship-plan rules apply (confirmed lines of one DC, never more than open to ship, not
    past the ship window) plus the ASN rules (cartons add up, BOL, tracking numbers) and every SSCC is
    checked; then it is submitted like a ship plan. Replace: the ASN with the same identifier goes through
    `shipment_replace`, the Replace ASN of every door. All or nothing: any error leaves everything as it was."""
    if scope is None or scope.vendor is None:
        raise ForbiddenError(_("Shipments are confirmed by a vendor."))
    if data.asn_type == AsnType.REPLACE:
        return _replace_from_confirmation(scope=scope, data=data, actor=actor)
    if data.asn_type != AsnType.ORIGINAL:
        raise DomainValidationError(_("An ASN is an original or a replacement."), field="asn_type")
    try:
        with transaction.atomic():
            lines, errors = _named_lines(scope, with_refs(data.lines, "lines"))
            # The cartons name the same lines again: their problems would only repeat the lines'.
            cartons, carton_errors = named_cartons(scope, data.cartons) if not errors else (data.cartons, [])
            errors += carton_errors
            if not errors:
                try:
                    warehouse, ship_from, po_lines, warnings, lines = _check_plan(scope=scope, data=replace(data, lines=lines), shipment=None)
                except DomainValidationError as error:  # reported together with the SSCC and container errors
                    errors = list(error.errors)
                errors += given_container_errors(lines=lines, cartons=cartons, pallets=data.pallets, transport_mode=data.transport_mode)
            errors += _shipped_date_errors(data)
            errors += _gross_weight_errors(data)
            errors += given_sscc_errors(vendor=scope.vendor, cartons=data.cartons, pallets=data.pallets, own=set())
            _raise_if(errors, _("The ASN has errors; nothing was saved."))
            shipment = Shipment.objects.create(
                vendor=scope.vendor,
                marketplace=warehouse.marketplace,
                ship_to=warehouse,
                ship_from=ship_from,
                shipment_identifier=data.shipment_identifier.strip(),
                created_by=actor.user,
                **_header_values(data, units=measurements.default_units(warehouse.marketplace.country_code)),
            )
            if data.gross_weight is not None and data.gross_weight.weight is not None:
                shipment.gross_weight, shipment.weight_unit = data.gross_weight.weight, data.gross_weight.weight_unit
                shipment.save(update_fields=["gross_weight", "weight_unit"])
            for line in lines:
                _line_create(shipment, po_lines[line.purchase_order_line_id], line.quantity, actor)
            audit_record(
                actor=actor, action="shipment.create", obj=shipment, after={**_header_snapshot(shipment), "lines": _lines_snapshot(shipment)}
            )
            if cartons:
                write_given_containers(shipment, cartons, data.pallets, actor)
                _sscc_counter_pass(scope.vendor, given_ssccs(cartons, data.pallets), actor)
            else:
                _cartonize(shipment, actor)
            _raise_if(_asn_errors(shipment), _("The ASN has errors; nothing was saved."))
            # Cartons the vendor's system packed carry what it measured, nothing the portal estimates.
            shipment = shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor, fill_measurements=not cartons)
    except IntegrityError:
        raise DomainValidationError(
            _("Shipment %(id)s or one of its SSCCs already exists.") % {"id": data.shipment_identifier},
            errors=[
                field_error(
                    None,
                    "shipment_identifier",
                    _("Shipment %(id)s or one of its SSCCs already exists.") % {"id": data.shipment_identifier},
                    "duplicate",
                )
            ],
        ) from None
    shipment.warnings = warnings
    return shipment


# A confirmation is the whole ASN again: every header field it carries replaces the ASN's.
REPLACEABLE_HEADER = ("carrier_scac", "carrier_name", "estimated_arrival", "bol_number", "pro_number", "ship_date")


def _replace_from_confirmation(*, scope, data: ShipmentConfirmationInput, actor: Actor) -> Shipment:
    identifier = (data.shipment_identifier or "").strip()
    shipment_id = Shipment.objects.visible_to(scope).filter(shipment_identifier=identifier).values_list("pk", flat=True).first()
    if shipment_id is None:
        raise DomainValidationError(
            _("There is no ASN %(id)s to replace.") % {"id": identifier},
            errors=[field_error(None, "shipment_identifier", _("There is no ASN %(id)s to replace.") % {"id": identifier}, "replace_unknown")],
        )
    _raise_if(_shipped_date_errors(data), _("The Replace ASN has errors; nothing was changed."))
    header = _header_values(data, units=("", ""))
    shipment = shipment_replace(
        scope=scope,
        shipment_id=shipment_id,
        lines=data.lines,
        actor=actor,
        given_cartons=data.cartons if data.cartons or data.pallets else None,
        given_pallets=data.pallets,
        ship_to=data.ship_to,
        transport_mode=data.transport_mode,
        gross_weight=data.gross_weight,
        **{name: header[name] for name in REPLACEABLE_HEADER},
    )
    shipment.warnings = []
    return shipment
