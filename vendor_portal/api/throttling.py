"""The API's rate limit per token: a fixed window counted atomically.

DRF's SimpleRateThrottle reads a list of timestamps from the cache, appends and writes it back: concurrent
requests read the same list, and 2,000 requests at once passed a 600/min limit 1,885 times. Here each request
is one atomic increment of the window's counter (INCR, and EXPIRE on the first, in one Lua script on Redis;
add + incr on the Django cache when no Redis is configured), so at most the limit passes per window.

When the counter's store is unreachable the request passes (fail open, logged): a Redis outage must not take
the API down with it.
"""

from __future__ import annotations

import functools
import logging
import math
import time

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

# INCR and, on a window's first request, its expiry: one script, so no counter is ever left without one.
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


@functools.cache
def _counter(url: str):
    """The counting script on a client of its own (EVALSHA, the script sent once). Short timeouts: a Redis
    that hangs costs each request a quarter second, not a worker."""
    client = redis.Redis.from_url(url, socket_connect_timeout=0.25, socket_timeout=0.25, health_check_interval=30)
    return client.register_script(_COUNT)


def window_count(key: str, duration: int) -> int:
    """Count one more request in the window `key` (which lives `duration` seconds); the count so far."""
    url = settings.THROTTLE_REDIS_URL
    if url:
        return int(_counter(url)(keys=[key], args=[duration]))
    cache.add(key, 0, timeout=duration)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens the next window
        cache.add(key, 1, timeout=duration)
        return 1


class FixedWindowRateThrottle(SimpleRateThrottle):
    """At most `num_requests` per window of `duration` seconds per cache key, counted atomically."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.wait_seconds = (window + 1) * self.duration - now
        try:
            count = window_count(f"{key}:{window}", self.duration + 1)
        except Exception:  # noqa: BLE001 - any failure of the store (down, timeout, full) lets the request through
            logger.warning("rate limit not enforced: the throttle's store is unreachable (key %s)", key, exc_info=True)
            return True
        return count <= self.num_requests

    def wait(self):
        return max(1, math.ceil(self.wait_seconds))


class TokenRateThrottle(FixedWindowRateThrottle):
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
