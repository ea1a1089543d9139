"""HTML error pages, and the API's error shape for /api/ and /vendor/ paths."""
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from vendor_portal.api.errors import amazon_errors


def _api_error(request, status: int, code: str, message: str):
    if request.path.startswith(("/api/", "/vendor/")):
        body = {"errors": [{"code": code, "message": message, "field": None}]}
        if request.path.startswith("/vendor/"):
            body = amazon_errors(body["errors"], status)
        return JsonResponse(body, status=status)
    return None


def bad_request(request, exception=None):
    return _api_error(request, 400, "bad_request", _("The request was malformed.")) or render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return _api_error(request, 403, "forbidden", _("You do not have permission to do this.")) or render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return _api_error(request, 404, "not_found", _("Not found.")) or render(request, "404.html", status=404)


def server_error(request):
    return _api_error(request, 500, "server_error", _("Something went wrong on our side. It has been logged.")) or render(
        request, "500.html", status=500
    )
