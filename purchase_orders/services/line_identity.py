"""Which PO line a door means and in what unit it counts, checked once against the PO line.

The screens and the portal API name a line by its sequence and count in the line's own unit. The Amazon
door and EDI also say which product they mean (ASIN, vendor SKU, GTIN) and may count in another unit
(Cases of some size, or Eaches). They pass what they were given; the services (confirmations, ship plans
and ASNs) check it here against the locked PO line, so no door carries its own copy of the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from vendor_portal.errors import FieldError, field_error

from ..models import UnitOfMeasure


@dataclass(frozen=True)
class GivenQuantity:
    """A quantity as a door was given it: `amount` of `unit_of_measure` (Eaches, or Cases of `unit_size`
    eaches); an empty unit is the PO line's own. `ref` is where the door was given it (for its errors)."""

    amount: int | None
    unit_of_measure: str = ""
    unit_size: int | None = None
    ref: object = None


@dataclass(kw_only=True)
class NamedProduct:
    """The product identifiers a door was given for a line (empty: not given). Each one given must be the
    line's own product."""

    asin: str = ""
    vendor_sku: str = ""
    gtin: str = ""

    @property
    def names_product(self) -> bool:
        return bool(self.asin or self.vendor_sku or self.gtin)


def _gtin_of(line) -> str:
    product = getattr(line, "product", None)
    return product.gtin if product is not None else ""


def _given_identifiers(item: NamedProduct, line) -> list[tuple[str, str, bool]]:
    """(field, value given, whether it is the line's product) for each identifier given."""
    out = []
    if item.asin:
        out.append(("asin", item.asin, item.asin.strip().upper() == (line.asin or "").upper()))
    if item.vendor_sku:
        out.append(("vendor_sku", item.vendor_sku, item.vendor_sku.strip() == line.vendor_sku))
    if item.gtin:
        gtin = _gtin_of(line)
        out.append(("gtin", item.gtin, bool(gtin) and item.gtin.strip().zfill(14) == gtin.zfill(14)))
    return out


def product_errors(ref, item: NamedProduct, line) -> list[FieldError]:
    """Each identifier given that names another product than the line's, at its own field."""
    return [
        field_error(
            ref,
            name,
            _("Line %(n)s orders ASIN %(asin)s, SKU %(sku)s: %(value)s is another product.")
            % {"n": line.sequence, "asin": line.asin, "sku": line.vendor_sku, "value": value},
            "product_identifier_mismatch",
        )
        for name, value, same in _given_identifiers(item, line)
        if not same
    ]


def line_named(ref, item: NamedProduct, *, sequence, lines: list, po_number: str) -> tuple[object | None, list[FieldError]]:
    """The line of `lines` (one PO's, in sequence order) that `sequence` or, without one, the product
    identifiers name, and the problems. With a sequence, each identifier given must be that line's product
    (the line is returned with the problems, so the caller knows which line was answered badly); without,
    the identifiers must name exactly one line."""
    if sequence is not None:
        line = next((line for line in lines if line.sequence == sequence), None)
        if line is None:
            return None, [field_error(ref, "sequence", _("PO %(number)s has no line %(n)s.") % {"number": po_number, "n": sequence})]
        return line, product_errors(ref, item, line)
    if not item.names_product:
        return None, [
            field_error(ref, "sequence", _("Name the line by its sequence on the PO, or by its ASIN, vendor SKU or GTIN."), "item_not_identified")
        ]
    matches = [line for line in lines if all(same for _name, _value, same in _given_identifiers(item, line))]
    if len(matches) == 1:
        return matches[0], []
    first = next(name for name in ("asin", "vendor_sku", "gtin") if getattr(item, name))
    if not matches:
        return None, [
            field_error(ref, first, _("No line of PO %(number)s orders this product.") % {"number": po_number}, "product_identifier_mismatch")
        ]
    return None, [
        field_error(
            ref,
            "sequence",
            _("Several lines of PO %(number)s order this product: give the line's sequence.") % {"number": po_number},
            "item_ambiguous",
        )
    ]


def in_line_units(quantity: GivenQuantity, line) -> tuple[int | None, FieldError | None]:
    """The quantity in the line's own unit, or why it cannot be: a unit of unknown size, or not a whole
    number of the line's unit (6 eaches of a line ordered in cases of 4)."""
    amount, unit, size = quantity.amount, quantity.unit_of_measure or line.unit_of_measure, quantity.unit_size
    if amount is None:
        return None, field_error(quantity.ref, "quantity", _("Line %(n)s: give the quantity.") % {"n": line.sequence}, "required")
    if unit == line.unit_of_measure and (unit == UnitOfMeasure.EACHES or size in (None, line.unit_size)):
        return amount, None
    if unit == UnitOfMeasure.CASES and size is None and line.unit_of_measure == UnitOfMeasure.CASES:
        size = line.unit_size
    if unit not in UnitOfMeasure.values or (unit == UnitOfMeasure.CASES and not size):
        return None, field_error(
            quantity.ref,
            "unit_of_measure",
            _("Line %(n)s is ordered in %(unit)s: give quantities in %(unit)s, or in cases with their size.")
            % {"n": line.sequence, "unit": line.unit_of_measure},
            "unit_mismatch",
        )
    eaches = amount * (size if unit == UnitOfMeasure.CASES else 1)
    if eaches % line.eaches_per_unit:
        return None, field_error(
            quantity.ref,
            "quantity",
            _("Line %(n)s: the quantity must be a whole number of the line's unit (%(unit)s of %(size)s).")
            % {"n": line.sequence, "unit": line.unit_of_measure, "size": line.unit_size},
            "quantity_unit",
        )
    return eaches // line.eaches_per_unit, None
