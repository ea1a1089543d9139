"""Sign-in events belong in the audit trail too."""

import logging
import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.two_factor import STATE_SESSION_KEY, VERIFIED_AT_SESSION_KEY, sign_in_state

security_log = logging.getLogger("vendor_portal.security")


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    audit_record(actor=_actor(request, user), action="user.sign_in", obj=user, after={"last_login": user.last_login})
    if request is not None and hasattr(request, "session"):
        # The password was the first factor: the code step or the enrolment comes next (TwoFactorMiddleware).
        request.session[STATE_SESSION_KEY] = sign_in_state(user)
        request.session.pop(VERIFIED_AT_SESSION_KEY, None)
        request.session["seen"] = int(time.time())  # the idle clock starts (SignedInPagesMiddleware renews it)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=_actor(request, user), action="user.sign_out", obj=user)


@receiver(user_locked_out)
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    security_log.warning("Sign-in locked for %s from %s", username, ip_address)


def _actor(request, user) -> Actor:
    return Actor(user=user, request_id=getattr(request, "request_id", "") if request is not None else "")
