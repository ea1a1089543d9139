"""The production settings as `bench/load/run.py` serves them: plain HTTP on loopback (no TLS proxy in front, so
no HTTPS redirect and no secure-only cookies), the API rate limits lifted, and the bench's baseline pages routed
beside the portal's."""

from vendor_portal.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.load.urls"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
