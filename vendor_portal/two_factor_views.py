"""Two-factor sign-in screens: the code step after the password (and again before approving money), enrolling an
authenticator app, and the person's own two-factor settings (new recovery codes, removal). The writes are in
vendor_portal/services/two_factor.py."""

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from vendor_portal.errors import PortalError
from vendor_portal.services.audit import Actor
from vendor_portal.services.two_factor import (
    ENROL_KEY_SESSION_KEY,
    STATE_SESSION_KEY,
    State,
    authenticator_for,
    new_secret,
    provisioning_uri,
    qr_code_svg,
    recovery_codes_left,
    recovery_codes_regenerate,
    secret_base32,
    session_mark_verified,
    sign_in_state,
    two_factor_enrol,
    two_factor_remove,
    two_factor_required,
    two_factor_verify,
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        help_text=gettext_lazy("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "autofocus": True}),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=16,
        help_text=gettext_lazy("The 6-digit code the app shows for this portal, to check it is set up right."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _credentials(user) -> dict:
    return {"username": user.get_username()}


@login_required
def two_factor_verify_view(request):
    """The code step: after the password, and before approvals when the last code is older than a few minutes.
    A wrong code counts as a failed sign-in for django-axes, which locks the account after a few."""
    user, next_url = request.user, _next_url(request)
    if authenticator_for(user) is None:
        return redirect(f"{reverse('two_factor_enrol')}?{urlencode({'next': next_url})}" if two_factor_required(user) else next_url)
    if AxesProxyHandler.is_locked(request, _credentials(user)):
        logout(request)
        return render(request, "registration/locked_out.html", status=429)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor_verify(user=user, code=form.cleaned_data["code"], actor=Actor.from_request(request))
        except PortalError as error:
            form.add_error("code", error.message)
            user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
        else:
            session_mark_verified(request)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(left)d left. Make new ones under Two-factor sign-in.")
                    % {"left": recovery_codes_left(user)},
                )
            return redirect(next_url)
    signing_in = request.session.get(STATE_SESSION_KEY) != State.DONE
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url, "signing_in_step": signing_in})


@login_required
def two_factor_enrol_view(request):
    """Set up an authenticator app: scan the QR code (or type the secret), confirm a code, get ten recovery codes
    shown once. The secret waits in the session until confirmed, so an abandoned enrolment leaves nothing behind."""
    user, next_url = request.user, _next_url(request)
    if authenticator_for(user) is not None:
        return redirect("two_factor")
    hex_key = request.session.get(ENROL_KEY_SESSION_KEY) or new_secret()
    request.session[ENROL_KEY_SESSION_KEY] = hex_key
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor_enrol(user=user, hex_key=hex_key, code=form.cleaned_data["code"], actor=Actor.from_request(request))
        except PortalError as error:
            form.add_error("code", error.message)
        else:
            del request.session[ENROL_KEY_SESSION_KEY]
            session_mark_verified(request)
            return render(request, "registration/two_factor_recovery_codes.html", {"codes": codes, "next": next_url, "enrolled": True})
    uri = provisioning_uri(user=user, hex_key=hex_key)
    context = {"form": form, "next": next_url, "secret": secret_base32(hex_key), "qr_svg": qr_code_svg(uri), "required": two_factor_required(user)}
    return render(request, "registration/two_factor_enrol.html", context)


@login_required
def two_factor_settings(request):
    user = request.user
    device = authenticator_for(user)
    context = {
        "device": device,
        "codes_left": recovery_codes_left(user) if device else 0,
        "required": two_factor_required(user),
        "form": CodeForm(),
    }
    return render(request, "registration/two_factor_settings.html", context)


def _checked_code(request):
    """The code typed on the settings page, checked; None (and a message) if wrong."""
    form = CodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a code from your authenticator app or a recovery code."))
        return None
    try:
        return two_factor_verify(user=request.user, code=form.cleaned_data["code"], actor=Actor.from_request(request))
    except PortalError as error:
        user_login_failed.send(sender=__name__, credentials=_credentials(request.user), request=request)
        messages.error(request, error.message)
        return None


@login_required
@require_POST
def two_factor_recovery_codes(request):
    device = _checked_code(request)
    if device is None:
        return redirect("two_factor")
    session_mark_verified(request)
    try:
        codes = recovery_codes_regenerate(user=request.user, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("two_factor")
    return render(request, "registration/two_factor_recovery_codes.html", {"codes": codes, "next": reverse("two_factor"), "enrolled": False})


@login_required
@require_POST
def two_factor_remove_view(request):
    if _checked_code(request) is None:
        return redirect("two_factor")
    two_factor_remove(user=request.user, actor=Actor.from_request(request))
    # A role that needs a second factor goes straight back to enrolment (TwoFactorMiddleware).
    request.session[STATE_SESSION_KEY] = sign_in_state(request.user)
    messages.success(request, _("Two-factor sign-in removed: your authenticator app's codes and your recovery codes no longer work."))
    return redirect("two_factor")
