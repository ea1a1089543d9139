"""Rate limits on the POSTs of the sign-in and password-reset pages, per client address and per account.

django-axes locks an account after repeated wrong passwords; these limits bound how fast anyone may try at
all: guessing across many accounts from one address (per address), and flooding one person's mailbox with
reset e-mails or one account with guesses from many addresses (per account). Counted like the API's rate
limit (vendor_portal/api/throttling.py: atomic, failing open when the store is down).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.shortcuts import render

from vendor_portal.api.throttling import rate_limit_take

logger = logging.getLogger(__name__)


def _over_limit(name: str, kind: str, ident: str, limit: int, period: int) -> float | None:
    """Counts this attempt; the seconds until one more may be made when the limit is reached, else None."""
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]  # no address or e-mail in the store's keys
    try:
        return rate_limit_take(f"auth-rate:{name}:{kind}:{digest}", limit=limit, period=period, now=time.time())
    except Exception:  # noqa: BLE001 - the store down: let the attempt through (axes still locks out)
        logger.warning("sign-in rate limit not enforced: the store is unreachable (%s)", name, exc_info=True)
        return None


def rate_limited_post(name: str, account_field: str):
    """Limits the view's POSTs by PORTAL_AUTH_RATE_LIMITS[name] = {"ip": (n, seconds), "account": (n, seconds)};
    the account is the form's `account_field` (username or e-mail), compared case-insensitively."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                limits = settings.PORTAL_AUTH_RATE_LIMITS[name]
                checks = [("ip", get_client_ip_address(request) or "unknown")]
                account = (request.POST.get(account_field) or "").strip().lower()
                if account:
                    checks.append(("account", account))
                for kind, ident in checks:
                    limit, period = limits[kind]
                    wait = _over_limit(name, kind, ident, limit, period)
                    if wait is not None:
                        minutes = max(1, math.ceil(wait / 60))
                        response = render(request, "registration/rate_limited.html", {"minutes": minutes}, status=429)
                        response["Retry-After"] = str(math.ceil(wait))
                        return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
