from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WEBHOOKS_ALLOW_LOCAL_HTTP = True
# Newcomers sign in to the demo with a password only (README); enrolling is still offered. OTP_REQUIRED_ROLES=...
# in the environment enforces it here too.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=[])
