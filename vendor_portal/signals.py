"""Sign-in events belong in the audit trail too."""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from vendor_portal.services.audit import Actor, audit_record

security_log = logging.getLogger("vendor_portal.security")


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    audit_record(actor=_actor(request, user), action="user.sign_in", obj=user, after={"last_login": user.last_login})


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=_actor(request, user), action="user.sign_out", obj=user)


@receiver(user_locked_out)
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    security_log.warning("Sign-in locked for %s from %s", username, ip_address)


def _actor(request, user) -> Actor:
    return Actor(user=user, request_id=getattr(request, "request_id", "") if request is not None else "")
