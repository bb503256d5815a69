"""
Settings for Praktijk, in one module, read from environment variables.

Every variable has a safe embedded default so that `make run` works on a fresh machine without
PostgreSQL or Redis. `PRAKTIJK_ENV=production` switches to production mode, which refuses to start
with the default secret key or with DEBUG on. docs/configuration.md lists every variable (a test
holds it to this module).
"""

import base64
import hashlib
import os
import sys
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PRAKTIJK_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# --- Mode -----------------------------------------------------------------------------------------

PRAKTIJK_ENV = env("PRAKTIJK_ENV", "development")
if PRAKTIJK_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("PRAKTIJK_ENV must be 'development' or 'production'.")
PRODUCTION = PRAKTIJK_ENV == "production"

DEFAULT_SECRET_KEY = "insecure-development-key-praktijk-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Production mode needs its own SECRET_KEY (50 or more random characters); "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    if DEBUG:
        raise ImproperlyConfigured("Production mode refuses to start with DEBUG on.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production mode needs ALLOWED_HOSTS (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://localhost:8000").rstrip("/")

# --- Applications ---------------------------------------------------------------------------------

INSTALLED_APPS = [
    "coaching",
    "trajects",
    "groups",
    "sessions.apps.AgendaConfig",
    # After the apps whose work it invoices (its demo invoices what their demos delivered).
    "billing",
    # The audit log: every app's views write to it (audit.log.record).
    "audit",
    # The client's rights: download all data, erasure; reads every app's models.
    "privacy",
    # The monthly figures for the owner (admin) and each coach; reads every app's models.
    "reports",
    # The benchmarks' practices (manage.py seed_bench) and their tests.
    "bench",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
]

# Powerful browser features no page of ours uses, refused to every page and frame.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

MIDDLEWARE = [
    # First: every request gets its id, its log line and its metrics (coaching/observe.py).
    "coaching.observe.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "coaching.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sees every response, also a 403 from the CSRF check or the second-factor redirect's.
    "audit.log.DeniedAccessMiddleware",
    # After authentication: an account's own language counts when no language cookie is set.
    "coaching.middleware.DutchFirstLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "coaching.middleware.EnforceMFAMiddleware",
]

# N+1 queries fail the tests: django-zeal, a test tool (requirements-dev.txt), watches
# every request a test makes; one line of code loading the same relation for a third object is
# an N+1 (coaching/tests/test_n_plus_one.py). `make bench` turns it off, to time the pages bare.
if "pytest" in sys.modules and env_bool("PRAKTIJK_N_PLUS_ONE_CHECK", True):
    INSTALLED_APPS.append("zeal")
    MIDDLEWARE[:0] = [
        "zeal.middleware.zeal_middleware",
        "coaching.tests.zeal_scope.admin_single_gets",
    ]
    ZEAL_NPLUSONE_THRESHOLD = 3

