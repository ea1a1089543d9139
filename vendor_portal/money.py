"""Money: Decimal amounts beside a `currency`, rounded to the cent in one way.

The rounding is ROUND_HALF_UP (a half cent goes away from zero: 0.005 → 0.01, -0.005 → -0.01), the
commercial rounding invoices, remittance advices and tax amounts are written in, and the one a vendor's
ERP or spreadsheet uses when it shows two decimals. Python's Decimal default (half-even, "banker's"
rounding: 0.005 → 0.00) would leave a vendor's own totals a cent off ours, so nothing rounds money to
cents but `round_money`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_money(value) -> Decimal:
    """`value` (a Decimal, int or numeric string) to the cent, halves up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


EACH_PLACES = Decimal("0.000001")


def per_each(amount: Decimal | None, eaches: int) -> Decimal | None:
    """A price per case (or any pack) as the price of one each, as Amazon's `netCost` and X12's PE basis state it.

    Exact when the division ends within 6 decimals (shown with at least 2), else rounded halves up to 6: a case
    of 12 at 25.00 is 2.083333 an each, which times 12 times a realistic number of cases still rounds to the
    case price's total.
    """
    if amount is None:
        return None
    if eaches <= 1:
        return amount
    value = Decimal(amount) / eaches
    exact = value.quantize(EACH_PLACES, rounding=ROUND_HALF_UP)
    if exact == exact.quantize(CENT):
        return exact.quantize(CENT)
    return exact.normalize()
