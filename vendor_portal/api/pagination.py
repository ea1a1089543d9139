"""The API's one paginator: keyset cursor pagination over the list's ordering (fields, then the id as tie-break).

DRF's CursorPagination keys on the first ordering field only and falls back to offsets on ties, capped at
1000: ordering 100,000 POs by state would repeat or skip rows past that. Here the cursor holds every
ordering value of the page's edge row, so pages never overlap or skip and a deep page costs as little
as the first one (`(field, id) < (value, id)` walks the index from the cursor on).

The ordering is, first to last: the view's ordering filter (`?ordering=`, or the view's `ordering`) when it
has one, as DRF's cursor pagination does; else the queryset's own `order_by` (a selector that sorts, as the
PO list does); else the paginator's `default_ordering` (newest first). The id is added when no ordering field is unique.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class KeysetCursorPagination(BasePagination):
    page_size = 50
    # A view may lower it with its own `max_page_size` (the PO and planning lists: 100).
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    default_ordering = ("-pk",)  # newest first, when neither the view nor the queryset orders the list

    def paginate_queryset(self, queryset, request, view=None):
        self.base_url = request.build_absolute_uri()
        self.max_page_size = getattr(view, "max_page_size", self.max_page_size)
        self.page_size = self.get_page_size(request)
        self.ordering, self.fields = self.get_ordering(request, queryset, view)
        reverse, position = self.decode_cursor(request)
        ordering = [_flip(name) for name in self.ordering] if reverse else self.ordering
        if position is not None:
            queryset = queryset.order_by(*ordering).filter(_after(ordering, position))
        else:
            queryset = queryset.order_by(*ordering)
        rows = list(queryset[: self.page_size + 1])
        has_more = len(rows) > self.page_size
        page = rows[: self.page_size]
        if reverse:
            page.reverse()
            self.has_next, self.has_previous = True, has_more
        else:
            self.has_next, self.has_previous = has_more, position is not None
        self.page = page
        return page

    def get_ordering(self, request, queryset, view) -> tuple[list[str], list]:
        """The ordering (columns, "-" for descending, ending in a unique one) and their fields."""
        ordering = _ordering_from_filter(request, queryset, view) or [str(name) for name in queryset.query.order_by] or list(self.default_ordering)
        meta = queryset.model._meta
        try:
            fields = [meta.pk if name.lstrip("-") == "pk" else meta.get_field(name.lstrip("-")) for name in ordering]
        except FieldDoesNotExist:
            raise serializers.ValidationError({"ordering": [_("The list cannot be ordered this way.")]}) from None
        # By the column itself: ordering by a foreign key would sort by the related model's ordering, which the
        # cursor's comparison (product_id > 42) does not follow, and pages would skip rows.
        ordering = [f"-{field.attname}" if name.startswith("-") else field.attname for name, field in zip(ordering, fields, strict=True)]
        if not any(field.primary_key or field.unique for field in fields):
            ordering.append(f"-{meta.pk.attname}" if ordering[-1].startswith("-") else meta.pk.attname)
            fields.append(meta.pk)
        return ordering, fields

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise serializers.ValidationError({self.page_size_query_param: [_("Give a page size from 1 to %(max)s.") % {"max": self.max_page_size}]})
        return min(size, self.max_page_size)

    # Cursor: base64 of {"o": ordering, "r": reverse, "p": [values of the edge row]} ----------------
    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return False, None
        try:
            data = json.loads(base64.urlsafe_b64decode(encoded.encode("ascii") + b"=" * (-len(encoded) % 4)))
            if data["o"] != self.ordering or len(data["p"]) != len(self.fields):
                raise ValueError("cursor of another ordering")
            position = [field.to_python(value) for field, value in zip(self.fields, data["p"], strict=False)]
            if any(value is None for value in position):
                raise ValueError("empty position")
            return bool(data.get("r")), position
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, DjangoValidationError):
            raise serializers.ValidationError({self.cursor_query_param: [_("This cursor is not valid for this list and ordering.")]}) from None

    def encode_cursor(self, instance, reverse: bool) -> str:
        values = [getattr(instance, field.attname) for field in self.fields]
        return replace_query_param(self.base_url, self.cursor_query_param, cursor_for(self.ordering, values, reverse=reverse))

    def get_next_link(self):
        if not self.has_next or not self.page:
            return None
        return self.encode_cursor(self.page[-1], reverse=False)

    def get_previous_link(self):
        if not self.has_previous or not self.page:
            return None
        return self.encode_cursor(self.page[0], reverse=True)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The following page, or null on the last page.",
                    "example": "https://portal.example.com/api/v1/purchase-orders/?cursor=eyJvIjpbIi1vcmRlcl9kYXRlIiwiLWlkIl0sInIiOjAsInAiOlsiMjAyNi0xMS0yMFQxNDowMDowMCswMDowMCIsNDJdfQ",
                },
                "previous": {"type": "string", "nullable": True, "format": "uri", "example": None},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        self.max_page_size = getattr(view, "max_page_size", self.max_page_size)
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Opaque cursor from a previous page's next/previous link.")),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Rows per page, 1 to %(max)s (default %(default)s).") % {"max": self.max_page_size, "default": self.page_size}),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


def cursor_for(ordering: list[str], values: list, reverse: bool = False) -> str:
    """The cursor of the rows after (or, reversed, before) the row with these ordering values."""
    raw = json.dumps({"o": list(ordering), "r": int(reverse), "p": [_jsonable(value) for value in values]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _ordering_from_filter(request, queryset, view) -> list[str]:
    """The ordering a view's ordering filter (DRF's OrderingFilter) asks for, as DRF's cursor pagination takes it."""
    for backend in getattr(view, "filter_backends", None) or ():
        if hasattr(backend, "get_ordering"):
            return list(backend().get_ordering(request, queryset, view) or ())
    return []


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _after(ordering: list[str], position: list) -> Q:
    """Rows strictly after `position` in `ordering`: (a > x) or (a = x and b > y) ..., plus a bound on the
    leading column alone, which is what lets the database start its index scan at the cursor."""
    clauses, equal = [], {}
    for name, value in zip(ordering, position, strict=False):
        column = name.lstrip("-")
        clauses.append(Q(**equal, **{f"{column}__{'lt' if name.startswith('-') else 'gt'}": value}))
        equal[column] = value
    leading = ordering[0]
    bound = Q(**{f"{leading.lstrip('-')}__{'lte' if leading.startswith('-') else 'gte'}": position[0]})
    return bound & reduce(or_, clauses)


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)  # the field's to_python reads it back exactly
    return value