ROOT_URLCONF = "coaching.urls"
WSGI_APPLICATION = "coaching.wsgi.application"
ASGI_APPLICATION = "coaching.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # The one date filter of every page and e-mail (coaching/dates.py).
            "builtins": ["coaching.templatetags.dates"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coaching.context_processors.praktijk",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------

if not PRODUCTION:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'praktijk.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
# The compiled queries (coaching/compiled.py) run as prepared statements on PostgreSQL, planned
# once per connection. Off behind a pooler in transaction mode that does not carry prepared
# statements (PgBouncer before 1.22, or without max_prepared_statements).
PRAKTIJK_PREPARED_STATEMENTS = env_bool("PRAKTIJK_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A practice's data is read from memory or SSD, where a random read costs about what a
    # sequential one does; with PostgreSQL's default (4, for spinning disks) the planner chose
    # hash joins over every traject of the organisation for a page that needs a coach's few.
    server_options = "-c random_page_cost=1.1"
    if PRAKTIJK_PREPARED_STATEMENTS:
        # A prepared statement is planned once, for any values (a generic plan), instead of
        # for each call: left to choose (auto), PostgreSQL kept planning Vandaag's lists on
        # every request, estimating a generic plan dearer that ran as fast (each compiled
        # query of the main pages compared at L: `python -m bench.plans`, held by
        # bench/tests/test_budgets.py). Django's other queries, which it binds itself, are
        # planned as before; the statements of the database's own triggers (PL/pgSQL:
        # primary-key look-ups) follow it too.
        server_options += " -c plan_cache_mode=force_generic_plan"
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", server_options)
    # A server that does not answer is an error after this many seconds, not a process (beat,
    # a worker) that waits for ever.
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 10)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # A web process, a worker and beat share the file: wait for a lock instead of failing,
        # and take the write lock at the start of a transaction (no lock upgrades that deadlock).
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        # secure_delete: what is deleted or overwritten is zeroed in the file, free pages too,
        # so an erased client's name is not left readable on disk (privacy/erasure.py then
        # checkpoints the write-ahead log, which still holds the pages as they were).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
        ),
    }
    # The test database is a file, so that a real Celery worker in another process can share it;
    # one per test process, so that two test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, shared between processes) ------------------------------------------------


def cache_from_url(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme in {"redis", "rediss", "unix"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if parsed.scheme == "file":
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": parsed.path,
        }
    if parsed.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if parsed.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL scheme {parsed.scheme!r} is not supported.")


CACHES = {"default": cache_from_url(env("CACHE_URL", f"file://{VAR_DIR / 'cache'}"))}
# A prefix lets several installations (or test runs) share one Redis.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", "praktijk")

# --- Authentication (django-allauth with MFA) -----------------------------------------------------

AUTH_USER_MODEL = "coaching.User"
# Django's and allauth's backends, each loading a signed-in request's user with their coach profile
# and second-factor flag in one query (coaching/auth_backends.py).
AUTHENTICATION_BACKENDS = [
    "coaching.auth_backends.PraktijkModelBackend",
    "coaching.auth_backends.PraktijkAllauthBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "coaching.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3  # the link in the verification e-mail (the outbox's)
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Rate limits: allauth's defaults (logins 30/min per IP; failed logins 10/min per IP and 5 per
# 5 min per account; password resets 20/min per IP, 5/min per address), counted in
# CACHES["default"], which is shared by all web processes (Redis in production).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    # The public kennismaking request (sessions): five an hour from one address.
    "kennismaking_request": "5/h/ip",
    # The public request for a quote for a Backstage group (billing): the same.
    "quote_request": "5/h/ip",
}
# Behind a proxy every request comes from the proxy's address: count the proxies in front of
# gunicorn, so that limits per IP apply to the visitor's address (X-Forwarded-For), not to all.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "1" if PRODUCTION else "0"))
# One address per account: it is the login, and the only address mail goes to. Changing it
# goes through a verification of the new address.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 2  # the current one and, while it is being verified, the new one

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
MFA_TOTP_ISSUER = env("PRAKTIJK_NAME", "Praktijk")
# Coaches and practice admins must have a second factor before they see any other page.
# Only the embedded demo may turn this off (never in production).
# The keys for the encryption at rest of dossier text and messages (coaching.crypto), comma-
# separated, newest first: the first encrypts, all decrypt. Make one with `python manage.py
# generate_encryption_key`. Outside production a key derived from SECRET_KEY is used.
PRAKTIJK_ENCRYPTION_KEYS = [
    key.strip() for key in env("PRAKTIJK_ENCRYPTION_KEYS").split(",") if key.strip()
]
if not PRAKTIJK_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "Production mode needs PRAKTIJK_ENCRYPTION_KEYS (make a key with `python manage.py "
            "generate_encryption_key`, and keep it as safe as the database backups)."
        )
    PRAKTIJK_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"praktijk-encryption:{SECRET_KEY}".encode()).digest()
        ).decode()
    ]
