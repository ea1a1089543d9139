"""Two-factor sign-in: an authenticator app (TOTP) per person and ten single-use recovery codes, on django-otp.

Who must enrol is a setting (`OTP_REQUIRED_ROLES`); who may is everyone. The session keeps where the person is in
the sign-in (`two_factor_state`) and when they last entered a code (`two_factor_verified_at`), which the
approvals of bank changes and payment runs require to be fresh (`OTP_FRESH_SECONDS`).
"""

from __future__ import annotations

import binascii
import io
import time
from base64 import b32decode, b32encode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from vendor_portal.errors import ConflictError, DomainValidationError, ForbiddenError
from vendor_portal.services.audit import Actor, audit_record

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"

STATE_SESSION_KEY = "two_factor_state"
VERIFIED_AT_SESSION_KEY = "two_factor_verified_at"
ENROL_KEY_SESSION_KEY = "two_factor_enrol_key"


class State:
    """Where a signed-in person is in the sign-in: only DONE reaches the portal."""

    CODE = "code"  # has a device, has not entered a code since the password
    ENROL = "enrol"  # a role that needs a second factor, no device yet
    DONE = "done"


class SecondFactorRequiredError(ForbiddenError):
    code = "second_factor_required"
    default_message = _("Enter a code from your authenticator app first.")


class InvalidCodeError(DomainValidationError):
    code = "invalid_code"
    default_message = _("That code is not right. Check your authenticator app's clock and try the newest code.")


# Reads ---------------------------------------------------------------------------------------------------
def two_factor_required(user) -> bool:
    """A role of this person's, anywhere, needs a second factor."""
    required = set(settings.OTP_REQUIRED_ROLES)
    return bool(required) and user.memberships.filter(role__in=required).exists()


def authenticator_for(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def sign_in_state(user) -> str:
    if authenticator_for(user) is not None:
        return State.CODE
    return State.ENROL if two_factor_required(user) else State.DONE


def new_secret() -> str:
    """A fresh secret for enrolment, hex as django-otp stores it; shown to the person in base32."""
    return random_hex(20)


def secret_base32(hex_key: str) -> str:
    return b32encode(binascii.unhexlify(hex_key)).decode()


def provisioning_uri(*, user, hex_key: str) -> str:
    # The device django-otp would make from this key, unsaved: its config_url is the otpauth:// URI apps read.
    return TOTPDevice(user=user, key=hex_key).config_url


def qr_code_svg(data: str) -> str:
    """The QR code as inline SVG, drawn here: the secret never leaves the server for a chart service."""
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]  # inline in the page: no XML declaration


def hex_from_base32(secret: str) -> str:
    """The documented demo secret (base32, as apps show it) as django-otp's hex key."""
    cleaned = secret.replace(" ", "").upper()
    return binascii.hexlify(b32decode(cleaned + "=" * (-len(cleaned) % 8))).decode()


def _normalised(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


# Session --------------------------------------------------------------------------------------------------
def session_mark_verified(request) -> None:
    """The person entered a good code now: the sign-in is complete and approvals may go ahead for a while."""
    request.session[STATE_SESSION_KEY] = State.DONE
    request.session[VERIFIED_AT_SESSION_KEY] = time.time()


def session_is_fresh(request) -> bool:
    verified_at = request.session.get(VERIFIED_AT_SESSION_KEY)
    return verified_at is not None and time.time() - verified_at <= settings.OTP_FRESH_SECONDS


def require_fresh_second_factor(request) -> None:
    """Before approving money moving somewhere: a person with a second factor (or whose role needs one) entered a
    code in the last OTP_FRESH_SECONDS. API tokens are a factor of their own and pass."""
    if getattr(request, "auth_token", None) is not None:
        return
    user = request.user
    if session_is_fresh(request):
        return
    if authenticator_for(user) is None and not two_factor_required(user):
        return
    raise SecondFactorRequiredError(_("Enter a code from your authenticator app to approve this: approvals need a code from the last few minutes."))


# Writes ---------------------------------------------------------------------------------------------------
def _new_recovery_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_enrol(*, user, hex_key: str, code: str, actor: Actor) -> tuple[TOTPDevice, list[str]]:
    """Confirms the authenticator app the person set up with `hex_key` by a code it shows, and hands out ten new
    recovery codes, shown once. One authenticator per person: a second needs the first removed."""
    get_user_model().objects.select_for_update().get(pk=user.pk)  # two tabs confirming at once make one device
    if authenticator_for(user) is not None:
        raise ConflictError(_("An authenticator app is already set up. Remove it first to set up another."))
    totp = TOTP(binascii.unhexlify(hex_key))
    totp.time = time.time()
    code = _normalised(code)
    if not (code.isdigit() and totp.verify(int(code), tolerance=1)):
        raise InvalidCodeError(field="code")
    device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, key=hex_key, confirmed=True, last_t=totp.t(), drift=totp.drift)
    codes = _new_recovery_codes(user)
    audit_record(actor=actor, action="user.two_factor_enrol", obj=user, after={"device": AUTHENTICATOR_NAME, "recovery_codes": len(codes)})
    return device, codes


def two_factor_verify(*, user, code: str, actor: Actor):
    """The device that accepts `code`: the authenticator app (a six-digit code, once per time step) or a recovery
    code (used up). Wrong codes slow further tries down (django-otp doubles the wait each time)."""
    code = _normalised(code)
    if not code:
        raise InvalidCodeError(_("Enter the code."), field="code")
    if len(code) == 6 and code.isdigit():  # the app's code; recovery codes have eight characters
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=True)
    else:
        devices = StaticDevice.objects.devices_for_user(user, confirmed=True)
    with transaction.atomic():
        for device in devices.select_for_update():
            allowed, details = device.verify_is_allowed()
            if not allowed:
                raise InvalidCodeError(_("Too many wrong codes: wait a little, then try again."), field="code")
            if device.verify_token(code):
                if isinstance(device, StaticDevice):
                    audit_record(actor=actor, action="user.recovery_code_use", obj=user, after={"recovery_codes_left": device.token_set.count()})
                return device
    raise InvalidCodeError(field="code")


@transaction.atomic
def recovery_codes_regenerate(*, user, actor: Actor) -> list[str]:
    """Ten new recovery codes; the old ones stop working. The caller has checked a code first."""
    if authenticator_for(user) is None:
        raise ConflictError(_("Set up an authenticator app first."))
    codes = _new_recovery_codes(user)
    audit_record(actor=actor, action="user.recovery_codes_regenerate", obj=user, after={"recovery_codes": len(codes)})
    return codes


@transaction.atomic
def two_factor_remove(*, user, actor: Actor) -> None:
    """Removes the authenticator app and the recovery codes. The caller has checked a code first."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    StaticDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action="user.two_factor_remove", obj=user, before={"devices": removed})
