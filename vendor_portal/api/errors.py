"""One error shape for the API: {"errors": [{"code", "message", "field"}]}; never a 500 for bad input.

Another door answers in its own shape by giving its views their own exception handler (DRF's
`get_exception_handler()`), built on `portal_exception_handler`; this module knows no door's URL.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from vendor_portal.errors import PortalError

logger = logging.getLogger(__name__)


class IdempotentReplay(Exception):
    """The answer already given to a request with the same Idempotency-Key, given again."""

    def __init__(self, response: Response):
        self.response = response


def _flatten(detail, field=None) -> list[dict]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if key in ("non_field_errors", "detail"):
                name = None
            elif isinstance(key, int) or str(key).isdigit():
                name = f"{field}[{key}]" if field else f"[{key}]"  # DRF keys nested list errors by index
            else:
                name = f"{field}.{key}" if field else str(key)
            out.extend(_flatten(value, name if name is not None else field))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                out.extend(_flatten(value, f"{field}[{index}]" if field else f"[{index}]"))
            else:
                out.extend(_flatten(value, field))
        return out
    code = getattr(detail, "code", None) or "invalid"
    return [{"code": str(code), "message": str(detail), "field": field}]


def portal_exception_handler(exc, context):
    if isinstance(exc, IdempotentReplay):
        return exc.response
    if isinstance(exc, PortalError):
        response = Response({"errors": exc.as_error_list()}, status=exc.status)
    else:
        if isinstance(exc, DjangoValidationError):
            exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        elif isinstance(exc, Http404):
            exc = exceptions.NotFound()
        elif isinstance(exc, PermissionDenied):
            exc = exceptions.PermissionDenied()
        elif isinstance(exc, DataError):
            # A value PostgreSQL refused (out of range, too long): input a field's bounds should have refused
            # (vendor_portal/limits.py). The caller gets a 400; the log gets the traceback, to bound it at its source.
            logger.error("input reached the database unchecked", exc_info=exc)
            exc = exceptions.ValidationError({"non_field_errors": [_("A value is out of range or too long to be stored.")]}, code="out_of_range")
        response = drf_exception_handler(exc, context)
        if response is None:
            return None
        errors = _flatten(response.data)
        if isinstance(exc, exceptions.APIException) and not isinstance(exc, exceptions.ValidationError):
            errors = [{"code": exc.get_codes() if isinstance(exc.get_codes(), str) else "error", "message": str(exc.detail), "field": None}]
        response.data = {"errors": errors}
    return response


def api_error_response(request, status_code: int, code: str, message: str) -> JsonResponse:
    """Django's own 400/403/404/500 under /api/ (registered with error_views), in the API's shape."""
    return JsonResponse({"errors": [{"code": code, "message": str(message), "field": None}]}, status=status_code)


def error_response(message, *, code="invalid", field=None, status_code=status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"errors": [{"code": code, "message": str(message), "field": field}]}, status=status_code)


class ApiErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What went wrong, for programs: e.g. invalid, required, not_found, invalid_state, self_approval.")
    message = serializers.CharField(help_text="What went wrong, for people, in the caller's language.")
    field = serializers.CharField(allow_null=True, help_text="Where: a field path such as lines[1].quantity, or null for the whole request.")


class ApiErrorsSerializer(serializers.Serializer):
    """The body of every 4xx answer of /api/v1/."""

    errors = ApiErrorSerializer(many=True)


def documented_error(description, *examples) -> OpenApiResponse:
    """A 4xx answer in the schema: the error body, with examples (without a schema drf-spectacular drops them)."""
    return OpenApiResponse(response=ApiErrorsSerializer, description=str(description), examples=list(examples))
