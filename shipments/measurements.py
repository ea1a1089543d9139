"""Weights and dimensions of cartons and pallets, and quantities in a PO line's unit. Pure: no queries.

A carton or pallet stores what was measured (or what the vendor's system sent) with its unit: weight in
kg or lb, dimensions in cm or in. A draft that nobody measured gets estimates: a carton from its products'
case weight and size in the catalogue (kg and cm), a pallet from the weight of its cartons. Submitting the
ASN stores the estimates, so what the ASN carried never changes with the catalogue afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vendor_portal.units import CM, IN, KG, LB, length_in, plain, weight_in

__all__ = ["CM", "IN", "KG", "LB", "length_in", "plain", "weight_in"]  # the units and their conversions, from the core

# The countries that weigh in pounds and measure in inches; everyone else gets kg and cm.
IMPERIAL_COUNTRIES = {"US", "LR", "MM"}


def default_units(country_code: str) -> tuple[str, str]:
    """(weight unit, dimension unit) a ship plan starts with for a DC in this country."""
    return (LB, IN) if (country_code or "").upper() in IMPERIAL_COUNTRIES else (KG, CM)


@dataclass(frozen=True)
class Measurements:
    """A carton's or pallet's gross weight and outside dimensions, each part possibly unknown. `estimated`
    says the values come from the catalogue (or the cartons), not from a scale or tape measure."""

    weight: Decimal | None = None
    weight_unit: str = KG
    length: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    dimension_unit: str = CM
    estimated: bool = False

    @property
    def has_dimensions(self) -> bool:
        return self.length is not None and self.width is not None and self.height is not None

    @property
    def is_empty(self) -> bool:
        return self.weight is None and self.length is None and self.width is None and self.height is None

    def in_units(self, weight_unit: str, dimension_unit: str) -> Measurements:
        return replace(
            self,
            weight=weight_in(self.weight, self.weight_unit, weight_unit),
            weight_unit=weight_unit,
            length=length_in(self.length, self.dimension_unit, dimension_unit),
            width=length_in(self.width, self.dimension_unit, dimension_unit),
            height=length_in(self.height, self.dimension_unit, dimension_unit),
            dimension_unit=dimension_unit,
        )

    def or_else(self, fallback: Measurements) -> Measurements:
        """Stored values win; an unknown weight or unknown dimensions take the fallback's (an estimate)."""
        out = self
        if self.weight is None and fallback.weight is not None:
            out = replace(out, weight=fallback.weight, weight_unit=fallback.weight_unit, estimated=True)
        if not self.has_dimensions and fallback.has_dimensions:
            out = replace(
                out, length=fallback.length, width=fallback.width, height=fallback.height, dimension_unit=fallback.dimension_unit, estimated=True
            )
        return out

    @property
    def weight_text(self) -> str:
        return f"{plain(self.weight)} {self.weight_unit}" if self.weight is not None else ""

    @property
    def dimensions_text(self) -> str:
        if not self.has_dimensions:
            return ""
        return f"{plain(self.length)} × {plain(self.width)} × {plain(self.height)} {self.dimension_unit}"


def stored(container) -> Measurements:
    """What a Carton or Pallet row holds."""
    return Measurements(
        weight=container.weight,
        weight_unit=container.weight_unit or KG,
        length=container.length,
        width=container.width,
        height=container.height,
        dimension_unit=container.dimension_unit or CM,
    )


@dataclass(frozen=True)
class CaseData:
    """One item of a carton as the estimate needs it: its eaches and its product's case in the catalogue."""

    eaches: int
    case_pack: int
    case_weight_kg: Decimal | None
    case_length_cm: Decimal | None
    case_width_cm: Decimal | None
    case_height_cm: Decimal | None


def carton_estimate(items: list[CaseData], *, weight_unit: str, dimension_unit: str) -> Measurements:
    """A carton's weight from its items' share of their case weight (a full case weighs the case weight),
    its size that of the case of its largest item. Unknown when a product has no case data."""
    weight = None
    if items and all(item.case_weight_kg is not None for item in items):
        weight = sum((Decimal(item.case_weight_kg) * item.eaches / max(1, item.case_pack) for item in items), Decimal(0))
    sized = [item for item in items if None not in (item.case_length_cm, item.case_width_cm, item.case_height_cm)]
    largest = max(sized, key=lambda item: item.eaches, default=None)
    estimate = Measurements(
        weight=weight,
        weight_unit=KG,
        length=largest.case_length_cm if largest else None,
        width=largest.case_width_cm if largest else None,
        height=largest.case_height_cm if largest else None,
        dimension_unit=CM,
        estimated=True,
    )
    return estimate.in_units(weight_unit, dimension_unit)


def total_weight(parts: list[Measurements], unit: str) -> Decimal | None:
    """The sum of the parts' weights in `unit`; unknown when any part's weight is unknown."""
    if not parts or any(part.weight is None for part in parts):
        return None
    return sum((weight_in(part.weight, part.weight_unit, unit) for part in parts), Decimal(0))


def total_volume_m3(parts: list[Measurements]) -> Decimal | None:
    """The sum of the parts' outside volumes in cubic metres; unknown when any part lacks dimensions."""
    if not parts or not all(part.has_dimensions for part in parts):
        return None
    total = Decimal(0)
    for part in parts:
        cm = part.in_units(part.weight_unit, CM)
        total += cm.length * cm.width * cm.height / Decimal(1_000_000)
    return total.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


# Quantities in a PO line's unit ----------------------------------------------------------------------
def quantity_text(quantity: int, *, cases: bool, unit_size: int) -> str:
    """A quantity in its line's unit, with the eaches it makes when the line counts cases:
    "24 eaches", "13 cases of 12 (156 eaches)"."""
    if cases:
        return ngettext("%(n)s case of %(size)s (%(eaches)s eaches)", "%(n)s cases of %(size)s (%(eaches)s eaches)", quantity) % {
            "n": quantity,
            "size": unit_size,
            "eaches": quantity * unit_size,
        }
    return ngettext("%(n)s each", "%(n)s eaches", quantity) % {"n": quantity}


def unit_text(*, cases: bool, unit_size: int) -> str:
    """The unit a line counts in: "eaches" or "cases of 12"."""
    return _("cases of %(size)s") % {"size": unit_size} if cases else _("eaches")
