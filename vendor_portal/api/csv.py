"""`?format=csv` on an API list: the whole filtered list as CSV, streamed (cursor pagination does not apply).

A list view mixes in `CsvListMixin` and, before paginating, answers
`self.csv_response(queryset, ListSerializer, "purchase-orders")` when `self.wants_csv`. The columns are
the list serializer's fields, in order, with the values of the JSON pages (a nested value as its JSON
text), so a client reads the same data in either shape; rows come from the same selector and filters,
through a server-side cursor (see `vendor_portal.tables.csv_stream_response`). Errors stay JSON.
"""

from __future__ import annotations

import json

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from vendor_portal import tables
from vendor_portal.api.errors import documented_error

CSV_MEDIA_TYPE = "text/csv"
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description=(
        "csv: the whole filtered list (no pages: `cursor` and `page_size` do not apply) as UTF-8 CSV (no BOM) with a header row, "
        "streamed; one column per field of the JSON rows, nested values as JSON text. Also chosen by `Accept: text/csv`."
    ),
)


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` (or `Accept: text/csv`) through DRF's content negotiation on a list. The list
    answers with its own streaming response; what reaches a renderer is an error, rendered as JSON."""

    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data, renderer_context=renderer_context)


UNKNOWN_FORMAT = documented_error(
    _("A query parameter is not valid, such as a format other than json or csv."),
    OpenApiExample(
        "UnknownFormat",
        value={"errors": [{"code": "invalid_choice", "message": "Choose json or csv.", "field": "format"}]},
        response_only=True,
        status_codes=["400"],
    ),
)


def csv_list_responses(serializer, rows: str, errors: dict) -> dict:
    """A list's answers for the schema: a JSON page of `serializer` or, with `format=csv`, all the `rows`;
    its `errors` ({status: response}) are JSON whatever the format asked for, and include the 400 of an
    unknown format."""
    description = str(_("A page of the list; with format=csv the whole list as CSV: %(rows)s")) % {"rows": rows}
    errors = {400: UNKNOWN_FORMAT, **errors}
    return {
        (200, "application/json"): OpenApiResponse(serializer, description=description),
        (200, CSV_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.STR, description=description),
        **{(status, "application/json"): response for status, response in errors.items()},
    }


def _cell(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return value


class CsvListMixin:
    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list":
            renderers.append(CSVRenderer())
        return renderers

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force=force)
        except Http404:  # DRF's answer to a ?format= that no renderer has (another action's is a 404: lists only)
            if getattr(self, "action", None) == "list":  # the list says which formats it knows
                raise ValidationError({"format": [_("Choose json or csv.")]}, code="invalid_choice") from None
            if request.method not in self.allowed_methods:  # its 405 says more than a 404
                return super().perform_content_negotiation(request, force=True)
            raise

    @property
    def wants_csv(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return isinstance(renderer, CSVRenderer)

    def csv_response(self, queryset, serializer_class, filename: str):
        if not queryset.ordered:
            queryset = queryset.order_by("-pk")  # as the pages are
        serializer = serializer_class(context=self.get_serializer_context())
        header = list(serializer.fields)

        def rows():
            for instance in queryset.iterator(chunk_size=tables.EXPORT_CHUNK_ROWS):
                data = serializer.to_representation(instance)
                yield [_cell(data.get(name)) for name in header]

        return tables.csv_stream_response(header, rows(), filename, bom=False)

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and self.wants_csv:  # an error (a list's CSV is not a Response)
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
