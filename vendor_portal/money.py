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
