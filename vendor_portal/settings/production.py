from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
# The examples published in the README and docker-compose.yml sign nobody's sessions.
if "change-me" in SECRET_KEY or len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("SECRET_KEY is the published example or too short: set a random one of at least 40 characters.")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# A year: the least the browsers' preload list accepts (check --deploy's security.W021 wants preload too).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
if SECURE_HSTS_PRELOAD and SECURE_HSTS_SECONDS < 60 * 60 * 24 * 365:
    raise ImproperlyConfigured("SECURE_HSTS_PRELOAD needs SECURE_HSTS_SECONDS of at least a year (31536000).")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
