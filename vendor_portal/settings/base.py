"""Settings shared by every environment. The environment is read here and only here."""

from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from vendor_portal import local_postgres

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram indexes (OpClass) for the lists' substring search
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "template_partials",
    "vendor_portal",
    "purchase_orders",
    "shipments",
    "invoicing",
    "reconciliation",
    "amazon_api",
    "webhooks",
    "edi",
    "planning",
    "appointments",
    "scorecards",
    "compliance",
    "catalogue",
]

MIDDLEWARE = [
    # First, so that every error under a door's prefix answers in the door's shape, even Django's own.
    "vendor_portal.middleware.DoorErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vendor_portal.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "vendor_portal.middleware.RequestContextMiddleware",
    "vendor_portal.middleware.SignedInPagesMiddleware",
    # After the request's id is set: a person half signed in (password, no code yet) reaches only the code step.
    # It reads where they stand from the session; django-otp's OTPMiddleware, which loads the device on every
    # request, is not needed.
    "vendor_portal.middleware.TwoFactorMiddleware",
    # Last, so that a lockout is decided after authentication ran.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vendor_portal.urls"
WSGI_APPLICATION = "vendor_portal.wsgi.application"
ASGI_APPLICATION = "vendor_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vendor_portal.context_processors.portal",
            ],
        },
    }
]

# Databases: DATABASE_URL names a PostgreSQL server (CI, production). Without it, the checkout's own PostgreSQL
# under var/postgres, which the make targets start and stop (vendor_portal/local_postgres.py): the settings only
# read where it listens, and never start it.
_database_url = env("DATABASE_URL", default="") or local_postgres.running_database_url()
if not _database_url:
    raise ImproperlyConfigured(local_postgres.NOT_RUNNING)
DATABASES = {"default": env.db_url_config(_database_url)}
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])  # a socket's folder comes percent-encoded, as libpq reads it
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "vendor_portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Everything the portal serves comes from itself (no CDN): a page may load scripts, styles, fonts and images
# from this origin only, run no inline script or style attribute, and be framed by nobody.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# A session ends after this long without a request (SignedInPagesMiddleware keeps an active one alive).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=60)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in lockout: five failures for a username from one address lock it for fifteen minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # failures and lockouts in PostgreSQL: every web node sees them
# Posts of the sign-in and password-reset pages: (attempts, per seconds) per client address and per account.
PORTAL_AUTH_RATE_LIMITS = {
    "login": {"ip": (env.int("LOGIN_RATE_PER_IP", default=30), 5 * 60), "account": (env.int("LOGIN_RATE_PER_ACCOUNT", default=10), 5 * 60)},
    "password_reset": {"ip": (env.int("PASSWORD_RESET_RATE_PER_IP", default=10), 60 * 60), "account": (3, 60 * 60)},
}

