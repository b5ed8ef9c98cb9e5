"""Settings of Otinish Desk: one file, every value read from the environment.

Nothing outside this module reads the environment. Defaults give a working development
setup with nothing installed: SQLite in var/, kombu's filesystem broker in var/broker,
emails written as files to var/mail. Production sets DATABASE_URL, CELERY_BROKER_URL,
EMAIL_HOST, SECRET_KEY, DEBUG=false and ALLOWED_HOSTS (see config/prod.env.example).
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "config.admin.OtinishAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "agencies",
    "appeals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "appeals.context_processors.desk",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
_db = environ.Env.db_url_config(DATABASE_URL)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # Writers queue up instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    _db["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
    # A connection that died with a PostgreSQL restart is replaced before the next request uses it.
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------
CACHES = {"default": environ.Env.cache_url_config(env_str("CACHE_URL", "locmemcache://"))}

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "agencies.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)

# --- Languages and time -------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Almaty"
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded attachments live outside the static root and are served only through a permission check.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/attachments/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email --------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# Without an SMTP host, every message is written to var/mail/ as a file a person can open.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Otinish Desk <no-reply@otinish.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # The same folder in and out: every process on this host shares one queue.
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Status webhooks: sends the outbox rows that are due (first attempts whose enqueue was lost,
    # and retries with exponential backoff).
    "webhook-deliveries-retry": {
        "task": "appeals.tasks.webhook_deliveries_retry_task",
        "schedule": env_int("WEBHOOK_RETRY_SCAN_SECONDS", 60),
    },
}

# --- The law (../shared/DOMAIN.md): every number a rule needs, in one place ----------------------
# Read through appeals.policy, never directly, so that tests can override one value.
APPEAL_POLICY = {
    # An appeal is considered within this many working days from registration.
    "CONSIDERATION_WORKING_DAYS": env_int("APPEAL_CONSIDERATION_WORKING_DAYS", 15),
    # Per-kind terms that differ from the one above (kind value -> working days).
    # A complaint is reviewed by the higher body within 20 working days.
    "WORKING_DAYS_BY_KIND": {"complaint": env_int("APPEAL_COMPLAINT_REVIEW_WORKING_DAYS", 20)},
    # The whole term, extensions included, at most this many months from registration.
    "EXTENSION_MAX_MONTHS": env_int("APPEAL_EXTENSION_MAX_MONTHS", 2),
    # The applicant is told of an extension within this many working days of the decision.
    "EXTENSION_NOTICE_WORKING_DAYS": 3,
    # A redirect to the competent body is due within this many working days of registration.
    "REDIRECT_LIMIT_WORKING_DAYS": env_int("APPEAL_REDIRECT_LIMIT_WORKING_DAYS", 3),
    # The applicant may challenge the result within this many months.
    "CHALLENGE_PERIOD_MONTHS": 3,
    # "Due soon" in queues and reminders.
    "DUE_SOON_WORKING_DAYS": 3,
    # Limits on what an appeal may carry.
    "SUBJECT_MAX_LENGTH": 300,
    "TEXT_MAX_LENGTH": env_int("APPEAL_TEXT_MAX_LENGTH", 20000),
    "ATTACHMENT_MAX_BYTES": env_int("APPEAL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
    "ATTACHMENT_MAX_COUNT": 10,
}

# --- The API for integrations (appeals/api/) ------------------------------------------------------
# Requests per period for one integration token (an integration may have its own in the admin),
# for one signed-in member of staff, and for one address without credentials. Counted in the
# default cache: set CACHE_URL to a shared Redis when several web processes serve the API.
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/min")
API_SESSION_RATE_LIMIT = env_str("API_SESSION_RATE_LIMIT", "1200/min")
API_ANON_RATE_LIMIT = env_str("API_ANON_RATE_LIMIT", "120/min")
# The largest JSON body the API reads (attachments travel base64-encoded in the intake body).
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 15 * 1024 * 1024)
# Open311 GeoReport v2 (/open311/v2/): the jurisdiction this server answers for.
OPEN311_JURISDICTION_ID = env_str("OPEN311_JURISDICTION_ID", "otinish.kz")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "appeals.api.authentication.IntegrationTokenAuthentication",
        "appeals.api.authentication.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["appeals.api.permissions.ApiAccess"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["appeals.api.parsers.LimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "appeals.api.pagination.ApiPagination",
    "DEFAULT_THROTTLE_CLASSES": [
        "appeals.api.throttling.IntegrationRateThrottle",
        "appeals.api.throttling.StaffRateThrottle",
        "appeals.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "integration": API_RATE_LIMIT,
        "staff": API_SESSION_RATE_LIMIT,
        "anonymous": API_ANON_RATE_LIMIT,
    },
    "EXCEPTION_HANDLER": "appeals.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "appeals.api.schema.ApiAutoSchema",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Otinish Desk API",
    "VERSION": "1.0.0",
    "DESCRIPTION": "",  # appeals/api/docs.md, read by appeals.api.schema
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/(api/v1|open311/v2)",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "appeals.api.schema.add_api_description",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AppealStatusEnum": "appeals.choices.AppealStatus",
        "AppealKindEnum": "appeals.choices.AppealKind",
        "ChannelEnum": "appeals.choices.Channel",
        "LanguageEnum": "appeals.choices.Language",
        "RegionEnum": "agencies.choices.Region",
        "OutcomeEnum": "appeals.choices.Outcome",
        "AnswerOutcomeEnum": "appeals.api.serializers.ANSWER_OUTCOME_CHOICES",
    },
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False, "displayOperationId": False},
}

# --- Status webhooks (appeals/webhooks.py) ------------------------------------------------------
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 12)
# The n-th retry waits base * 2**(n-1) seconds, at most the maximum: 1, 2, 4 … minutes, then 6 hours.
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 60)
WEBHOOK_RETRY_MAX_SECONDS = env_int("WEBHOOK_RETRY_MAX_SECONDS", 6 * 60 * 60)
# Plain http:// and addresses on this host or a private network: for development and tests only.
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", DEBUG)

# --- Logging ------------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
