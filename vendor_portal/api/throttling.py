"""The API's rate limit per token: a sliding window counted atomically.

DRF's SimpleRateThrottle reads a list of timestamps from the cache, appends and writes it back: concurrent
requests read the same list, and 2,000 requests at once passed a 600/min limit 1,885 times. A fixed window
counted atomically holds the limit inside each window but lets twice the limit through across a window's edge
(the limit at its end, the limit again at the next one's start). So each request is judged on a sliding window:
the current window's count plus the previous window's, weighted by how much of it the sliding window still
covers (0.9 of it 6 seconds into a minute). One Lua script on Redis reads both counters and counts the request
only if it passes, so concurrent requests never pass more than the limit; on the Django cache (no Redis
configured, development) the request is counted first, then judged, and taken back if refused.

When the counter's store is unreachable the request passes (fail open, logged): a Redis outage must not take
the API down with it.
"""

from __future__ import annotations

import functools
import logging
import math

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

# KEYS: the current and the previous window's counters. ARGV: the limit, the previous window's weight, the counters'
# lifetime. Counts the request only when it passes; a counter's first count sets its expiry, so none lives for ever.
_SLIDE = """
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if previous * tonumber(ARGV[2]) + current + 1 > tonumber(ARGV[1]) then
  return {0, current, previous}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return {1, current, previous}
"""


@functools.cache
def _script(url: str):
    """The script on a client of its own (EVALSHA, the script sent once). Short timeouts: a Redis that hangs
    costs each request a quarter second, not a worker."""
    client = redis.Redis.from_url(url, socket_connect_timeout=0.25, socket_timeout=0.25, health_check_interval=30)
    return client.register_script(_SLIDE)


def rate_limit_take(key: str, *, limit: int, period: int, now: float) -> float | None:
    """Count one request under `key` if the sliding window (the `period` seconds up to `now`) leaves room for it:
    None when it passes, else the seconds until one more would. Raises when the store is unreachable (callers let
    the request through)."""
    window = int(now // period)
    elapsed = now - window * period
    weight = 1 - elapsed / period  # how much of the previous window the sliding window still covers
    current_key, previous_key, lifetime = f"{key}:{window}", f"{key}:{window - 1}", 2 * period + 1
    url = settings.THROTTLE_REDIS_URL
    if url:
        passed, current, previous = _script(url)(keys=[current_key, previous_key], args=[limit, repr(weight), lifetime])
        passed, current, previous = bool(passed), int(current), int(previous)
    else:
        cache.add(current_key, 0, timeout=lifetime)
        try:
            current = cache.incr(current_key)
        except ValueError:  # expired between add and incr
            cache.add(current_key, 1, timeout=lifetime)
            current = 1
        previous = int(cache.get(previous_key) or 0)
        passed = previous * weight + current <= limit
        if not passed:  # as on Redis, a refused request is not counted
            current = cache.decr(current_key)
    if passed:
        return None
    room = limit - 1 - current  # requests the current window alone still allows
    if room >= 0 and previous:
        # Within this window, once enough of the previous one has slid out.
        return max(0.0, period * (1 - room / previous) - elapsed)
    # In the next window, once enough of this one has slid out (it then weighs as the previous one).
    return period - elapsed + period * max(0.0, 1 - (limit - 1) / current)


class SlidingWindowRateThrottle(SimpleRateThrottle):
    """At most `num_requests` per `duration` seconds per cache key, over a sliding window, counted atomically."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        try:
            self.wait_seconds = rate_limit_take(key, limit=self.num_requests, period=self.duration, now=self.timer())
        except Exception:  # noqa: BLE001 - any failure of the store (down, timeout, full) lets the request through
            logger.warning("rate limit not enforced: the throttle's store is unreachable (key %s)", key, exc_info=True)
            return True
        return self.wait_seconds is None

    def wait(self):
        return max(1, math.ceil(self.wait_seconds or 0))


class TokenRateThrottle(SlidingWindowRateThrottle):
    """A rate per API token (or per signed-in person using the API from the browser)."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request._request, "auth_token", None)
        if token is not None:
            ident = f"token:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