# Two-factor sign-in (django-otp): anyone may enrol an authenticator app; people holding one of these roles must
# before anything else. Approving bank changes and payment runs asks for a code again unless one was entered in
# the last OTP_FRESH_SECONDS. API tokens are a factor of their own and never asked.
OTP_REQUIRED_ROLES = env.list(
    "OTP_REQUIRED_ROLES", default=["vendor_admin", "vendor_finance", "buyer", "receiving", "accounts_payable", "retailer_admin"]
)
OTP_FRESH_SECONDS = env.int("OTP_FRESH_SECONDS", default=5 * 60)
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds, doubled with each wrong code in a row (django-otp), besides django-axes' lockout
OTP_STATIC_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    # Generated documents and uploads are served only through permission-checked views, never as /media/.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# With S3_BUCKET, documents and uploads go to an S3-compatible bucket (AWS S3, MinIO, ...), which every web and
# worker node shares; the local disk under MEDIA_ROOT otherwise. Downloads are redirects to signed URLs that
# expire after S3_URL_EXPIRY seconds, handed out only after the view's permission checks (vendor_portal/downloads.py).
S3_BUCKET = env("S3_BUCKET", default="")
S3_URL_EXPIRY = env.int("S3_URL_EXPIRY", default=60)
if S3_BUCKET:
    _s3_endpoint_url = env("S3_ENDPOINT_URL", default="") or None
    STORAGES["default"] = {
        "BACKEND": "vendor_portal.object_storage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": _s3_endpoint_url,
            "public_endpoint_url": env("S3_PUBLIC_ENDPOINT_URL", default="") or None,
            "region_name": env("S3_REGION", default="") or None,
            # Unset: boto3's own chain (AWS_ACCESS_KEY_ID..., an instance or task role).
            "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,  # no ACL sent: objects stay as private as the bucket, readable only through signed URLs
            "querystring_auth": True,
            "querystring_expire": S3_URL_EXPIRY,
            # The document store names files deterministically (vendor/kind/key) and replaces them in place: a PUT
            # over the same key, never Django's "name_a1b2c3.pdf" beside the old one.
            "file_overwrite": True,
            "signature_version": "s3v4",
            # A server of one's own (MinIO) answers every bucket at one address: path style. AWS chooses for itself.
            "addressing_style": "path" if _s3_endpoint_url else None,
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Vendor Portal <no-reply@vendor-portal.local>")

# Redis when REDIS_URL is set; otherwise the embedded default needs no server at all.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from Redis, so any web node serves any request; cached_db rather than cache alone also writes
    # them to PostgreSQL, so a Redis restart or an eviction under memory pressure (it is the broker too) signs nobody out.
    # A Redis outage costs speed, not signed-in pages: vendor_portal.sessions reads PostgreSQL when Redis is down.
    SESSION_ENGINE = "vendor_portal.sessions"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
else:
    # A message a dead worker had taken goes back to the queue after this long (Redis's default is an hour).
    # It must outlast the longest task: the label job of a 5,000-carton shipment takes about a minute.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=15 * 60)}
CELERY_RESULT_BACKEND = None  # progress and outcomes live in Job rows the UI and API read
CELERY_TASK_ACKS_LATE = True
# A job (labels, documents, exports, uploads) running longer than this is stopped and fails with a message; keep
# it below CELERY_VISIBILITY_TIMEOUT, or Redis hands a job still running to a second worker.
JOB_TIME_LIMIT_SECONDS = env.int("JOB_TIME_LIMIT_SECONDS", default=10 * 60)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 400_000  # KiB: WeasyPrint grows with page count
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
# Two queues, so that quick work never waits behind long work: "celery" (the default) takes the light
# tasks (acknowledgements, webhooks, EDI, matching), "heavy" the PDFs and files (labels, packing lists,
# invoices, remittances, exports). Production runs a worker per queue (docker-compose.yml);
# `make run`'s single worker consumes both (Procfile.dev).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_HEAVY_QUEUE = "heavy"
CELERY_TASK_ROUTES = {
    name: {"queue": CELERY_HEAVY_QUEUE}
    for name in (
        "shipments.tasks.*",
        "vendor_portal.tasks.run_export",
        "invoicing.tasks.render_invoice_document",
        "reconciliation.tasks.render_remittance_document",
        "reconciliation.tasks.reconciliation_nightly_sweep",
        "catalogue.tasks.propose_uploaded_items",  # 2000 new items: ~20 s of inserts and audit rows
    )
}
# At most this many jobs (labels, packing lists, exports) of one vendor run at once; the next ones wait
# queued, so one vendor's big shipments cannot take every worker.
JOBS_RUNNING_PER_VENDOR = env.int("JOBS_RUNNING_PER_VENDOR", default=2)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "po-confirmation-reminders": {"task": "purchase_orders.tasks.send_confirmation_reminders", "schedule": 15 * 60},
    "po-cancel-unconfirmed": {"task": "purchase_orders.tasks.cancel_unconfirmed_purchase_orders", "schedule": 60 * 60},
    "amazon-requeue-stale-transactions": {"task": "amazon_api.tasks.requeue_stale_transactions", "schedule": 5 * 60},
    # Retries, and attempts whose worker died, are picked up here.
    "webhooks-deliver-due": {"task": "webhooks.tasks.deliver_due_webhooks", "schedule": 30},
    # Running jobs whose worker died (no heartbeat for a minute) are queued again.
    "jobs-sweep-stale": {"task": "vendor_portal.tasks.sweep_stale_jobs", "schedule": 30},
}
WEBHOOKS_ALLOW_LOCAL_HTTP = env.bool("WEBHOOKS_ALLOW_LOCAL_HTTP", default=False)