for _key in PRAKTIJK_ENCRYPTION_KEYS:
    try:
        Fernet(_key.encode())
    except ValueError as _error:
        raise ImproperlyConfigured(
            "PRAKTIJK_ENCRYPTION_KEYS holds a key that is not a Fernet key (32 bytes, URL-safe "
            "base64): make one with `python manage.py generate_encryption_key`."
        ) from _error

# Backups (manage.py backup, coaching.backup): the archives are encrypted with the first of these
# keys (comma-separated, newest first; all are tried on a restore), made like the keys above and
# kept apart from the archives and from those keys. Outside production a key derived from
# SECRET_KEY is used. With PRAKTIJK_BACKUP_DIR set, beat makes one every night at
# PRAKTIJK_BACKUP_AT and keeps the newest PRAKTIJK_BACKUP_KEEP there (off in the demo).
PRAKTIJK_BACKUP_KEYS = env_list("PRAKTIJK_BACKUP_KEYS")
PRAKTIJK_BACKUP_DIR = env("PRAKTIJK_BACKUP_DIR")
PRAKTIJK_BACKUP_KEEP = int(env("PRAKTIJK_BACKUP_KEEP", "14"))
PRAKTIJK_BACKUP_AT = env("PRAKTIJK_BACKUP_AT", "02:30")
# Where pg_dump, pg_restore and psql are (empty: on PATH); of the server's version or newer.
PRAKTIJK_PG_BINDIR = env("PRAKTIJK_PG_BINDIR")
if not PRAKTIJK_BACKUP_KEYS and not PRODUCTION:
    PRAKTIJK_BACKUP_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"praktijk-backup:{SECRET_KEY}".encode()).digest()
        ).decode()
    ]
if PRODUCTION and PRAKTIJK_BACKUP_DIR and not PRAKTIJK_BACKUP_KEYS:
    raise ImproperlyConfigured(
        "PRAKTIJK_BACKUP_DIR is set but PRAKTIJK_BACKUP_KEYS is not: make a key with `python "
        "manage.py generate_encryption_key` and keep it apart from the backups."
    )
try:
    _backup_at = time.fromisoformat(PRAKTIJK_BACKUP_AT)
except ValueError as _error:
    raise ImproperlyConfigured("PRAKTIJK_BACKUP_AT is a time of day such as 02:30.") from _error

PRAKTIJK_REQUIRE_MFA = env_bool("PRAKTIJK_REQUIRE_MFA", default=True)
if PRODUCTION and not PRAKTIJK_REQUIRE_MFA:
    raise ImproperlyConfigured("PRAKTIJK_REQUIRE_MFA cannot be turned off in production.")

PRAKTIJK_INVITATION_DAYS = int(env("PRAKTIJK_INVITATION_DAYS", "7"))
# After this many days of bedenktijd without a decision, the dashboard asks the coach to act.
PRAKTIJK_BEDENKTIJD_DAYS = int(env("PRAKTIJK_BEDENKTIJD_DAYS", "14"))
# E-mail coaching (seed 002): a coachee's message is answered within this many hours; the
# dashboard marks it near due in the last hours; a quiet conversation is offered for closing.
PRAKTIJK_EMAIL_ANSWER_HOURS = int(env("PRAKTIJK_EMAIL_ANSWER_HOURS", "24"))
PRAKTIJK_EMAIL_NEAR_DUE_HOURS = int(env("PRAKTIJK_EMAIL_NEAR_DUE_HOURS", "4"))
PRAKTIJK_EMAIL_QUIET_WEEKS = int(env("PRAKTIJK_EMAIL_QUIET_WEEKS", "4"))
PRAKTIJK_EMAIL_MAX_ATTACHMENT_MB = int(env("PRAKTIJK_EMAIL_MAX_ATTACHMENT_MB", "5"))
# An upload up to the attachment limit (and the form around it) stays in memory. A larger one is
# not written, unencrypted, to a temporary file (attachments are encrypted at rest): it is
# skipped and the form says so, keeping the typed text (coaching.uploads).
FILE_UPLOAD_MAX_MEMORY_SIZE = (PRAKTIJK_EMAIL_MAX_ATTACHMENT_MB + 1) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "coaching.uploads.MemoryOnlyUploadHandler",  # instead of TemporaryFileUploadHandler
]
# Backstage groups (seed 000): 8 meetings of 2½ hours, every 2 to 4 weeks, with this many people.
PRAKTIJK_BACKSTAGE = {
    "meetings": 8,
    "meeting_minutes": int(env("PRAKTIJK_BACKSTAGE_MEETING_MINUTES", "150")),
    "min_weeks_between": 2,
    "max_weeks_between": 4,
    "min_size": int(env("PRAKTIJK_BACKSTAGE_MIN_SIZE", "4")),
    "max_size": int(env("PRAKTIJK_BACKSTAGE_MAX_SIZE", "10")),
    # A meeting "overdag" starts before this time, one "'s avonds" at or after it.
    "evening_from": env("PRAKTIJK_BACKSTAGE_EVENING_FROM", "17:00"),
}
try:
    time.fromisoformat(PRAKTIJK_BACKSTAGE["evening_from"])
