from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from vendor_portal.middleware import request_scope
from vendor_portal.services.two_factor import SecondFactorRequiredError, require_fresh_second_factor


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


def fresh_second_factor(*, applies=None, return_to=None):
    """Before a POST that moves money (approving a bank change or a payment run): a code entered in the last
    OTP_FRESH_SECONDS, else the code step, which comes back to `return_to(request, *args, **kwargs)` (default: this
    page) to do it again. `applies(request, *args, **kwargs)` narrows it to the POSTs that approve."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and (applies is None or applies(request, *args, **kwargs)):
                try:
                    require_fresh_second_factor(request)
                except SecondFactorRequiredError as error:
                    messages.warning(request, error.message)
                    back = return_to(request, *args, **kwargs) if return_to else request.get_full_path()
                    return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': back})}")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _acted_on(request) -> None:
    """Acting on a document (a form posted there that went through) answers the messages that sent the
    person to it: they are marked read, so the unread count and the home page count only what still waits."""
    from vendor_portal.services.notifications import notifications_mark_read_for_path

    notifications_mark_read_for_path(user=request.user, path=request.path)
