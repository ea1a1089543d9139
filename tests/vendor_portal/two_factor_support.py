"""Helpers for the two-factor tests: codes as an authenticator app would show them, and an enrolled person."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.audit_check import audit_exempt


def code_at(hex_key: str, steps_from_now: int = 0) -> str:
    """The app's code `steps_from_now` time steps (30 s) away: the portal accepts one step either side, each step
    once, so a test that needs several codes takes -1, then 0, then +1."""
    totp = TOTP(bytes.fromhex(hex_key))
    totp.time = time.time() + 30 * steps_from_now
    return f"{totp.token():06d}"


def enrolled(user, recovery_codes=("aaaa1111", "bbbb2222")) -> TOTPDevice:
    """An authenticator app and recovery codes, as after the enrolment screens."""
    with audit_exempt():
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        for code in recovery_codes:
            StaticToken.objects.create(device=static, token=code)
    return device


def password_sign_in(client, username: str, password: str = "demo-password"):
    return client.post("/accounts/login/", {"username": username, "password": password})