# EDI X12: the retailer's own interchange ids, and the watched inbox folder (one subfolder per vendor code).
EDI_RETAILER_ISA_QUALIFIER = env("EDI_RETAILER_ISA_QUALIFIER", default="ZZ")
EDI_RETAILER_ISA_ID = env("EDI_RETAILER_ISA_ID", default="NORTHWIND")
EDI_RETAILER_GS_ID = env("EDI_RETAILER_GS_ID", default="NORTHWIND")
EDI_INBOX_DIR = env.path("EDI_INBOX_DIR", default=str(VAR_DIR / "edi" / "inbox"))
# A job still queued this many minutes after it was created fails with a message (its message to the workers was lost).
PORTAL_JOB_QUEUED_TIMEOUT = env.int("PORTAL_JOB_QUEUED_TIMEOUT", default=30)
CELERY_BEAT_SCHEDULE["jobs-fail-stale-queued"] = {"task": "vendor_portal.tasks.fail_stale_queued_jobs", "schedule": 5 * 60}
# The most one inbound interchange may be: refused at the door (413 / 400) and again by the worker that parses it.
EDI_MAX_UPLOAD_BYTES = env.int("EDI_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
EDI_MAX_TRANSACTION_SETS = env.int("EDI_MAX_TRANSACTION_SETS", default=10_000)
CELERY_BEAT_SCHEDULE["edi-poll-inbox"] = {"task": "edi.tasks.edi_poll_inbox", "schedule": 60}
CELERY_BEAT_SCHEDULE["planning-end-promotions"] = {"task": "planning.tasks.end_finished_promotions", "schedule": 60 * 60}
CELERY_BEAT_SCHEDULE["appointments-mark-missed"] = {"task": "appointments.tasks.mark_missed_appointments", "schedule": 5 * 60}
CELERY_BEAT_SCHEDULE["scorecards-store-weeks"] = {
    "task": "scorecards.tasks.store_scorecard_weeks",
    "schedule": crontab(day_of_week="mon", hour=3, minute=15),
}
CELERY_BEAT_SCHEDULE["scorecards-refresh-current-week"] = {"task": "scorecards.tasks.refresh_current_scorecard_week", "schedule": 60 * 60}
# Idempotency-Key records (the first answer to a write, for retries) are deleted after this many hours.
IDEMPOTENCY_RETENTION_HOURS = env.int("IDEMPOTENCY_RETENTION_HOURS", default=24)
# A request still unanswered this long after it began is deemed abandoned (its process died) and a retry with the
# same key runs. Keep it above the longest a request may run (gunicorn's timeout, vendor_portal/gunicorn.py: 60 s).
IDEMPOTENCY_IN_FLIGHT_SECONDS = env.int("IDEMPOTENCY_IN_FLIGHT_SECONDS", default=5 * 60)
# Uploaded files nothing reads again (new-items files once processed, refused e-invoices) keep their bytes this long;
# an accepted e-invoice is the invoice's original and is kept.
UPLOAD_RETENTION_DAYS = env.int("UPLOAD_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["catalogue-purge-item-upload-files"] = {
    "task": "catalogue.tasks.purge_item_upload_files",
    "schedule": crontab(hour=3, minute=40),
}
CELERY_BEAT_SCHEDULE["invoicing-purge-refused-einvoices"] = {
    "task": "invoicing.tasks.purge_refused_einvoice_files",
    "schedule": crontab(hour=3, minute=45),
}
CELERY_BEAT_SCHEDULE["idempotency-expire-records"] = {"task": "vendor_portal.tasks.expire_idempotency_records", "schedule": 60 * 60}
CELERY_BEAT_SCHEDULE["reconciliation-nightly-sweep"] = {
    "task": "reconciliation.tasks.reconciliation_nightly_sweep",
    "schedule": crontab(hour=2, minute=30),
}
# The compliance programme judges the week just ended each Monday morning, and warns of fees ahead each day.
CELERY_BEAT_SCHEDULE["compliance-weekly"] = {"task": "compliance.tasks.evaluate_last_week", "schedule": crontab(day_of_week=1, hour=4, minute=0)}
CELERY_BEAT_SCHEDULE["compliance-forecast-alerts"] = {"task": "compliance.tasks.send_forecast_alerts", "schedule": crontab(hour=7, minute=0)}

# The API's rate limits are counted in this Redis (atomically, vendor_portal/api/throttling.py); without one,
# in the Django cache. An unreachable Redis lets requests through (logged) rather than refusing them.
THROTTLE_REDIS_URL = env("THROTTLE_REDIS_URL", default=REDIS_URL)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "vendor_portal.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "vendor_portal.api.pagination.KeysetCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["vendor_portal.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_RATE", default="600/min")},
    "EXCEPTION_HANDLER": "vendor_portal.api.errors.portal_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # API writes take JSON; a view that receives a file adds MultiPartParser itself (one request body type per
    # operation in the schema, so generated clients build it).
    "DEFAULT_PARSER_CLASSES": ["vendor_portal.api.parsers.PortalJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vendor Portal API",
    "DESCRIPTION": (
        "The portal's own REST API (/api/v1/) and its Amazon-compatible vendor door (/vendor/). Authenticate with an API "
        "token (Bearer or x-amz-access-token), or with a signed-in session. Tokens are created and revoked only by a vendor "
        "admin on the settings screen or by an operator with `manage.py api_token`: no API operation mints tokens. "
        "Operations that no token scope covers (approvals, bank details, team, vendors, PO upload) are for signed-in people."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: Swagger UI puts them inside each operation's toggle button (a link in a button, which
    # screen readers and keyboards cannot use; axe's nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Amazon's Cases/Eaches is the same choice set as ours: one enum in the schema.
    "ENUM_NAME_OVERRIDES": {
        "UnitOfMeasureEnum": "purchase_orders.models.UnitOfMeasure",
        "PurchaseOrderStateEnum": "purchase_orders.models.PurchaseOrderState",
        "ShipmentStateEnum": "shipments.models.ShipmentState",
        "InvoiceStateEnum": "invoicing.models.InvoiceState",
        "InvoiceSourceEnum": "invoicing.models.InvoiceSource",
        "CreditNoteReasonEnum": "invoicing.models.CreditNoteReason",
        "EdiInterchangeStatusEnum": "edi.models.InterchangeStatus",
        "EdiSetStatusEnum": "edi.models.SetStatus",
        "EdiInterchangeSourceEnum": "edi.models.InterchangeSource",
        "EdiDirectionEnum": "edi.models.Direction",
        # Amazon's vendorShipments model (amazon_api/sp_api/) reuses property names for different choice sets.
        "AsnTypeEnum": "shipments.models.AsnType",
        "AmazonShipModeEnum": ["TruckLoad", "LessThanTruckLoad", "SmallParcel"],
        "AmazonLabelShipModeEnum": ["SmallParcel", "LTL"],
        "AmazonShipmentStatusEnum": ["Created", "TransportationRequested", "CarrierAssigned", "Shipped"],
        "AmazonHandlingCodeEnum": ["Oversized", "Fragile", "Food", "HandleWithCare"],
        "AmazonWeightUnitEnum": ["POUNDS", "OUNCES", "GRAMS", "KILOGRAMS"],
        # Maker/checker decisions (approvals, invoices above the threshold, payment runs) share one choice set.
        "ApprovalDecisionEnum": ["approve", "reject"],
        # vendorOrders' purchaseOrderState would otherwise take the name (and values) of the portal's enum.
        "AmazonPurchaseOrderStateEnum": ["New", "Acknowledged", "Closed"],
        "PromotionStateEnum": "planning.models.PromotionState",
        "PromotionTypeEnum": "planning.models.PromotionType",
        "ForecastSourceEnum": "planning.models.ForecastSource",
        "WebhookEventEnum": "webhooks.models.WebhookEvent",
        "AppointmentStateEnum": "appointments.models.AppointmentState",
        "RoutingRequestStateEnum": "appointments.models.RoutingRequestState",
        "JobStatusEnum": "vendor_portal.models.jobs.JobStatus",
    },
    # Integrators read the contract before they hold a token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "vendor_portal.api.schema.declare_authentication_and_rate_errors",
    ],
}

# Portal rules operators may tune.
PORTAL_RETAILER_NAME = env("PORTAL_RETAILER_NAME", default="Northwind Retail")
PORTAL_CONFIRMATION_DUE_HOURS = env.int("PORTAL_CONFIRMATION_DUE_HOURS", default=48)
OTP_TOTP_ISSUER = PORTAL_RETAILER_NAME  # the name an authenticator app shows beside the code
# A receipt counting more than this many times a PO line's ordered quantity (with what was received before) is refused.
PORTAL_OVER_RECEIPT_FACTOR = env.int("PORTAL_OVER_RECEIPT_FACTOR", default=2)
# Bank detail changes: whom a requester invited within this many days before asking cannot approve it (no
# sock-puppet checker), and payments to new bank details wait this many days after the change is applied.
PORTAL_BANK_CHECKER_COOLING_OFF_DAYS = env.int("PORTAL_BANK_CHECKER_COOLING_OFF_DAYS", default=7)
PORTAL_BANK_CHANGE_PAYMENT_HOLD_DAYS = env.int("PORTAL_BANK_CHANGE_PAYMENT_HOLD_DAYS", default=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

for _folder in ("broker", "broker-processed", "broker-control", "media", "cache", "staticfiles", "edi/inbox"):
    (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)
