"""Filters of the invoice document: addresses as printed lines, amounts with a true minus and never "−0.00"."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()

# Where the postal code goes after the city ("Seattle, WA 98109"); elsewhere it comes first ("80807 München").
CITY_FIRST = {"US", "CA"}


@register.filter
def address_lines(address) -> list[str]:
    """An address in Amazon's shape as the lines printed on a letter, in order: name, street lines, the
    city line, the country. A JSON column keeps no key order, so the order is this function's."""
    if not address:
        return []
    get = lambda key: str(address.get(key) or "").strip()  # noqa: E731
    country = get("countryCode")
    city, region, postal = get("city"), get("stateOrRegion"), get("postalOrZipCode")
    if country in CITY_FIRST:
        city_line = ", ".join(part for part in (city, " ".join(p for p in (region, postal) if p)) if part)
    else:
        city_line = " ".join(part for part in (postal, city) if part)
        if region and country not in ("DE", "FR", "GB"):
            city_line = ", ".join(part for part in (city_line, region) if part)
    lines = []
    for line in (get("name"), get("addressLine1"), get("addressLine2"), get("addressLine3"), city_line, country):
        if line and (not lines or lines[-1] != line):  # a party known by name only repeats it as its first line
            lines.append(line)
    return lines


@register.filter
def amount(value, sign: str = "") -> str:
    """Two decimals with the locale's separators; `sign="-"` prints the amount taken off (an allowance).
    Zero is "0.00" whatever its sign, and a negative has a real minus sign (U+2212)."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if sign == "-":
        number = -number
    if number == 0:
        number = Decimal("0.00")
    text = number_format(abs(number), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"\u2212{text}" if number < 0 else text
