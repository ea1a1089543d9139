"""What forecasts and promotions share: the buyer check, products named by SKU or ASIN, amounts."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from vendor_portal.errors import FieldError, ForbiddenError, field_error
from vendor_portal.models import Product
from vendor_portal.roles import Action, Role

PLANNERS = [Role.BUYER, Role.RETAILER_ADMIN]


def _require_planner(scope) -> None:
    if scope is None or not scope.is_retailer or not scope.can(Action.MANAGE_PLANNING):
        raise ForbiddenError(_("Only the retailer's buyers publish forecasts and run promotions."))


# Products named by SKU or ASIN ---------------------------------------------------------------------
def _catalogue(vendor, items) -> dict:
    """The vendor's products named by the items (each with vendor_sku and/or asin), by ("sku", x) and ("asin", x)."""
    skus = {item.vendor_sku for item in items if item.vendor_sku}
    asins = {item.asin.upper() for item in items if item.asin}
    products = {}
    if skus or asins:
        for product in Product.objects.filter(vendor=vendor).filter(Q(vendor_sku__in=skus) | Q(asin__in=asins)):
            products[("sku", product.vendor_sku)] = product
            products[("asin", product.asin)] = product
    return products


def _resolve_product(products: dict, item, ref, vendor, errors: list):
    if not item.vendor_sku and not item.asin:
        errors.append(field_error(ref, "vendor_sku", _("Give the vendor SKU or the ASIN."), "required"))
        return None
    by_sku = products.get(("sku", item.vendor_sku)) if item.vendor_sku else None
    by_asin = products.get(("asin", item.asin.upper())) if item.asin else None
    if item.vendor_sku and by_sku is None:
        errors.append(
            field_error(
                ref,
                "vendor_sku",
                _("No product %(id)s in %(vendor)s's catalogue.") % {"id": item.vendor_sku, "vendor": vendor.code},
                "unknown_product",
            )
        )
        return None
    if item.asin and by_asin is None:
        errors.append(
            field_error(ref, "asin", _("No product %(id)s in %(vendor)s's catalogue.") % {"id": item.asin, "vendor": vendor.code}, "unknown_product")
        )
        return None
    if by_sku is not None and by_asin is not None and by_sku.pk != by_asin.pk:
        errors.append(
            field_error(
                ref, "asin", _("ASIN %(asin)s is not the product of SKU %(sku)s.") % {"asin": item.asin, "sku": item.vendor_sku}, "product_mismatch"
            )
        )
        return None
    return by_sku or by_asin


def _amount_errors(value, ref, name: str, *, maximum: Decimal, label: str) -> list[FieldError]:
    if value is None:
        return [field_error(ref, name, _("%(label)s is required.") % {"label": label}, "required")]
    if not isinstance(value, Decimal) or not value.is_finite():
        return [field_error(ref, name, _("%(label)s must be a number.") % {"label": label})]
    if value < 0:
        return [field_error(ref, name, _("%(label)s cannot be negative.") % {"label": label}, "min_value")]
    if value > maximum:
        return [field_error(ref, name, _("%(label)s is at most %(max)s.") % {"label": label, "max": maximum}, "max_value")]
    if value.as_tuple().exponent < -2:
        return [field_error(ref, name, _("%(label)s has more than 2 decimal places.") % {"label": label}, "max_decimal_places")]
    return []
