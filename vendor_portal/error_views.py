"""HTML error pages; and the registry through which a door that answers JSON (the portal API, the Amazon
door) answers Django's own errors under its URL prefix in its own shape, whatever the settings.

A door registers its renderer in its app's `ready()`; `DoorErrorMiddleware` replaces any error answer
Django gave under that prefix (the error pages below, or the DEBUG pages for an unknown host, a 404 or a
500) by the door's. The core names no door's prefix."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)
ErrorRenderer = Callable[..., HttpResponse]  # renderer(request, status, code, message)
_RENDERERS: dict[str, ErrorRenderer] = {}
ERRORS = {
    400: ("bad_request", _("The request was malformed.")),
    403: ("forbidden", _("You do not have permission to do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    500: ("server_error", _("Something went wrong on our side. It has been logged.")),
}


def register_error_renderer(prefix: str, renderer: ErrorRenderer) -> None:
    """Answer Django's own errors for paths under `prefix` with `renderer(request, status, code, message)`."""
    _RENDERERS[prefix] = renderer


def door_error_response(request, status: int) -> HttpResponse | None:
    """The error answer of the door whose prefix the path is under (the longest), or None."""
    prefix = max((prefix for prefix in _RENDERERS if request.path.startswith(prefix)), key=len, default=None)
    if prefix is None:
        return None
    code, message = ERRORS.get(status, ("error" if status < 500 else "server_error", ERRORS[400 if status < 500 else 500][1]))
    return _RENDERERS[prefix](request, status, code, str(message))


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    try:
        return render(request, "500.html", status=500)
    except Exception:  # noqa: BLE001 - what failed may be what the page's context needs (Redis, the database)
        # The page without the request's context: no navigation, no session, nothing a broken service could fail.
        logger.warning("the error page was served without navigation: its context failed", exc_info=True)
        return HttpResponseServerError(loader.get_template("500.html").render({"retailer_name": settings.PORTAL_RETAILER_NAME}))
