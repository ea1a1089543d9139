"""Units of weight and length, and the one place they are converted and rounded (products' case data,
cartons and pallets). Exact factors; weights round to 3 decimals, lengths to 2, half up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

KG = "kg"
LB = "lb"
CM = "cm"
IN = "in"
KG_PER_LB = Decimal("0.45359237")  # exact, by definition
CM_PER_IN = Decimal("2.54")  # exact, by definition
WEIGHT_STEP = Decimal("0.001")
LENGTH_STEP = Decimal("0.01")


def weight_in(value: Decimal | None, unit: str, wanted: str) -> Decimal | None:
    if value is None:
        return None
    value = Decimal(value)
    if unit != wanted:
        value = value * KG_PER_LB if wanted == KG else value / KG_PER_LB
    return value.quantize(WEIGHT_STEP, rounding=ROUND_HALF_UP)


def length_in(value: Decimal | None, unit: str, wanted: str) -> Decimal | None:
    if value is None:
        return None
    value = Decimal(value)
    if unit != wanted:
        value = value * CM_PER_IN if wanted == CM else value / CM_PER_IN
    return value.quantize(LENGTH_STEP, rounding=ROUND_HALF_UP)


def plain(value: Decimal | None) -> str:
    """A measurement as people and documents write it: 7.2, not 7.200; "" when unknown."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")
