"""Settings of Otinish Desk: one file, every value read from the environment.

Nothing outside this module reads the environment. Defaults give a working development
setup with nothing installed: SQLite in var/, kombu's filesystem broker in var/broker,
emails written as files to var/mail. Production sets DATABASE_URL, CELERY_BROKER_URL,
EMAIL_HOST, SECRET_KEY, DEBUG=false and ALLOWED_HOSTS (see config/prod.env.example).
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.databases import POOLERS, postgres_database

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
    # Before anything reads the request: NUL characters answer 400, bodies over the limit 413.
    "appeals.infra.requestguard.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After a write, this session's heavy reads stay on the primary a while (does nothing without a replica).
    "appeals.infra.replica.ReplicaPinMiddleware",
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
                "appeals.views.context_processors.desk",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
# A streaming replica of the PostgreSQL primary: the heavy reads go there (appeals/infra/replica.py; README,
# "A read replica and PgBouncer"). Unset: one database, nothing routed.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
# "pgbouncer" when DATABASE_URL (and DATABASE_REPLICA_URL) lead to PgBouncer in transaction pooling mode.
DATABASE_POOLER = env_str("DATABASE_POOLER", "").strip().lower()
if DATABASE_POOLER not in POOLERS:
    raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or pgbouncer, not {DATABASE_POOLER!r}")
# After a request that wrote, the same session (or token) reads from the primary for this long (read-your-writes).
DATABASE_REPLICA_STICKY_SECONDS = env_int("DATABASE_REPLICA_STICKY_SECONDS", 15)
# A replica further behind than this, or down, is left alone: its reads go to the primary until it catches up.
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 30)
# How often each process asks the replica how far behind it is (two small queries, one on each server).
DATABASE_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 5)
_db = environ.Env.db_url_config(DATABASE_URL)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASE_REPLICA_URL or DATABASE_POOLER:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL and DATABASE_POOLER need DATABASE_URL=postgres://…")
    _db["OPTIONS"] = {
        # Writers queue up instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The test database is a file, not memory, so that a Celery worker started by a test (a separate
    # process) sees the same rows (tests/reminders/test_integration.py). It is created and deleted by
    # pytest-django for each run; its speed is the same as in memory.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    VAR_DIR.mkdir(parents=True, exist_ok=True)
else:
    _db = postgres_database(DATABASE_URL, pooler=DATABASE_POOLER, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
DATABASES = {"default": _db}
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = postgres_database(
        DATABASE_REPLICA_URL, pooler=DATABASE_POOLER, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), replica=True
    )
    DATABASE_ROUTERS = ["appeals.infra.replica.ReplicaRouter"]
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
# Our own locale formats first: Django ships none for kk (a decimal comma, like ru).
FORMAT_MODULE_PATH = ["config.formats"]
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
# One limit for every body Django reads into memory, the API's JSON included (see API_MAX_BODY_BYTES):
# larger ones answer 413 (appeals/infra/requestguard.py). Uploaded files of a form do not count toward it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("API_MAX_BODY_BYTES", 15 * 1024 * 1024)
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
# How often the deadline scan runs. It is idempotent (each reminder is a row under a unique
# constraint) and reads only open appeals due within a few working days, through an index.
REMINDER_SCAN_INTERVAL_SECONDS = env_int("REMINDER_SCAN_INTERVAL_SECONDS", 60)
# How often pending notices whose time has come are handed to the workers again (the catch-up
# after a broker, worker or SMTP outage, and the retries with backoff).
NOTICE_CATCH_UP_INTERVAL_SECONDS = env_int("NOTICE_CATCH_UP_INTERVAL_SECONDS", 60)
# The supervisors' daily digest, at this Almaty time on working days (HH:MM).
DIGEST_AT = env_str("DIGEST_AT", "08:30")
try:
    _digest_hour, _digest_minute = (int(part) for part in DIGEST_AT.split(":"))
    if not (0 <= _digest_hour < 24 and 0 <= _digest_minute < 60):
        raise ValueError(DIGEST_AT)
except ValueError:
    raise ImproperlyConfigured(f"DIGEST_AT must be a time as HH:MM, not {DIGEST_AT!r}") from None
for _name, _value in (
    ("REMINDER_SCAN_INTERVAL_SECONDS", REMINDER_SCAN_INTERVAL_SECONDS),
    ("NOTICE_CATCH_UP_INTERVAL_SECONDS", NOTICE_CATCH_UP_INTERVAL_SECONDS),
):
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1 second")
# How many of the newest finished appeals the routing model learns from (appeals.routing; 0: all of them), and
# how many processes compute its features. Training time grows linearly (BENCHMARKS.md: a million appeals take
# about 7–11 minutes of CPU, split over the processes). In a Celery worker's process joblib falls back to one.
ROUTER_TRAIN_LIMIT = env_int("ROUTER_TRAIN_LIMIT", 1_000_000)
ROUTER_TRAIN_JOBS = env_int("ROUTER_TRAIN_JOBS", 2)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "reminders-scan": {
        "task": "appeals.tasks.reminders_scan_task",
        "schedule": float(REMINDER_SCAN_INTERVAL_SECONDS),
        # A scan queued while the workers were busy is useless once the next one is due.
        "options": {"expires": float(REMINDER_SCAN_INTERVAL_SECONDS)},
    },
    "notices-catch-up": {
        "task": "appeals.tasks.notices_dispatch_pending_task",
        "schedule": float(NOTICE_CATCH_UP_INTERVAL_SECONDS),
        "options": {"expires": float(NOTICE_CATCH_UP_INTERVAL_SECONDS)},
    },
    "supervisors-digest": {
        "task": "appeals.tasks.digests_send_task",
        # CELERY_TIMEZONE is Asia/Almaty; the task itself skips days off of our calendar.
        "schedule": crontab(hour=_digest_hour, minute=_digest_minute),
        "options": {"expires": 6 * 60 * 60.0},
    },
    # Status webhooks: sends the outbox rows that are due (first attempts whose enqueue was lost,
    # and retries with exponential backoff).
    "webhook-deliveries-retry": {
        "task": "appeals.tasks.webhook_deliveries_retry_task",
        "schedule": env_int("WEBHOOK_RETRY_SCAN_SECONDS", 60),
    },
    # The dashboard's daily roll-ups: yesterday and the few days before (safe to run twice).
    "dashboard-rollups": {
        "task": "appeals.tasks.dashboard_rollups_refresh_task",
        "schedule": crontab(hour=1, minute=15),
        "options": {"expires": 6 * 60 * 60.0},
    },
    # The routing model (appeals.routing): retrained nightly from the newest ROUTER_TRAIN_LIMIT finished appeals.
    "router-train": {
        "task": "appeals.tasks.router_train_task",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 6 * 60 * 60.0},
    },
}

# --- The outbox of notices (appeals.notices.outbox) -----------------------------------------------------
NOTICE_OUTBOX = {
    # Notices per task, sent over one SMTP connection.
    "BATCH_SIZE": env_int("NOTICE_BATCH_SIZE", 100),
    # Appeals the deadline scan handles per transaction.
    "SCAN_CHUNK_SIZE": env_int("REMINDER_SCAN_CHUNK_SIZE", 1000),
    # A worker holds a notice this long while sending it; a worker that died holding it frees it then.
    "CLAIM_SECONDS": env_int("NOTICE_CLAIM_SECONDS", 300),
    # A notice handed to the broker is handed again after this long if it is still pending (a lost task).
    "REDISPATCH_SECONDS": env_int("NOTICE_REDISPATCH_SECONDS", 120),
    # An SMTP server that is down or answers "try later": the notice stays pending and is retried
    # with exponential backoff from the base up to the cap, for this many hours from its creation,
    # then marked failed. A permanent refusal (5xx for the address or the message) fails at once.
    "RETRY_BASE_SECONDS": env_int("NOTICE_RETRY_BASE_SECONDS", 60),
    "RETRY_MAX_SECONDS": env_int("NOTICE_RETRY_MAX_SECONDS", 3600),
    "GIVE_UP_HOURS": env_int("NOTICE_GIVE_UP_HOURS", 72),
    # At most this many pending notices handed to the workers per catch-up run.
    "DISPATCH_LIMIT": env_int("NOTICE_DISPATCH_LIMIT", 10000),
    # At most this many overdue appeals escalated per scan (the first scan after a long outage
    # would otherwise run for long); the next scans escalate the rest.
    "ESCALATIONS_PER_SCAN": env_int("REMINDER_ESCALATIONS_PER_SCAN", 2000),
}
if NOTICE_OUTBOX["CLAIM_SECONDS"] < 3 * EMAIL_TIMEOUT:
    # A notice must not be freed while a live worker may still be talking to the SMTP server.
    raise ImproperlyConfigured("NOTICE_CLAIM_SECONDS must be at least three times EMAIL_TIMEOUT")
for _key in (
    "BATCH_SIZE",
    "SCAN_CHUNK_SIZE",
    "REDISPATCH_SECONDS",
    "RETRY_BASE_SECONDS",
    "GIVE_UP_HOURS",
    "DISPATCH_LIMIT",
):
    if NOTICE_OUTBOX[_key] < 1:
        raise ImproperlyConfigured(f"NOTICE_OUTBOX {_key} must be at least 1")

# --- The law (../shared/DOMAIN.md): every number a rule needs, in one place ----------------------
# Read through appeals.calendar.policy, never directly, so that tests can override one value.
APPEAL_POLICY = {
    # An appeal is considered within this many working days from registration.
    "CONSIDERATION_WORKING_DAYS": env_int("APPEAL_CONSIDERATION_WORKING_DAYS", 15),
    # Per-kind terms that differ from the one above (kind value -> working days).
    # A complaint is reviewed by the higher body within 20 working days (from its registration there).
    "WORKING_DAYS_BY_KIND": {"complaint": env_int("APPEAL_COMPLAINT_REVIEW_WORKING_DAYS", 20)},
    # A complaint against an act goes, with the case file, to the higher body (the agency's parent) within
    # this many working days of its registration in the body whose act it challenges.
    "COMPLAINT_FORWARD_WORKING_DAYS": env_int("APPEAL_COMPLAINT_FORWARD_WORKING_DAYS", 3),
    # Registrars (and the assignee) are reminded of a complaint not yet forwarded this many working days
    # before that limit, or less.
    "COMPLAINT_FORWARD_REMINDER_WORKING_DAYS": 1,
    # The whole term, extensions included, at most this many months from registration.
    "EXTENSION_MAX_MONTHS": env_int("APPEAL_EXTENSION_MAX_MONTHS", 2),
    # (The law gives 3 working days to tell the applicant of an extension: the desk writes the notice in the
    # same transaction as the extension and sends it at once, so there is no term to configure.)
    # A redirect to the competent body is due within this many working days of registration.
    "REDIRECT_LIMIT_WORKING_DAYS": env_int("APPEAL_REDIRECT_LIMIT_WORKING_DAYS", 3),
    # The applicant may challenge the result within this many months.
    "CHALLENGE_PERIOD_MONTHS": 3,
    # "Due soon" in queues and reminders.
    "DUE_SOON_WORKING_DAYS": 3,
    # Reminders to the assignee: this many working days before the due date (0: on the due day),
    # and each working day while the appeal is overdue.
    "REMINDER_WORKING_DAYS_BEFORE": (3, 1, 0),
    "REMINDER_OVERDUE_DAILY": True,
    # The supervisors' daily digest: their subtree's appeals due within this many working days, and
    # the overdue ones, at most this many rows (the total is always given).
    "DIGEST_DUE_WITHIN_WORKING_DAYS": 1,
    "DIGEST_MAX_ROWS": 200,
    # Registrars are reminded of an unassigned appeal when its redirect limit is this many working
    # days away or less.
    "REDIRECT_LIMIT_REMINDER_WORKING_DAYS": 1,
    # Limits on what an appeal may carry.
    "SUBJECT_MAX_LENGTH": 300,
    "TEXT_MAX_LENGTH": env_int("APPEAL_TEXT_MAX_LENGTH", 20000),
    "ATTACHMENT_MAX_BYTES": env_int("APPEAL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
    "ATTACHMENT_MAX_COUNT": 10,
    # The most appeals one batch intake (POST /api/v1/appeals/batch/) may carry.
    "INTAKE_BATCH_MAX": env_int("APPEAL_INTAKE_BATCH_MAX", 100),
    # Matter matching (appeals/listening/matching.py): an applicant's earlier appeals within this many
    # months are compared; the same matter is a subject and text at least this similar (0 to 1), or the
    # same category and at least the second, lower similarity.
    "MATCH_WINDOW_MONTHS": env_int("APPEAL_MATCH_WINDOW_MONTHS", 12),
    "MATCH_MIN_SIMILARITY": 0.3,
    "MATCH_SAME_CATEGORY_MIN_SIMILARITY": 0.18,
}

# --- The supervisors' dashboard (appeals/dashboard/) ----------------------------------------------
DASHBOARD = {
    # Appeals listed behind each signal.
    "SIGNAL_LIST_LIMIT": 20,
    # Today (and any day not rolled up yet) is read live from the appeals; that reading is kept this
    # many seconds in the cache per agency subtree (0: never cached).
    "LIVE_CACHE_SECONDS": env_int("DASHBOARD_LIVE_CACHE_SECONDS", 60),
    # The readings of rolled-up history (a subtree's sums over past days and months) are kept this many seconds
    # in the cache (0: never); a rebuild of the roll-ups makes them stale at once (rollups_version).
    "HISTORY_CACHE_SECONDS": env_int("DASHBOARD_HISTORY_CACHE_SECONDS", 900),
    # The nightly roll-up task rebuilds this many days before today (reopened appeals change the past).
    "ROLLUP_REFRESH_DAYS": env_int("DASHBOARD_ROLLUP_REFRESH_DAYS", 7),
    # "Due soon" on the dashboard, in working days.
    "DUE_SOON_WORKING_DAYS": 3,
    # Backlog age buckets, in calendar days since registration (upper bounds; the last is open).
    "BACKLOG_AGE_BUCKETS": (5, 15, 30, 60),
}

# --- Listening: what counts as unusual (appeals/listening/signals.py, ../shared/DOMAIN.md) ----------------
LISTENING = {
    # A pair's baseline: the median of this many periods of the same length before the chosen one (months
    # for the long-standing problems); nothing is tested while the data hold fewer than MIN_BASELINE_PERIODS.
    "BASELINE_PERIODS": 8,
    "MIN_BASELINE_PERIODS": 3,
    # A baseline is never below this (a pair seen once in a while is not "infinitely" above zero).
    "BASELINE_FLOOR": 1.0,
    # A hotspot or a new topic has at least MIN_COUNT appeals, MIN_RATIO times its baseline, a Poisson upper
    # tail whose Benjamini-Hochberg q-value is at most ALPHA, and MIN_APPLICANTS distinct applicants.
    "MIN_COUNT": env_int("LISTENING_MIN_COUNT", 10),
    "MIN_RATIO": 1.5,
    "ALPHA": 0.01,
    "MIN_APPLICANTS": env_int("LISTENING_MIN_APPLICANTS", 5),
    # Channel-driven: the channel's count in the pair against its usual share there (binomial, Bonferroni over
    # the channels) at most CHANNEL_ALPHA, carrying at least CHANNEL_EXCESS_SHARE of the excess, and a channel
    # whose usual share is below CHANNEL_MAX_USUAL_SHARE (the dominant channel is never a spike).
    "CHANNEL_ALPHA": 0.01,
    "CHANNEL_EXCESS_SHARE": 0.6,
    "CHANNEL_MAX_USUAL_SHARE": 0.5,
    # Long-standing: LONG_STANDING_MONTHS complete months in a row above the upper bound of the monthly
    # baseline (Poisson, P(X > bound) <= LONG_STANDING_ALPHA), each with at least LONG_STANDING_MIN_MONTHLY
    # appeals, looked for over the last LONG_STANDING_LOOKBACK_MONTHS months.
    "LONG_STANDING_MONTHS": 3,
    "LONG_STANDING_ALPHA": 0.05,
    "LONG_STANDING_MIN_MONTHLY": 5,
    "LONG_STANDING_LOOKBACK_MONTHS": 12,
    # Appeals listed under each pair signal on the dashboard.
    "LISTED_APPEALS": 5,
}
# The weekly signals email to supervisors (each can switch it off like the digest), Monday at this time.
SIGNALS_EMAIL_AT = env_str("SIGNALS_EMAIL_AT", "09:00")
try:
    _signals_hour, _signals_minute = (int(part) for part in SIGNALS_EMAIL_AT.split(":"))
    if not (0 <= _signals_hour < 24 and 0 <= _signals_minute < 60):
        raise ValueError(SIGNALS_EMAIL_AT)
except ValueError:
    raise ImproperlyConfigured(f"SIGNALS_EMAIL_AT must be a time as HH:MM, not {SIGNALS_EMAIL_AT!r}") from None
CELERY_BEAT_SCHEDULE["supervisors-weekly-signals"] = {
    "task": "appeals.tasks.signals_email_send_task",
    "schedule": crontab(hour=_signals_hour, minute=_signals_minute, day_of_week=1),
    "options": {"expires": 6 * 60 * 60.0},
}

# --- The API for integrations (appeals/api/) ------------------------------------------------------
# Requests per period for one integration token (an integration may have its own in the admin),
# for one signed-in member of staff, and for one address without credentials. Counted in the
# default cache: set CACHE_URL to a shared Redis when several web processes serve the API.
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/min")
API_SESSION_RATE_LIMIT = env_str("API_SESSION_RATE_LIMIT", "1200/min")
API_ANON_RATE_LIMIT = env_str("API_ANON_RATE_LIMIT", "120/min")
# The largest JSON body the API reads (attachments travel base64-encoded in the intake body: one
# attachment of ATTACHMENT_MAX_BYTES, 10 MB, is 13.4 MB as base64). The same as DATA_UPLOAD_MAX_MEMORY_SIZE.
API_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
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
    "DEFAULT_FILTER_BACKENDS": ["appeals.api.filters.ApiFilterBackend"],
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
        "AppealStatusEnum": "appeals.models.choices.AppealStatus",
        "AppealKindEnum": "appeals.models.choices.AppealKind",
        "ChannelEnum": "appeals.models.choices.Channel",
        "LanguageEnum": "appeals.models.choices.Language",
        "RegionEnum": "agencies.choices.Region",
        "OutcomeEnum": "appeals.models.choices.Outcome",
        "AnswerOutcomeEnum": "appeals.api.serializers.ANSWER_OUTCOME_CHOICES",
    },
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False, "displayOperationId": False},
}

# --- Status webhooks (appeals/notices/webhooks.py) ------------------------------------------------------
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 12)
# The n-th retry waits base * 2**(n-1) seconds, at most the maximum: 1, 2, 4 … minutes, then 6 hours.
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 60)
WEBHOOK_RETRY_MAX_SECONDS = env_int("WEBHOOK_RETRY_MAX_SECONDS", 6 * 60 * 60)
# Plain http:// and addresses on this host or a private network: for development and tests only.
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", DEBUG)

# --- Logging (issue 8) ---------------------------------------------------------------------------
# One JSON object per line (config/logging.py), with no personal data: request lines carry the path
# without its query string, and IINs, BINs, phone numbers and emails are blotted out of messages.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "json")  # "json", or "plain" for a person reading a terminal
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "config.logging.PersonalDataFilter"}},
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django logs 4xx/5xx as "Not Found: /path?query": the filter drops the query string.
        "django.request": {"level": "WARNING"},
        "django.server": {"level": LOG_LEVEL},
        "gunicorn.access": {"level": LOG_LEVEL},
        "otinish.request": {"level": LOG_LEVEL},
    },
}

# === Security (issue 8) ==========================================================================
# Sign-in protection (django-axes), a second factor for supervisors and administrators (django-otp),
# idle sessions, the Content-Security-Policy (django-csp) and the production hardening.
INSTALLED_APPS += [
    "config.apps.AxesConfig",  # django-axes under a translated name (config/apps.py)
    "django_otp",
    "config.apps.TOTPConfig",  # django_otp.plugins.otp_totp under a translated name
    "csp",
]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE += [
    "appeals.infra.security.IdleSessionMiddleware",
    "appeals.infra.security.SecondFactorMiddleware",
    "appeals.infra.security.RequestLogMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After this many failed sign-ins for one username from one address, both are locked out for the
# cool-off time; a successful sign-in resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = False  # no username typed by mistake (a password?) kept in a table
AXES_VERBOSE = False
# Behind a reverse proxy, the client's address is taken from X-Forwarded-For (set AXES_PROXY_COUNT).
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Sessions end after SESSION_COOKIE_AGE whatever happens, and after this long without a request.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The second factor: a TOTP app (issuer shown in the app).
OTP_TOTP_ISSUER = "Otinish Desk"
OTP_TOTP_TOLERANCE = 1  # one 30-second step either side for clocks a little off

# Content-Security-Policy: scripts and styles from this server only, no inline scripts. Inline
# style attributes stay allowed (the templates and htmx set a few). The API docs pages send their
# own stricter-than-default policy (appeals/api/urls.py LocalOnly), which this middleware keeps.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Cookies, HTTPS and headers. In production (DEBUG=false) everything is on; TLS ends at the proxy,
# which must set X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) — see README.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Health checks from the load balancer come over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# === End of security (issue 8) ===================================================================
