"""Settings, read from the environment (django-environ).

With no environment at all the project runs on an embedded default: SQLite and a
filesystem Celery transport under ``var/``, and email written to files under
``var/mail/``. Set ``DATABASE_URL``, ``CELERY_BROKER_URL`` and ``EMAIL_URL`` to run on
PostgreSQL, Redis and SMTP (see ``.env.example``).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
# pytest sets PYTEST_VERSION: tests never share var/ (queue files, mail) with `make run`.
TESTING = "PYTEST_VERSION" in os.environ
VAR_DIR = Path(
    environ.Env().str(
        "HOMESHOP_VAR_DIR", default=str(BASE_DIR / "var" / ("test" if TESTING else ""))
    )
)

VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
# The operator's file of settings (.env.example says what it may hold). HOMESHOP_ENV_FILE
# names another one; set empty, none is read (the tests that start a bare machine).
_env_file = os.environ.get("HOMESHOP_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file:
    environ.Env.read_env(_env_file, overwrite=False)

# --- ops: profiles (issue 8 item 9) -------------------------------------------------------
# Production is the default: DEBUG off, no built-in key. `make run` and `make test` export
# DJANGO_ENV=development (and DJANGO_DEBUG=true); a pytest run is development as well, since
# pytest-django reads these settings before any conftest could set the variable.
DJANGO_ENV = env.str("DJANGO_ENV", default="development" if TESTING else "production")
if DJANGO_ENV not in ("development", "production"):
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
DEVELOPMENT = DJANGO_ENV == "development"
DEBUG = env.bool("DJANGO_DEBUG", default=False)
if DEBUG and not DEVELOPMENT:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=true shows settings and code to anyone who hits an error: it needs "
        "DJANGO_ENV=development."
    )
# The development key exists only in the development profile; production sets its own.
if DEVELOPMENT:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
    if not SECRET_KEY:
        # The production profile is the default: say both ways out, not just the variable.
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (production), or DJANGO_ENV=development DJANGO_DEBUG=true "
            "on a development machine (the make targets and pytest do this for you)."
        )
# Key rotation: the previous keys still verify what they signed (unsubscribe links in emails
# already sent, 4.3; password-reset links; sessions) while everything new is signed with
# DJANGO_SECRET_KEY. Drop an old key once its links no longer matter.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
# --- end ops: profiles -------------------------------------------------------------------
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "csp",  # ops: Content-Security-Policy (issue 8 item 9)
    # The shop's API (issue 12): DRF, its OpenAPI schema and the offline docs page.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "homeshop_privacy",
    "accounts",
    "consents",
    "disclosures",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Issue 14: static files served by the application itself (gunicorn in production),
    # compressed and, in production, with hashed names cached for a year (WhiteNoise).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ops (issue 8 item 9): Content-Security-Policy and Permissions-Policy on every response.
    "csp.middleware.CSPMiddleware",
    "homeshop_privacy.security_headers.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Issue 9 §5: a NUL byte in the path, query or a form field is a 400, never a 500.
    "homeshop_privacy.hostile_input.NulByteMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # 1.5: every change made through a web request is attributed to its user.
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "homeshop_privacy.urls"
WSGI_APPLICATION = "homeshop_privacy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # ops (issue 9 §6): project-wide overrides of Django's own templates (admin/index.html).
        "DIRS": [BASE_DIR / "homeshop_privacy" / "templates_overrides"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",  # ops: CSP_NONCE for an inline script
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'homeshop_privacy.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web, worker and beat share the embedded database (issue 9 §1). WAL lets readers go
    # on beside the one writer; IMMEDIATE takes the write lock at BEGIN, so a transaction
    # that read first never fails when it then writes (an upgrade no timeout can wait
    # out); "timeout" is the busy timeout in seconds: a writer waits for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Languages of the shop's customers; Russian is the policy's own language.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))]
# Each app keeps its translations in <app>/locale/ (ru, kk); English is the source.
USE_I18N = True
# Issue 13: Kazakh for the strings of Django's admin, auth, django-axes and
# django-simple-history that their own catalogues lack (Django would fall back to
# Russian, LANGUAGE_CODE), Russian for simple-history (its ru_RU catalogue is never
# found for "ru"), and lower-case Kazakh month names mid-sentence. LOCALE_PATHS take
# precedence over every app's catalogue; it holds only strings no project app translates.
LOCALE_PATHS = [BASE_DIR / "homeshop_privacy" / "locale_overrides"]
# Issue 9 §7: Kazakh date formats (Django ships none and falls back to m/d/Y).
FORMAT_MODULE_PATH = ["homeshop_privacy.formats"]
TIME_ZONE = "Asia/Almaty"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Production serves what `collectstatic` wrote, under hashed names (README, "Serve it for
# real"); development and the tests read the apps' static folders as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEVELOPMENT
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# A page asking for a file collectstatic did not hash gets its plain name, not a 500
# (`deploy_probe` renders pages before any collectstatic).
WHITENOISE_MANIFEST_STRICT = False
# Development (and the tests) serve the apps' static folders as they change, without a
# collectstatic: WhiteNoise's development mode, never used in production.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEVELOPMENT
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded evidence (claim attachments, permission scans) is never served publicly.
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"
# Uploads: the caps per file and per claim are in homeshop_privacy.private_files (10 MB a
# file, 5 files and 20 MB a claim); the proxy in front caps the request body (README).
# Form fields stay in memory up to 2.5 MB, files above 2.5 MB are spooled to disk, and a
# request with more files than twice the per-claim cap is refused with a 400 while it is
# parsed (up to that, the form says "at most 5 files" in the user's language).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Email: every message goes through the outbox (homeshop_privacy.outbox).
_email_url = env.str("EMAIL_URL", default="")
if not _email_url or _email_url.startswith("filemail:"):
    # One file per email under var/mail/ (or the path of a filemail:// URL). The path is
    # read here: django-environ turns filemail:///abs/path into the relative "abs/path".
    _parts = urlsplit(_email_url)
    _mail_path = Path(_parts.netloc + _parts.path) if _email_url else VAR_DIR / "mail"
    EMAIL_BACKEND = "homeshop_privacy.email_backends.FileEmailBackend"
    EMAIL_FILE_PATH = str(_mail_path if _mail_path.is_absolute() else BASE_DIR / _mail_path)
else:
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    for _key in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        if _email.get(_key) not in (None, ""):
            globals()[_key] = _email[_key]
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Homeshop.kz <privacy@homeshop.kz>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# A row left "sending" this long lost its sender (without PostgreSQL's session lock to
# tell): the sweeper sends it again, same Message-ID. Longer than CELERY_TASK_TIME_LIMIT.
OUTBOX_SENDING_TIMEOUT = env.int("OUTBOX_SENDING_TIMEOUT", default=10 * 60)
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=60.0)
# The first retry of a failed send waits this long, doubled after each further failure.
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
# Large mailings (homeshop_privacy.fanout): emails per chunk (one broker message, one SMTP
# connection), and how long a written row may wait for its chunk before the sweeper
# publishes it again (its chunk was lost with the broker or a killed worker).
MAILING_CHUNK_SIZE = env.int("MAILING_CHUNK_SIZE", default=500)
MAILING_SWEEP_GRACE_SECONDS = env.int("MAILING_SWEEP_GRACE_SECONDS", default=5 * 60)
# Bounces (homeshop_privacy.bounces): the envelope sender of every email, and the IMAP
# mailbox behind it read for delivery status notifications (imaps://user:pass@host/INBOX).
OUTBOX_BOUNCE_ADDRESS = env.str("OUTBOX_BOUNCE_ADDRESS", default="")
OUTBOX_BOUNCE_MAILBOX_URL = env.str("OUTBOX_BOUNCE_MAILBOX_URL", default="")
# Issue 8 item 6: the emailed link that gives a customer recorded by the shop a sign-in
# works once, for this many seconds.
FIRST_SIGN_IN_LINK_MAX_AGE = env.int("FIRST_SIGN_IN_LINK_MAX_AGE", default=2 * 60 * 60)
# Issue 13: a customer's one-time sign-in link (no password needed) works this many seconds.
SIGN_IN_LINK_MAX_AGE = env.int("SIGN_IN_LINK_MAX_AGE", default=20 * 60)

# Celery. Reliability first: a task is acknowledged only after it ran, a task whose
# worker died is given back to the queue, and a worker holds one message at a time.
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default="memory://" if TESTING else "filesystem://localhost//"
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "celery" / "queue"
    _queue.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
        # How often a worker looks for new task files. Kombu's default (1 s) also paces
        # a busy worker: about one task per second per process, so the outbox fell
        # behind and every sweep queued its backlog again.
        "polling_interval": 0.1,
    }
else:
    # Longer than any countdown or ETA this project uses (the outbox caps its retry
    # delay at OUTBOX_MAX_RETRY_DELAY), so Redis never redelivers a scheduled task early.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 60 * 60}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Issue 14: large mailings (a policy change, breach notices) on a queue of their own, so a
# mailing of a million customers never delays a password reset or a claim's reminder:
# production runs a worker on each queue (Procfile.production). `make run`'s single worker
# reads both.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "consents.policy_change_notify*": {"queue": "mailings"},
    "disclosures.breach_notify*": {"queue": "mailings"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
OUTBOX_MAX_RETRY_DELAY = 60 * 60
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "homeshop_privacy.outbox_sweep",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "outbox-bounces-fetch": {
        "task": "homeshop_privacy.outbox_bounces_fetch",
        "schedule": 5 * 60.0,
    },
    # 5.4.4: resume the notification of any breach with affected customers not yet told.
    "breach-notify-sweep": {
        "task": "disclosures.breach_notify_sweep",
        "schedule": env.float("BREACH_NOTIFY_SWEEP_SECONDS", default=10 * 60.0),
    },
    # Law 94-V art. 25 p.2: an unfiled breach due today or overdue, to the officers,
    # every morning in Almaty before the working day starts.
    "breach-reminders-sweep": {
        "task": "disclosures.breach_reminders_sweep",
        "schedule": crontab(hour=8, minute=0),
    },
    # 6.2: claim reminders and escalations, every morning in Almaty (CELERY_TIMEZONE).
    "claims-reminders-sweep": {
        "task": "claims.reminders_sweep",
        "schedule": crontab(hour=9, minute=0),
    },
    # 4.1 (issue 11): apply the retention rules every night in Almaty, before the ledger
    # check, so that the check covers what the run erased.
    "retention-run": {
        "task": "homeshop_privacy.retention_run",
        "schedule": crontab(hour=2, minute=15),
    },
    # Issue 9 §2: verify the legal records' hash chains, alert the officers on a break and
    # email them the chain heads, every night in Almaty.
    "ledger-verify-daily": {
        "task": "homeshop_privacy.ledger_verify_daily",
        "schedule": crontab(hour=3, minute=30),
    },
}

# --- ops: heartbeats and the alarm (issue 9 §6; homeshop_privacy.heartbeat) -----------------
# Beat records its own heartbeat from its scheduler; a worker records one whenever it runs
# the heartbeat task beat sends every HEARTBEAT_INTERVAL seconds (expiring unrun, so a
# backlog is not mistaken for a live worker). Older than HEARTBEAT_MAX_AGE: the admin index
# says so and the officers are emailed once per outage (retried after OPS_ALERT_RETRY when
# the mail server refused). OPS_MONITOR is off in the test suite, which has no beat beside it.
CELERY_BEAT_SCHEDULER = "homeshop_privacy.heartbeat:HeartbeatScheduler"
HEARTBEAT_INTERVAL = env.int("HEARTBEAT_INTERVAL", default=60)
HEARTBEAT_MAX_AGE = env.int("HEARTBEAT_MAX_AGE", default=5 * 60)
OPS_ALERT_RETRY = env.int("OPS_ALERT_RETRY", default=10 * 60)
OPS_MONITOR = env.bool("OPS_MONITOR", default=not TESTING)
CELERY_BEAT_SCHEDULE["worker-heartbeat"] = {
    "task": "homeshop_privacy.worker_heartbeat",
    "schedule": float(HEARTBEAT_INTERVAL),
    "options": {"expires": float(HEARTBEAT_INTERVAL)},
}
# --- end ops: heartbeats -------------------------------------------------------------------

# --- the shop's API (issue 12; homeshop_privacy.api) ---------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["homeshop_privacy.api.keys.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["homeshop_privacy.api.keys.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["homeshop_privacy.api.keys.KeyRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "homeshop_privacy.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Homeshop.kz privacy API",
    "DESCRIPTION": "The shop's systems feed customers, orders, consents, visit events, courier "
    "manifests and claims, and ask who may receive promotions. Errors are RFC 9457 "
    "problem details.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # offline: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"LanguageEnum": "accounts.models.Language"},
}
#: Requests per API key (DRF rate syntax); the counts live in the cache (CACHE_URL).
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="1200/min")
# The throttle counts must be shared by every web process: Redis in production.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
#: Webhook deliveries: seconds before a receiver must answer, attempts before giving up.
WEBHOOK_TIMEOUT = env.int("WEBHOOK_TIMEOUT", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=12)
# SSRF guard (review F1): webhooks never go to loopback, link-local, private, reserved,
# multicast or unspecified addresses unless this is set (development's loopback receiver).
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", default=False)
CELERY_BEAT_SCHEDULE["webhook-sweep"] = {
    "task": "homeshop_privacy.webhook_sweep",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["idempotent-replies-purge"] = {
    "task": "homeshop_privacy.idempotent_replies_purge",
    "schedule": 60 * 60.0,
}
# --- end the shop's API -------------------------------------------------------------------

# 6.2: a written answer is approved by a compliance officer other than its author (four
# eyes); false only for a one-person team, and the approve page then says so.
CLAIM_ANSWER_FOUR_EYES = env.bool("CLAIM_ANSWER_FOUR_EYES", default=True)
# 6.2: the PDF letter of a claim answer needs a Unicode font with Cyrillic and Kazakh
# letters (Debian: fonts-dejavu-core).
PDF_FONT_PATH = env.str("PDF_FONT_PATH", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# 1.4 / 4.1: non-personal visit events are kept this many days, then purged.
# 4.1: records per batch of a retention run (one short transaction each).
RETENTION_BATCH = env.int("RETENTION_BATCH", default=500)
VISIT_EVENT_RETENTION_DAYS = env.int("VISIT_EVENT_RETENTION_DAYS", default=180)

SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- ops: production protections (issue 8 item 9) ----------------------------------------
# The production profile turns on every protection `check --deploy` asks for.
if not DEVELOPMENT:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # X-Forwarded-Proto is trusted only when an operator says a proxy in front sets it (and
    # strips it from clients); otherwise anyone could send it over plain HTTP and skip the
    # HTTPS redirect.
    if env.bool("DJANGO_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The monitor may poll the health endpoint over the internal network in plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4.0, its dict format), in every profile so that
# `make run` shows a violation before production does. No inline script and no inline
# style anywhere: every page loads its CSS and JavaScript from static files (the Django
# admin needs nothing else). A template that must have an inline <script> gives it
# nonce="{{ request.csp_nonce }}"; the nonce only enters the header on such a page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    },
}
# Browser features no page of this project uses are switched off for every page
# (homeshop_privacy.security_headers.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# --- end ops: production protections -----------------------------------------------------

# --- Sign-in protection (issue 8 items 6 and 7) -----------------------------------------
# One block on purpose: brute-force limits (django-axes), reset-request limits, staff
# two-factor sign-in (django-otp) and session ages. Numbers are in README.md.
# The project's admin site (homeshop_privacy.admin_site) asks staff for a second factor.
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = (
    "homeshop_privacy.apps.HomeshopAdminConfig"
)
INSTALLED_APPS += [
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "accounts.middleware.StaffSessionIdleMiddleware",
)
# Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# AxesStandaloneBackend first: a locked-out account or address never reaches the password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 5 failures per account, or 20 per IP address, within 15 minutes lock sign-in (staff and
# customers alike) for 15 minutes after the last failure. The failures live in the
# database (AccessAttempt), so every web process sees the same counts.
SIGN_IN_ACCOUNT_FAILURE_LIMIT = env.int("SIGN_IN_ACCOUNT_FAILURE_LIMIT", default=5)
SIGN_IN_IP_FAILURE_LIMIT = env.int("SIGN_IN_IP_FAILURE_LIMIT", default=20)
AXES_HANDLER = "accounts.signin_protection.SignInAttemptHandler"
AXES_FAILURE_LIMIT = SIGN_IN_ACCOUNT_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
SIGN_IN_LOCKOUT_MINUTES = env.int("SIGN_IN_LOCKOUT_MINUTES", default=15)
AXES_COOLOFF_TIME = SIGN_IN_LOCKOUT_MINUTES / 60  # hours, as a float: django-axes' unit
# Both sign-in forms post the email as "username" (Django's AuthenticationForm); the
# callable folds its case so that one account is one count.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.signin_protection.attempt_username"
AXES_LOCKOUT_CALLABLE = "accounts.signin_protection.lockout_response"
# A successful sign-in does not wipe the failures: an attacker cannot reset an address's
# count by signing in to an account of their own now and then.
AXES_RESET_ON_SUCCESS = False
# An attempt while locked (even with the right password) is refused without being counted:
# counting it restarted the 15 minutes, so a customer who kept trying was never let in.
# The lock is lifted early only by the owner of the mailbox (a completed password reset
# or first sign-in, accounts.signin_protection.sign_in_failures_forget) or by an officer.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No log of every successful sign-in (e-mail, IP address, browser kept for ever); the
# failed attempts are kept only until their cool-off ends.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# The project registers its own admin for the attempts (unlock with an audit row).
AXES_ENABLE_ADMIN = False
# Masked in attempt rows and in django-axes' log lines: no password, CSRF token or code
# is stored, and no email or IP address reaches the logs.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password",
    "csrfmiddlewaretoken",
    "otp_token",
    "token",
]
AXES_VERBOSE = False
# Forgotten-password requests: at most 3 per address and 20 per IP address per hour
# (counted in the database as keyed hashes; nothing is sent past the limit and the page
# reads as usual).
PASSWORD_RESET_ADDRESS_LIMIT = env.int("PASSWORD_RESET_ADDRESS_LIMIT", default=3)
PASSWORD_RESET_IP_LIMIT = env.int("PASSWORD_RESET_IP_LIMIT", default=20)
PASSWORD_RESET_WINDOW_SECONDS = 60 * 60
# Email-change requests (each sends a confirmation email to the new address): at most 3
# per customer per hour and 3 to one new address per day, counted from the requests.
EMAIL_CHANGE_CUSTOMER_LIMIT = env.int("EMAIL_CHANGE_CUSTOMER_LIMIT", default=3)
EMAIL_CHANGE_CUSTOMER_WINDOW_SECONDS = 60 * 60
EMAIL_CHANGE_ADDRESS_LIMIT = env.int("EMAIL_CHANGE_ADDRESS_LIMIT", default=3)
EMAIL_CHANGE_ADDRESS_WINDOW_SECONDS = 24 * 60 * 60
# Staff two-factor sign-in (TOTP, with one-time backup codes). On unless switched off.
STAFF_OTP_REQUIRED = env.bool("STAFF_OTP_REQUIRED", default=True)
STAFF_OTP_BACKUP_CODES = 10
OTP_TOTP_ISSUER = "Homeshop.kz privacy"
# Secrets of the devices are never shown in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Staff sessions end after 4 idle hours; customers stay signed in up to 14 days.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=4 * 60 * 60)
SESSION_COOKIE_AGE = env.int("CUSTOMER_SESSION_SECONDS", default=14 * 24 * 60 * 60)
# --- end of sign-in protection -------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "filters": {"below_400": {"()": "homeshop_privacy.log_filters.StatusBelow400"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["below_400"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Issue 13: every 404 and 500 once. Django's own console handler (DEBUG) printed
        # django.request's line and the root handler printed it again, and runserver's
        # access line made a third: django.* logs through the root handler only, and the
        # access log keeps the requests that django.request does not already report.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        # A failing health check is the answer of /health/ (a 503 and one line from
        # homeshop_privacy.health), not a traceback per poll; unexpected errors still log.
        "health_check": {"level": "ERROR"},
    },
}
