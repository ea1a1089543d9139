"""List pages that cost the same at any size: keyset pages and capped counts.

A screen's list reads one page of rows in the queryset's own ordering, which must end with the id so it is
exact. The page after (or before) is the rows strictly after the edge row's ordering values, carried in the
`cursor` parameter, so a deep page walks the index from there instead of counting past an OFFSET. How many
rows match is counted up to COUNT_CAP and shown as "10,000+" beyond it: a LIMITed subquery stops there
instead of visiting every match.

    page = keyset_page(queryset, request.GET)        # page.rows, page.next_query, page.count_label ...
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection
from django.db.models import Q
from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.translation import gettext as _

PAGE_SIZE = 50
COUNT_CAP = 10_000
CURSOR_PARAM = "cursor"


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """(rows matching, up to `cap`; whether there are more): counts at most cap + 1 rows."""
    cap = COUNT_CAP if cap is None else cap
    found = queryset.order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap


def capped_totals(queryset, *, by: str, sums: tuple[str, ...], cap: int | None = None) -> tuple[list[dict], bool]:
    """Per `by` value (e.g. currency): {by, "count", *sums} over the rows of `queryset`, read up to cap + 1 rows
    (one query). Returns (rows, capped); when capped the rows hold only part of the list, so the caller
    shows the capped count rather than partial totals."""
    cap = COUNT_CAP if cap is None else cap
    sample = queryset.order_by().values(by, *sums)[: cap + 1]
    sql, params = sample.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(f"SUM(s.{quote(name)})" for name in sums)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.{quote(by)}, COUNT(*), {columns} FROM ({sql}) s GROUP BY 1 ORDER BY 1", params)
        rows = [dict(zip((by, "count", *sums), row, strict=True)) for row in cursor.fetchall()]
    return rows, sum(row["count"] for row in rows) > cap


def count_label(count: int, capped: bool = False) -> str:
    """A count in the person's locale: "1,234", or "10,000+" when the count stopped at the cap."""
    shown = number_format(count, force_grouping=True)
    return _("%(count)s+") % {"count": shown} if capped else shown


@dataclass
class KeysetPage:
    """One page of a list, iterable like Django's Page. The *_query attributes are the list's query string
    for the first, previous and next pages (the filters and sort kept, the cursor replaced)."""

    rows: list
    has_next: bool
    has_previous: bool
    is_first: bool = True
    next_query: str = ""
    previous_query: str = ""
    first_query: str = ""
    count: int | None = None
    count_capped: bool = False

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or not self.is_first

    @property
    def count_label(self) -> str:
        return count_label(self.count or 0, self.count_capped)


def keyset_page(queryset, params, *, page_size: int = PAGE_SIZE, count: bool = False, count_queryset=None, cap: int | None = None) -> KeysetPage:
    """The page of `queryset` (ordered by fields or annotations ending with the id) that `params`' cursor
    points at, the first page without one (or with one that does not fit this list and ordering).

    `count`: also count the matching rows, capped (on `count_queryset` when given: the same rows without
    the page's annotations)."""
    ordering = [str(name) for name in queryset.query.order_by or queryset.model._meta.ordering]
    if not ordering or ordering[-1].lstrip("-") not in ("id", "pk"):
        raise ValueError(f"a keyset list needs an ordering ending with the id, not {ordering}")
    reverse, position = _decode(params.get(CURSOR_PARAM), ordering, _fields(queryset, ordering))
    walk = [_flip(name) for name in ordering] if reverse else ordering
    rows_queryset = queryset.order_by(*walk)
    if position is not None:
        rows_queryset = rows_queryset.filter(_after(walk, position))
    rows = list(rows_queryset[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    if reverse:
        rows.reverse()
        has_next, has_previous = True, more
    else:
        has_next, has_previous = more, position is not None
    # An empty page past a cursor (its rows were deleted since) links only back to the first page.
    page = KeysetPage(rows=rows, has_next=has_next and bool(rows), has_previous=has_previous and bool(rows), is_first=position is None)
    page.first_query = _query(params, None)
    if page.has_next:
        page.next_query = _query(params, _encode(ordering, _values(rows[-1], ordering), reverse=False))
    if page.has_previous:
        page.previous_query = _query(params, _encode(ordering, _values(rows[0], ordering), reverse=True))
    if count:
        page.count, page.count_capped = capped_count(count_queryset if count_queryset is not None else queryset, cap)
    return page


def cursor_for(ordering, row) -> str:
    """The cursor of the rows after `row` in `ordering` (a link straight to a page deep in a list)."""
    ordering = [str(name) for name in ordering]
    return _encode(ordering, _values(row, ordering), reverse=False)


def _fields(queryset, ordering):
    fields = []
    for name in ordering:
        name = name.lstrip("-")
        annotation = queryset.query.annotations.get(name)
        if annotation is not None:
            fields.append(annotation.output_field)
            continue
        try:
            fields.append(queryset.model._meta.pk if name == "pk" else queryset.model._meta.get_field(name))
        except FieldDoesNotExist:
            raise ValueError(f"a keyset list orders by the model's own columns or annotations, not {name}") from None
    return fields


def _values(row, ordering) -> list:
    values = []
    for name in ordering:
        name = name.lstrip("-")
        value = row[name] if isinstance(row, dict) else getattr(row, name if name == "pk" else _attname(row, name))
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif not isinstance(value, (int, str)):
            value = str(value)  # Decimal
        values.append(value)
    return values


def _attname(row, name: str) -> str:
    try:
        return row._meta.get_field(name).attname
    except FieldDoesNotExist:
        return name  # an annotation


def _encode(ordering, values, *, reverse: bool) -> str:
    raw = json.dumps({"o": ordering, "r": int(reverse), "p": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(encoded, ordering, fields):
    """(reverse, position) of a cursor, or (False, None) for the first page. A cursor of another list or
    ordering, or a tampered one, is not an error on a screen: it shows the first page."""
    if not encoded:
        return False, None
    try:
        data = json.loads(base64.urlsafe_b64decode(encoded.encode("ascii") + b"=" * (-len(encoded) % 4)))
        if data["o"] != ordering or len(data["p"]) != len(fields):
            return False, None
        position = [field.to_python(value) for field, value in zip(fields, data["p"], strict=True)]
    except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, ValidationError):
        return False, None
    if any(value is None for value in position):
        return False, None
    return bool(data.get("r")), position


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _after(ordering: list[str], position: list) -> Q:
    """Rows strictly after `position` in `ordering`: (a > x) or (a = x and b > y) ..., plus a bound on the
    leading column alone, which lets the database start its index scan at the cursor."""
    clauses, equal = [], {}
    for name, value in zip(ordering, position, strict=True):
        column = name.lstrip("-")
        clauses.append(Q(**equal, **{f"{column}__{'lt' if name.startswith('-') else 'gt'}": value}))
        equal[column] = value
    leading = ordering[0]
    bound = Q(**{f"{leading.lstrip('-')}__{'lte' if leading.startswith('-') else 'gte'}": position[0]})
    return bound & reduce(or_, clauses)


def _query(params, cursor: str | None) -> str:
    if isinstance(params, QueryDict):
        query = params.copy()
    else:
        query = QueryDict(mutable=True)
        query.update(params or {})
    query.pop(CURSOR_PARAM, None)
    query.pop("page", None)
    if cursor:
        query[CURSOR_PARAM] = cursor
    return query.urlencode()