except ValueError as _error:
    raise ImproperlyConfigured(
        "PRAKTIJK_BACKSTAGE_EVENING_FROM is a time of day such as 17:00."
    ) from _error
# Backstage: this many hours before a meeting its contributors are reminded to prepare, and the
# previous meeting's contributors to report back on their agreements.
PRAKTIJK_BACKSTAGE_REMINDER_HOURS = int(env("PRAKTIJK_BACKSTAGE_REMINDER_HOURS", "72"))
# Online booking: the practice's defaults; a coach can override each (sessions.BookingRules).
PRAKTIJK_BOOKING = {
    "min_notice_hours": int(env("PRAKTIJK_BOOKING_MIN_NOTICE_HOURS", "24")),
    "max_days_ahead": int(env("PRAKTIJK_BOOKING_MAX_DAYS_AHEAD", "90")),
    "buffer_minutes": int(env("PRAKTIJK_BOOKING_BUFFER_MINUTES", "15")),
    "slot_step_minutes": int(env("PRAKTIJK_BOOKING_STEP_MINUTES", "15")),
    "cancel_window_hours": int(env("PRAKTIJK_BOOKING_CANCEL_HOURS", "24")),
    # Upcoming online bookings a client (or a parent, per child) may hold at once (0: no limit).
    "max_open_online": int(env("PRAKTIJK_BOOKING_MAX_OPEN", "3")),
}
# The waitlist (sessions.services.waitlist): how long an offer of a freed time stays open (never
# past the time itself), and how many of the requests that fit, in the order they asked, are
# offered one freed time at once.
PRAKTIJK_WAITLIST = {
    "offer_hours": int(env("PRAKTIJK_WAITLIST_OFFER_HOURS", "12")),
    "max_offers": int(env("PRAKTIJK_WAITLIST_MAX_OFFERS", "5")),
}

# Reminders before an appointment (to the coachee, or the parents of a child): hours before it;
# a second reminder, closer to the appointment, when set (0 = none).
PRAKTIJK_REMINDER_HOURS = int(env("PRAKTIJK_REMINDER_HOURS", "24"))
PRAKTIJK_REMINDER_SECOND_HOURS = int(env("PRAKTIJK_REMINDER_SECOND_HOURS", "0"))
if PRAKTIJK_REMINDER_SECOND_HOURS >= PRAKTIJK_REMINDER_HOURS:
    raise ImproperlyConfigured(
        "PRAKTIJK_REMINDER_SECOND_HOURS must be shorter than PRAKTIJK_REMINDER_HOURS (or 0)."
    )

# Evaluations: an interim one after every this many held sessions (0 = none); a personal link
# works this many days.
PRAKTIJK_EVALUATION_EVERY_SESSIONS = int(env("PRAKTIJK_EVALUATION_EVERY_SESSIONS", "5"))
PRAKTIJK_EVALUATION_VALID_DAYS = int(env("PRAKTIJK_EVALUATION_VALID_DAYS", "14"))

