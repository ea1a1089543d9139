"""Query parameters of the Amazon-compatible operations, parsed strictly: anything malformed is a 400
naming the parameter (InvalidInput), never silently ignored."""

from __future__ import annotations

import datetime
import re
from datetime import UTC

from django.core import signing
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, FieldError, field_error

SORT_ORDERS = ("ASC", "DESC")
# A "+02:00" offset sent unencoded in a query string arrives as " 02:00".
_UNENCODED_OFFSET = re.compile(r"T(\S+) (\d{2}:?\d{2})$")


class QueryParams:
    """Collects every problem with the query, then raises them together."""

    def __init__(self, query):
        self.query = query
        self.errors: list[FieldError] = []

    def _raw(self, name: str) -> str | None:
        value = self.query.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def add_error(self, name: str, message: str) -> None:
        self.errors.append(field_error(None, name, message))

    def text(self, name: str) -> str | None:
        return self._raw(name)

    def limit(self, *, default: int = 100, minimum: int = 1, maximum: int = 100) -> int:
        raw = self._raw("limit")
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.add_error("limit", _("limit must be a whole number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum})
            return default
        if not minimum <= value <= maximum:
            self.add_error(
                "limit", _("limit must be from %(min)s to %(max)s; %(value)s was given.") % {"min": minimum, "max": maximum, "value": value}
            )
            return default
        return value

    def datetime(self, name: str) -> datetime.datetime | None:
        raw = self._raw(name)
        if raw is None:
            return None
        raw = _UNENCODED_OFFSET.sub(r"T\1+\2", raw)
        try:
            value = parse_datetime(raw)
            if value is None:
                day = parse_date(raw)
                value = datetime.datetime.combine(day, datetime.time.min) if day else None
        except ValueError:
            value = None
        if value is None:
            self.add_error(
                name, _("%(name)s must be an ISO-8601 date-time, e.g. 2024-05-01T00:00:00Z; %(value)s was given.") % {"name": name, "value": raw}
            )
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)  # Amazon reads a time without zone as UTC
        try:
            # In UTC: PostgreSQL rejects offsets beyond ±15:59, which Python parses.
            return value.astimezone(UTC)
        except OverflowError:
            self.add_error(name, _("%(name)s is out of range; %(value)s was given.") % {"name": name, "value": raw})
            return None

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        raw = self._raw(name)
        if raw is None:
            return default
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        self.add_error(name, _("%(name)s must be true or false.") % {"name": name})
        return default

    def choice(self, name: str, choices) -> str | None:
        raw = self._raw(name)
        if raw is None:
            return None
        if raw not in choices:  # enum values are case-exact, as in Amazon's models
            self.add_error(name, _("%(name)s must be one of %(choices)s.") % {"name": name, "choices": ", ".join(choices)})
            return None
        return raw

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise DomainValidationError(_("The request has invalid parameters."), errors=self.errors)


# nextToken ----------------------------------------------------------------------------------------
def encode_next_token(listing: str, *, sort_order: str, last_date: datetime.datetime, last_id: int) -> str:
    """An opaque, signed keyset cursor: the sort order and the last row of the page."""
    return signing.dumps({"o": sort_order, "d": last_date.isoformat(), "i": last_id}, salt=f"amazon_api.nextToken.{listing}", compress=True)


def decode_next_token(params: QueryParams, listing: str) -> tuple[str, datetime.datetime, int] | None:
    raw = params.text("nextToken")
    if raw is None:
        return None
    try:
        data = signing.loads(raw, salt=f"amazon_api.nextToken.{listing}")
        return data["o"], datetime.datetime.fromisoformat(data["d"]), int(data["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        params.add_error("nextToken", _("nextToken is not one this operation returned."))
        return None
