"""Webhook signatures, and the recipe every receiver follows.

Each delivery carries `X-Portal-Timestamp: <unix seconds>` and `X-Portal-Signature: v1=<hex>`, where
<hex> is HMAC-SHA256 keyed with the subscription's secret over f"{timestamp}.{raw body}". A receiver
recomputes it over the raw bytes it received (before parsing the JSON), compares in constant time and
refuses timestamps more than five minutes away, so a captured request cannot be replayed later.
"""

import hashlib
import hmac
import time

SCHEME = "v1"
TOLERANCE_SECONDS = 300


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