# The audit log is kept this many years; the nightly retention job then removes what is older,
# a whole month at a time on PostgreSQL (privacy.erasure.purge_old_log). 0: kept for ever.
PRAKTIJK_AUDIT_LOG_YEARS = int(env("PRAKTIJK_AUDIT_LOG_YEARS", "0"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Internationalisation -------------------------------------------------------------------------

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing

# --- E-mail ---------------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Praktijk <noreply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Django 6.1's MAILERS (the EMAIL_* settings are deprecated): SMTP when EMAIL_HOST is set or in
# production, else every message becomes a readable text file under var/mail/.
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST or PRODUCTION:
    _email_port = int(env("EMAIL_PORT", "587" if EMAIL_HOST else "25"))
    MAILERS = {
        "default": {
            # Django's SMTP backend, with each message's MIME built cheaply (the same bytes).
            "BACKEND": "coaching.mime.SMTPBackend",
            "OPTIONS": {
                "host": EMAIL_HOST or "localhost",
                "port": _email_port,
                "username": env("EMAIL_HOST_USER"),
                "password": env("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", default=_email_port == 587),
                "use_ssl": env_bool("EMAIL_USE_SSL", default=_email_port == 465),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
del EMAIL_HOST

# --- Celery ---------------------------------------------------------------------------------------

# The embedded default: our SQLite transport (coaching/broker.py), a file under var/; a real
# worker and beat, no Redis needed. Production refuses it.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", f"sqlite:///{VAR_DIR / 'celery' / 'broker.sqlite3'}")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task not acknowledged within this time is given to another worker; tasks are short.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Separate queue names let several installations (or a test run) share one Redis.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "praktijk")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# Tasks are idempotent; a message is acknowledged only after the task ran, and given back to the
# queue when the worker process dies, so a crash never loses one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
# Celery's own scheduler, which also records that beat is alive (coaching/beat.py); it wakes at
# least this often, so that the record is never older than the limit of the status page.
CELERY_BEAT_SCHEDULER = "coaching.beat:Scheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 30
# Beat writes its schedule there: the folder must exist whatever the broker (on Redis nothing
# else makes it, and beat stopped at once with FileNotFoundError).
(VAR_DIR / "celery").mkdir(parents=True, exist_ok=True)
# The sweep runs every PRAKTIJK_SWEEP_SECONDS (20): with the stale limit of the outbox's claims
# (PRAKTIJK_SEND_CLAIM_STALE_SECONDS, 60) it sets how soon the rows of a worker that died go out
# once a worker runs again: within stale limit + interval + the sending (under 2 minutes). The
# tests run beats sweeping every second.
_sweep_seconds = int(env("PRAKTIJK_SWEEP_SECONDS") or "20")
# Beat plans the heartbeat task this often (a worker runs it), and records its own tick at least
# as often (coaching.beat); the status page's limits are far above it (PRAKTIJK_HEALTH_LIMITS).
PRAKTIJK_HEARTBEAT_SECONDS = int(env("PRAKTIJK_HEARTBEAT_SECONDS") or "60")
# How often beat fetches each coach's own calendar addresses again (their busy times).
PRAKTIJK_CALENDAR_FEED_MINUTES = int(env("PRAKTIJK_CALENDAR_FEED_MINUTES") or "15")
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "coaching.tasks.sweep_sends",
        # What is due and not sent (missed, or stale).
        "schedule": timedelta(seconds=_sweep_seconds),
        # A sweep that waited in the queue longer than this is superseded by a later one.
        "options": {"expires": max(_sweep_seconds, 15)},
    },
    "retention-purge": {
        "task": "privacy.tasks.purge_expired",
        # Erases the clients whose retention period ended (privacy.erasure), nightly.
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 3600},
    },
    **(
        {
            "backup-nightly": {
                "task": "coaching.tasks.backup_nightly",
                "schedule": crontab(hour=_backup_at.hour, minute=_backup_at.minute),
                "options": {"expires": 3600},
            }
        }
        if PRAKTIJK_BACKUP_DIR
        else {}
    ),
    "report-months": {
        "task": "reports.tasks.count_months",
        # The report's months a day's writes touched, counted at night (reports.stored).
        "schedule": crontab(hour=4, minute=15),
        "options": {"expires": 3600},
    },
    "calendar-feeds": {
        "task": "sessions.tasks.refresh_calendar_feeds",
        # The busy times of the coaches' own calendars (sessions.feeds).
        "schedule": timedelta(minutes=PRAKTIJK_CALENDAR_FEED_MINUTES),
        "options": {"expires": PRAKTIJK_CALENDAR_FEED_MINUTES * 60 // 2},
    },
    "heartbeat": {
        "task": "coaching.tasks.heartbeat",
        "schedule": timedelta(seconds=PRAKTIJK_HEARTBEAT_SECONDS),
        "kwargs": {"source": "beat"},
        "options": {"expires": max(PRAKTIJK_HEARTBEAT_SECONDS - 5, 1)},
    },
}

# --- Security -------------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions are read from the cache (Redis in production, shared by every web process) and written
# through to the database, so a signed-in request reads no session row, and a restarted Redis signs
# no one out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_CSP["upgrade-insecure-requests"] = True
    # Checked over the local network by a load balancer or monitor (the last two with a token).
    SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)$"]

# --- Production needs real services -------------------------------------------------------------

if PRODUCTION:
    _problems = []
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        _problems.append("DATABASE_URL must point to PostgreSQL (not the embedded SQLite file)")
    if not CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        _problems.append("CELERY_BROKER_URL must point to Redis (not the embedded broker)")
    if CACHES["default"]["BACKEND"].endswith(("FileBasedCache", "LocMemCache", "DummyCache")):
        _problems.append("CACHE_URL must point to Redis, shared by all web processes")
    _site = urlparse(env("SITE_URL"))
    if _site.scheme != "https" or not _site.hostname:
        _problems.append("SITE_URL must be the site's https:// address (used in e-mail links)")
    if _problems:
        raise ImproperlyConfigured("Production mode: " + "; ".join(_problems) + ".")

# --- Logging --------------------------------------------------------------------------------------

# JSON lines without personal data in production (coaching/logs.py: request id, user id, never a
# name, text or query string); readable lines elsewhere. One line per request in production.
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'plain'.")
PRAKTIJK_ACCESS_LOG = env_bool("PRAKTIJK_ACCESS_LOG", default=PRODUCTION)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "coaching.logs.JSONFormatter"},
        "plain": {
            "()": "coaching.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # SQL with its values names people: never logged, whatever LOG_LEVEL says.
        "django.db.backends": {"level": "WARNING"},
    },
}
if LOG_FORMAT == "json":
    # runserver's request lines hold the query string (production logs requests itself).
    LOGGING["loggers"]["django.server"] = {"level": "WARNING"}

