import os

from .base import *  # noqa: F401,F403
from .base import VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Never a bucket named in .env: tests/vendor_portal/test_object_storage.py brings its own S3 server.
STORAGES["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
AUTH_PASSWORD_VALIDATORS = []
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "10000/min"}}  # noqa: F405
THROTTLE_REDIS_URL = ""  # the locmem cache; tests/security/test_throttling.py brings the real Redis
WEBHOOKS_ALLOW_LOCAL_HTTP = True
# Tests sign people in with a password alone; the two-factor tests (tests/vendor_portal/test_two_factor*.py) turn it on.
OTP_REQUIRED_ROLES: list[str] = []

# Files of each pytest-xdist worker (gw0, gw1, ...) in a folder of its own: the workers' databases number rows
# alike, so two workers would write the same storage keys. Never the development server's var/media.
TEST_FILES_DIR = VAR_DIR / "test" / os.environ.get("PYTEST_XDIST_WORKER", "main")
MEDIA_ROOT = str(TEST_FILES_DIR / "media")
EDI_INBOX_DIR = str(TEST_FILES_DIR / "edi" / "inbox")
CELERY_BEAT_SCHEDULE_FILENAME = str(TEST_FILES_DIR / "celerybeat-schedule")
if not REDIS_URL:  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "data_folder_in": str(TEST_FILES_DIR / "broker"),
        "data_folder_out": str(TEST_FILES_DIR / "broker"),
        "control_folder": str(TEST_FILES_DIR / "broker-control"),
    }
for _folder in ("media", "edi/inbox", "broker", "broker-control"):
    (TEST_FILES_DIR / _folder).mkdir(parents=True, exist_ok=True)
# Tests sign in from one address all day; tests/security/test_auth_rate_limits.py sets its own limits.
PORTAL_AUTH_RATE_LIMITS = {"login": {"ip": (10_000, 60), "account": (10_000, 60)}, "password_reset": {"ip": (10_000, 60), "account": (10_000, 60)}}
