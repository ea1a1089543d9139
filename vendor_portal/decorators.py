from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from vendor_portal.middleware import request_scope


def portal_view(action: str | None = None):
    """Signed-in person with a role here, allowed to do `action`; sets request.scope."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            scope = request_scope(request)
            if scope is None:
                return render(request, "no_role.html", status=403)
            if action is not None and not scope.can(action):
                raise PermissionDenied
            response = view(request, *args, **kwargs)
            if request.method == "POST" and response.status_code in (302, 303):
                _acted_on(request)
            return response

        wrapper.portal_action = action
        return wrapper

    return decorator


def _acted_on(request) -> None:
    """Acting on a document (a form posted there that went through) answers the messages that sent the
    person to it: they are marked read, so the unread count and the home page count only what still waits."""
    from vendor_portal.services.notifications import notifications_mark_read_for_path

    notifications_mark_read_for_path(user=request.user, path=request.path)
