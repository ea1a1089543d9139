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
            return view(request, *args, **kwargs)

        wrapper.portal_action = action
        return wrapper

    return decorator