# --- Practice -------------------------------------------------------------------------------------

PRAKTIJK_NAME = env("PRAKTIJK_NAME", "Praktijk")
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PRAKTIJK_NAME}] "
# The practice's details, on the public pages, invoices and quotes. The embedded mode shows
# example values; production shows what is set (an invoice names what is missing).
_example = {} if PRODUCTION else {
    "address": "Voorbeeldstraat 1",
    "postal_code": "1234 AB",
    "city": "Amsterdam",
    "kvk": "12345678",
    "vat_number": "NL000099998B57",
    "iban": "NL91 ABNA 0417 1643 00",
    "contact_person": "Drs. W. de Haas",
    "email": "praktijk@praktijk.example",
    "phone": "020 123 45 67",
}  # fmt: skip
PRAKTIJK_DETAILS = {
    key: env(f"PRAKTIJK_{key.upper()}", _example.get(key, ""))
    for key in [
        "address",
        "postal_code",
        "city",
        "kvk",
        "vat_number",
        "iban",
        "contact_person",
        "email",
        "phone",
    ]
}
# Video appointments: a coach's own room (their profile) goes first; else each video
# appointment gets a room of its own under this base address (base + "/" + an unguessable name,
# coaching.video). Empty: no link, the coach sends one. Production has no default: the practice
# chooses its video service (and its processing agreement); the demo uses the public Jitsi.
PRAKTIJK_VIDEO_ROOM_BASE = env(
    "PRAKTIJK_VIDEO_ROOM_BASE", "" if PRODUCTION else "https://meet.jit.si"
).rstrip("/")
_video_base = urlparse(PRAKTIJK_VIDEO_ROOM_BASE)
if PRAKTIJK_VIDEO_ROOM_BASE and (
    _video_base.scheme not in ({"https"} if PRODUCTION else {"https", "http"})
    or not _video_base.hostname
    or _video_base.query
    or _video_base.fragment
):
    raise ImproperlyConfigured(
        "PRAKTIJK_VIDEO_ROOM_BASE is an https address without ?query or #fragment, such as "
        "https://meet.jit.si (http only outside production), or empty."
    )
