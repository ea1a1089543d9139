"""The weights and dimensions of a plan's cartons and pallets as measured: checked, stored with their unit
(one audit row on the shipment per save), cleared when a carton's contents or a pallet's cartons change (they
must be weighed again), converted when the plan's units change. Estimates are read, never stored, until the
ASN is submitted (asn._measurements_fill)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal.errors import FieldError, InvalidTransitionError, field_error
from vendor_portal.services.audit import Actor, audit_record

from .. import measurements
from ..measurements import Measurements
from ..models import Carton, DimensionUnit, Measured, Pallet, Shipment, WeightUnit
from ._common import _raise_if, _shipment_for_update
from .labels import _labels_outdate

MEASUREMENT_MAX = Decimal("99999")  # a sanity bound: no carton or pallet weighs or measures more


def _measurements_clear(containers: list[Measured], model) -> None:
    changed = [container for container in containers if not measurements.stored(container).is_empty]
    for container in changed:
        for name in Measured.MEASUREMENT_FIELDS:
            setattr(container, name, None if name in ("weight", "length", "width", "height") else "")
    if changed:
        model.objects.bulk_update(changed, Measured.MEASUREMENT_FIELDS)


def _measurements_write(container: Measured, given: Measurements) -> None:
    container.weight = given.weight
    container.weight_unit = given.weight_unit if given.weight is not None else ""
    container.length, container.width, container.height = given.length, given.width, given.height
    container.dimension_unit = given.dimension_unit if not (given.length is None and given.width is None and given.height is None) else ""


def _containers_in_units(shipment: Shipment) -> None:
    """Keep a plan's measured cartons and pallets in the plan's units after its units change."""
    for model in (Carton, Pallet):
        rows = [row for row in model.objects.filter(shipment=shipment) if not measurements.stored(row).is_empty]
        for row in rows:
            _measurements_write(row, measurements.stored(row).in_units(shipment.weight_unit, shipment.dimension_unit))
        model.objects.bulk_update(rows, Measured.MEASUREMENT_FIELDS)


def measurement_errors(ref, given: Measurements) -> list[FieldError]:
    """Weights and dimensions are positive and believable; the three dimensions come together."""
    errors = []
    for name in ("weight", "length", "width", "height"):
        value = getattr(given, name)
        if value is not None and not (0 < value < MEASUREMENT_MAX):
            errors.append(field_error(ref, name, _("A weight or dimension is a positive number below %(max)s.") % {"max": MEASUREMENT_MAX}))
    dimensions = [given.length, given.width, given.height]
    if any(value is not None for value in dimensions) and any(value is None for value in dimensions):
        errors.append(field_error(ref, "length", _("Give length, width and height together."), "dimensions_incomplete"))
    if given.weight is not None and given.weight_unit not in WeightUnit.values:
        errors.append(field_error(ref, "weight_unit", _("Weigh in kg or lb.")))
    if given.length is not None and given.dimension_unit not in DimensionUnit.values:
        errors.append(field_error(ref, "dimension_unit", _("Measure in cm or in.")))
    return errors


def _containers_measure(shipment: Shipment, model, given: dict[int, Measurements], actor: Actor) -> bool:
    """Store the measurements given by container index (an empty one goes back to the estimate); True when
    any changed. One audit row on the shipment records them all."""
    rows = {row.index: row for row in model.objects.filter(shipment=shipment, index__in=list(given))}
    before, after, changed = {}, {}, []
    for index, values in given.items():
        row = rows.get(index)
        if row is None:
            continue
        was = measurements.stored(row)
        _measurements_write(row, values)
        now = measurements.stored(row)
        if now != was:
            changed.append(row)
            before[index], after[index] = _measurements_snapshot(was), _measurements_snapshot(now)
    if changed:
        model.objects.bulk_update(changed, Measured.MEASUREMENT_FIELDS)
        kind = "cartons" if model is Carton else "pallets"
        audit_record(actor=actor, action="shipment.measure", obj=shipment, before={kind: before}, after={kind: after})
    return bool(changed)


def _measurements_snapshot(values: Measurements) -> dict:
    return {"weight": values.weight_text, "dimensions": values.dimensions_text}


def _measure_errors(shipment: Shipment, cartons: dict[int, Measurements], pallets: dict[int, Measurements]) -> list[FieldError]:
    """Each carton's and pallet's measurements (by index) believable, for a carton or pallet the plan has."""
    errors = []
    for model, given, kind in ((Carton, cartons, "cartons"), (Pallet, pallets, "pallets")):
        known = set(model.objects.filter(shipment=shipment, index__in=list(given)).values_list("index", flat=True)) if given else set()
        for index, values in given.items():
            if index not in known:
                message = _("There is no carton %(n)s.") if model is Carton else _("There is no pallet %(n)s.")
                errors.append(field_error(f"{kind}[{index}]", "index", message % {"n": index}, "not_found"))
            else:
                errors += measurement_errors(f"{kind}[{index}]", values)
    return errors


def _measure(shipment: Shipment, cartons: dict[int, Measurements], pallets: dict[int, Measurements], actor: Actor) -> bool:
    """Store checked measurements; labels printed with the old weights are outdated. True when any changed."""
    measured = _containers_measure(shipment, Carton, cartons, actor)
    measured |= _containers_measure(shipment, Pallet, pallets, actor)
    if measured:
        _labels_outdate(shipment, actor)
    return measured


def shipment_measure(
    *, scope, shipment_id, cartons: dict[int, Measurements] | None = None, pallets: dict[int, Measurements] | None = None, actor: Actor
) -> Shipment:
    """The weights and dimensions of a draft's cartons and pallets by index, as weighed and measured; an
    empty one goes back to its estimate. All or nothing."""
    cartons, pallets = cartons or {}, pallets or {}
    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if not shipment.is_editable:
            raise InvalidTransitionError(_("Only a draft ship plan's cartons and pallets can be measured; use a Replace ASN after submission."))
        _raise_if(_measure_errors(shipment, cartons, pallets), _("The measurements have errors; nothing was saved."))
        _measure(shipment, cartons, pallets, actor)
    return shipment
