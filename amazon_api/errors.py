"""The Amazon door's error shape, {"errors": [{"code", "message", "details"}]}, whatever went wrong: a
domain refusal, a malformed body, a throttle, an idempotency conflict (its views' exception handler), or
a 404/500 Django answers before any view runs (its renderer, registered with the core in `ready()`)."""

from django.http import JsonResponse

from vendor_portal.api.errors import IdempotentReplay, portal_exception_handler

AMAZON_CODES = {
    400: "InvalidInput",
    401: "Unauthorized",
    403: "Unauthorized",
    404: "NotFound",
    405: "InvalidInput",
    409: "InvalidInput",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidInput",
    429: "QuotaExceeded",
}


def amazon_code(status_code: int) -> str:
    return AMAZON_CODES.get(status_code, "InvalidInput" if status_code < 500 else "InternalFailure")


def amazon_errors(errors: list[dict], status_code: int) -> dict:
    """The portal's error list ({"code", "message", "field"}) in Amazon's shape."""
    out = []
    for error in errors:
        item = {"code": amazon_code(status_code), "message": error["message"]}
        if error.get("field"):
            item["details"] = f"field: {error['field']}"
        out.append(item)
    return {"errors": out}


def amazon_exception_handler(exc, context):
    """The portal's handler (never a 500 for bad input), its answer in Amazon's shape."""
    if isinstance(exc, IdempotentReplay):
        return exc.response  # the first answer, already in the door's shape
    response = portal_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "errors" in response.data and response.status_code >= 400:
        response.data = amazon_errors(response.data["errors"], response.status_code)
    return response


def amazon_error_response(request, status: int, code: str, message: str) -> JsonResponse:
    """Django's own 400/403/404/500 under the door's prefix, in Amazon's shape."""
    return JsonResponse(amazon_errors([{"message": str(message), "field": None}], status), status=status)