# Invoices: days to pay.
PRAKTIJK_PAYMENT_DAYS = int(env("PRAKTIJK_PAYMENT_DAYS", "14"))
# The limits of the status page, the readiness endpoint and the metrics (coaching.health): a
# worker or beat silent longer than this is down; a due e-mail waiting longer is stuck; a
# practice without a backup this long is at risk.
PRAKTIJK_HEALTH_LIMITS = {
    "heartbeat_seconds": 5 * 60,
    "outbox_oldest_seconds": 15 * 60,
    "backup_seconds": 36 * 3600,
}
# A monitor reads /readyz (JSON) and /metrics (Prometheus) with `Authorization: Bearer <this>`;
# empty: only a signed-in practice admin can.
PRAKTIJK_STATUS_TOKEN = env("PRAKTIJK_STATUS_TOKEN")
# The outbox (every e-mail): rows per worker task and per SMTP connection; a claim older than
# the stale limit is taken to be of a worker that died, and taken over; the sweep's batch.
PRAKTIJK_SEND_CHUNK = int(env("PRAKTIJK_SEND_CHUNK", "100"))
PRAKTIJK_SEND_CLAIM_STALE_SECONDS = float(env("PRAKTIJK_SEND_CLAIM_STALE_SECONDS", "60"))
# A delivery task takes up no new message after a third of the stale limit (it gives the rest
# back, to be handed over again at once); Celery interrupts it at half (a message that hangs) and
# kills it at three quarters. So a claim older than the stale limit can belong to no task still
# running, and taking it over never sends a live worker's rows twice; the last quarter is the
# margin for clocks that differ between machines.
PRAKTIJK_SEND_TASK_SECONDS = PRAKTIJK_SEND_CLAIM_STALE_SECONDS / 3
PRAKTIJK_SEND_SOFT_TIME_LIMIT = PRAKTIJK_SEND_CLAIM_STALE_SECONDS / 2
PRAKTIJK_SEND_TIME_LIMIT = PRAKTIJK_SEND_CLAIM_STALE_SECONDS * 3 / 4
PRAKTIJK_SEND_SWEEP_LIMIT = 20000
# Rows marked sent per UPDATE while a chunk is sent: 1 marks each row as soon as the server
# accepted it (a worker killed mid-chunk then resends at most the message in flight).
PRAKTIJK_SEND_MARK_EVERY = int(env("PRAKTIJK_SEND_MARK_EVERY", "1"))
# A passing SMTP trouble (4xx, dropped connection) is tried again this many times in all.
PRAKTIJK_SEND_MAX_ATTEMPTS = int(env("PRAKTIJK_SEND_MAX_ATTEMPTS", "3"))
