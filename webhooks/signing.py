"""Webhook signatures, and the recipe every receiver follows.

Each delivery is signed twice over the same raw body, so a receiver may check either:
- the portal's own: `X-Portal-Timestamp: <unix seconds>` and `X-Portal-Signature: v1=<hex>`, where <hex> is
  HMAC-SHA256 keyed with the subscription's secret (the whole string) over f"{timestamp}.{raw body}";
- Standard Webhooks' (https://www.standardwebhooks.com/): `webhook-id` (the event id), `webhook-timestamp` and
  `webhook-signature: v1,<base64>`, HMAC-SHA256 over f"{id}.{timestamp}.{raw body}" keyed with the secret's
  base64 part decoded (`whsec_<base64>`), so `standardwebhooks.Webhook(secret).verify(body, headers)` works as is.
A receiver recomputes a signature over the raw bytes it received (before parsing the JSON), compares in constant
time and refuses timestamps more than five minutes away, so a captured request cannot be replayed later.
"""

import base64
import binascii
import hashlib
import hmac
import time

SCHEME = "v1"
TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


def _bytes(value) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def sign(secret: str, timestamp, body) -> str:
    """The X-Portal-Signature header value for `body` (bytes or str) sent at `timestamp`."""
    message = f"{timestamp}.".encode() + _bytes(body)
    return f"{SCHEME}={hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()}"


def verify(secret: str, header: str, timestamp, body, tolerance: int = TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """True when `header` holds a valid signature of `body` and `timestamp` is recent."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    expected = sign(secret, sent_at, body).encode()
    # A header may carry several comma-separated signatures: one match is enough.
    return any(hmac.compare_digest(expected, candidate.strip().encode()) for candidate in (header or "").split(","))


def standard_key(secret: str) -> bytes:
    """The key of the Standard Webhooks signature: the base64 after `whsec_`, decoded, as the standardwebhooks
    libraries read it. Secrets issued before 2026-12 use base64's URL-safe alphabet (`-`, `_`), which those
    libraries do not read: they are decoded the same way here, and their receivers pass the decoded bytes (or
    rotate the secret). A secret that is no base64 at all (never one the portal issued) signs with its own bytes."""
    encoded = secret.removeprefix(SECRET_PREFIX).rstrip("=")
    try:
        key = base64.b64decode(encoded.replace("-", "+").replace("_", "/") + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    return key or _bytes(secret)


def standard_sign(secret: str, message_id: str, timestamp, body) -> str:
    """One `webhook-signature` entry (`v1,<base64>`) for `body` sent as message `message_id` at `timestamp`."""
    message = f"{message_id}.{timestamp}.".encode() + _bytes(body)
    return "v1," + base64.b64encode(hmac.new(standard_key(secret), message, hashlib.sha256).digest()).decode()
