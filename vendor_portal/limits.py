"""The bounds every door holds input to, so a value no column can store or no date arithmetic survives is a
field error (a 400, a form error) and never a 500 from PostgreSQL or Python.

Quantities: nine digits at most. PostgreSQL's `integer` ends at 2,147,483,647; a few such quantities summed on
a PO line (shipped, received, invoiced) still fit. Dates: documents dated 2000 to 2099; a due date 90 days or
a month end later (or 9999-12-31 plus anything, an OverflowError) is always computable.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

MAX_QUANTITY = 999_999_999
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)

QUANTITY_TOO_LARGE = _("Give a number of at most %(n)s.")
DATE_OUT_OF_RANGE = _("Give a date between %(earliest)s and %(latest)s.")
AMOUNT_TOO_LARGE = _("Give an amount below %(limit)s.")


def quantity_problem(value: int) -> str | None:
    if value > MAX_QUANTITY:
        return str(QUANTITY_TOO_LARGE % {"n": f"{MAX_QUANTITY:,}"})
    return None


def date_problem(value: datetime.date) -> str | None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        return str(DATE_OUT_OF_RANGE % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()})
    return None


def amount_limit(max_digits: int, decimal_places: int) -> Decimal:
    """The first amount a DecimalField(max_digits, decimal_places) can no longer store."""
    return Decimal(10) ** (max_digits - decimal_places)


def amount_problem(value: Decimal, max_digits: int, decimal_places: int) -> str | None:
    """A finite amount too large (either sign) for the column; NaN and infinities are the caller's to refuse."""
    limit = amount_limit(max_digits, decimal_places)
    if value.is_finite() and abs(value) >= limit:
        return str(AMOUNT_TOO_LARGE % {"limit": f"{limit:,}"})
    return None


def quantity_validators(minimum: int = 0) -> list:
    """For model and form fields: the same bound as the API's."""
    return [MinValueValidator(minimum), MaxValueValidator(MAX_QUANTITY)]


def date_validators() -> list:
    return [MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)]
