"""Writes on the product catalogue: a product's case size and weight, the defaults ship plans estimate
their cartons' weights and dimensions from."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, ForbiddenError, NotFoundError, field_error
from vendor_portal.models import Product
from vendor_portal.services.audit import Actor, audit_record, snapshot

CASE_FIELDS = ["carton_length_cm", "carton_width_cm", "carton_height_cm", "carton_weight_kg"]
CASE_MAX = Decimal("99999")


def product_case_update(
    *,
    scope,
    product_id,
    length_cm: Decimal | None,
    width_cm: Decimal | None,
    height_cm: Decimal | None,
    weight_kg: Decimal | None,
    actor: Actor,
) -> Product:
    """A product's case: outside length, width and height in cm and gross weight in kg (each may be unknown;
    the three dimensions come together)."""
    if scope is None or scope.vendor is None:
        raise ForbiddenError(_("A product's case data is kept by its vendor."))
    values = {"carton_length_cm": length_cm, "carton_width_cm": width_cm, "carton_height_cm": height_cm, "carton_weight_kg": weight_kg}
    errors = [
        field_error(None, name, _("A weight or dimension is a positive number below %(max)s.") % {"max": CASE_MAX})
        for name, value in values.items()
        if value is not None and not 0 < value < CASE_MAX
    ]
    dimensions = [length_cm, width_cm, height_cm]
    if any(value is not None for value in dimensions) and any(value is None for value in dimensions):
        errors.append(field_error(None, "carton_length_cm", _("Give length, width and height together."), "dimensions_incomplete"))
    if errors:
        raise DomainValidationError(_("The case data has errors; nothing was saved."), errors=errors)
    with transaction.atomic():
        product = Product.objects.for_vendor(scope.vendor).select_for_update().filter(pk=product_id).first()
        if product is None:
            raise NotFoundError(_("Product not found."))
        before = snapshot(product, CASE_FIELDS)
        for name, value in values.items():
            setattr(product, name, value.quantize(Decimal("0.001") if name == "carton_weight_kg" else Decimal("0.01")) if value is not None else None)
        product.save(update_fields=CASE_FIELDS)
        audit_record(actor=actor, action="product.case_update", obj=product, before=before, after=snapshot(product, CASE_FIELDS))
    return product
