"""The API's rate limit holds under concurrency (atomic counting in Redis), lets reads through when Redis is
down (failing open, logged), and the sign-in and password-reset pages are rate-limited per address and per
account."""

import os
import threading
import time
import uuid

import pytest
import redis
from django.core import mail
from django.core.cache import cache

from tests.audit_check import audit_exempt
from vendor_portal.api.throttling import SlidingWindowRateThrottle

pytestmark = pytest.mark.django_db
CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="counts in a real Redis (CI sets REDIS_URL)")


class _Request:
    """What the throttle reads of a request: its key comes from the test."""


def _throttle_class(key: str, rate: str, clock=None):
    class Throttle(SlidingWindowRateThrottle):
        THROTTLE_RATES = {"test": rate}
        scope = "test"
        timer = staticmethod(clock) if clock else SlidingWindowRateThrottle.timer

        def get_cache_key(self, request, view):
            return key

    return Throttle


@needs_redis
def test_two_thousand_concurrent_requests_pass_at_most_the_limit_plus_five_percent(settings):
    settings.THROTTLE_REDIS_URL = os.environ["REDIS_URL"]
    # An hour's window, so the burst does not straddle two windows (each with its own 600).
    if time.time() % 3600 > 3600 - 30:
        time.sleep(31)
    key = f"test-throttle:{uuid.uuid4().hex}"
    throttle_class = _throttle_class(key, "600/hour")
    passed, barrier = [], threading.Barrier(40)

    def client():
        barrier.wait()
        allowed = sum(throttle_class().allow_request(_Request(), None) for _ in range(50))
        passed.append(allowed)

    threads = [threading.Thread(target=client) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert sum(passed) <= 600 * 1.05
        assert sum(passed) == 600  # counted atomically, exactly the limit passes
    finally:
        client_ = redis.Redis.from_url(os.environ["REDIS_URL"])
        client_.delete(*client_.keys(f"{key}:*"))


@needs_redis
def test_a_refused_request_is_told_when_one_more_may_pass(settings):
    settings.THROTTLE_REDIS_URL = os.environ["REDIS_URL"]
    key = f"test-throttle:{uuid.uuid4().hex}"
    throttle = _throttle_class(key, "2/min")()
    assert [throttle.allow_request(_Request(), None) for _ in range(3)] == [True, True, False]
    assert 1 <= throttle.wait() <= 120
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    # Every window's counter expires, once the next window no longer reads it.
    assert 0 < client.ttl(client.keys(f"{key}:*")[0]) <= 121
    client.delete(*client.keys(f"{key}:*"))


class _Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def _burst(throttle_class, count: int) -> int:
    return sum(throttle_class().allow_request(_Request(), None) for _ in range(count))


@pytest.mark.parametrize("store", ["redis", "cache"])
def test_no_more_than_the_limit_passes_across_a_window_edge(settings, store):
    """10 a minute: 10 at the end of one minute leave no room at the start of the next (a fixed window let 10
    more through there); half a minute on, half of them have slid out of the window."""
    if store == "redis":
        if not os.environ.get("REDIS_URL"):
            pytest.skip("counts in a real Redis (CI sets REDIS_URL)")
        settings.THROTTLE_REDIS_URL = os.environ["REDIS_URL"]
    else:
        cache.clear()
    key = f"test-throttle:{uuid.uuid4().hex}"
    clock = _Clock(1_800_000_000 - 0.5)  # half a second before a minute ends
    throttle_class = _throttle_class(key, "10/min", clock)

    assert _burst(throttle_class, 15) == 10
    clock.now += 1  # half a second into the next minute
    refused = throttle_class()
    assert _burst(throttle_class, 5) == 0 and not refused.allow_request(_Request(), None)
    assert 1 <= refused.wait() <= 7  # 10 × (1 − 9/10): 6 s into the minute, one has slid out
    clock.now += 5.6  # 6.1 s into the minute
    assert _burst(throttle_class, 5) == 1
    clock.now += 24  # 30.1 s into the minute: 5 of the 10 still weigh, 1 counted in this one
    assert _burst(throttle_class, 10) == 4
    clock.now += 29.9  # the next minute opens: this minute's 5 weigh fully
    assert _burst(throttle_class, 10) == 5
    clock.now += 30  # half of them have slid out: 2.5 + 5 leaves room for 2
    assert _burst(throttle_class, 10) == 2
    if store == "redis":
        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        client.delete(*client.keys(f"{key}:*"))


def test_with_redis_unreachable_the_api_keeps_serving_reads_and_logs_the_unenforced_limit(token_client, vendor, settings, caplog):
    from tests.purchase_orders.factories import purchase_order_with_lines

    po = purchase_order_with_lines(vendor, lines=1)
    settings.THROTTLE_REDIS_URL = CLOSED_PORT
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}

    portal = token_client.get("/api/v1/purchase-orders/")
    amazon = token_client.get("/vendor/orders/v1/purchaseOrders")

    assert portal.status_code == 200 and po.number in [row["number"] for row in portal.json()["results"]]
    assert amazon.status_code == 200
    assert "rate limit not enforced: the throttle's store is unreachable" in caplog.text


def test_with_redis_unreachable_a_signed_in_person_still_reads_through_the_session(client, vendor_user, settings, caplog):
    settings.SESSION_ENGINE = "vendor_portal.sessions"  # production's: Redis, written through to PostgreSQL
    client.force_login(vendor_user)
    settings.THROTTLE_REDIS_URL = CLOSED_PORT
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}
    assert client.get("/api/v1/purchase-orders/").status_code == 200
    assert "rate limit not enforced" in caplog.text


def test_with_only_the_cache_down_the_counter_store_still_fails_open(token_client, settings, caplog):
    settings.THROTTLE_REDIS_URL = ""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}
    assert token_client.get("/api/v1/purchase-orders/").status_code == 200
    assert "rate limit not enforced" in caplog.text


# Sign-in and password reset -----------------------------------------------------------------------------------
@pytest.fixture
def tight_limits(settings):
    settings.PORTAL_AUTH_RATE_LIMITS = {
        "login": {"ip": (5, 300), "account": (3, 300)},
        "password_reset": {"ip": (5, 3600), "account": (2, 3600)},
    }
    cache.clear()
    yield
    cache.clear()


def test_sign_in_posts_beyond_the_limit_per_address_are_refused_with_429(client, tight_limits):
    answers = [client.post("/accounts/login/", {"username": f"guess{n}", "password": "x"}).status_code for n in range(6)]
    assert answers == [200] * 5 + [429]
    refused = client.post("/accounts/login/", {"username": "someone-else", "password": "x"})
    assert refused.status_code == 429 and "Too many attempts" in refused.content.decode() and int(refused["Retry-After"]) > 0
    assert client.get("/accounts/login/").status_code == 200  # the page itself still opens


def test_sign_in_posts_for_one_account_from_many_addresses_are_refused_with_429(client, tight_limits, vendor_user):
    answers = [
        client.post("/accounts/login/", {"username": vendor_user.username.upper(), "password": "x"}, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]


def test_password_reset_mails_one_account_at_most_the_limit(client, tight_limits, vendor_user):
    with audit_exempt():
        vendor_user.email = "buyer@acme.example"
        vendor_user.save(update_fields=["email"])
    answers = [client.post("/accounts/password_reset/", {"email": "Buyer@acme.example"}, REMOTE_ADDR=f"10.0.1.{n}").status_code for n in range(4)]
    assert answers == [302, 302, 429, 429]
    assert len(mail.outbox) == 2
