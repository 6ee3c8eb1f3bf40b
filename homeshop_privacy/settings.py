"""Settings, read from the environment (django-environ).

With no environment at all the project runs on an embedded default: SQLite and a
filesystem Celery transport under ``var/``, and email written to files under
``var/mail/``. Set ``DATABASE_URL``, ``CELERY_BROKER_URL`` and ``EMAIL_URL`` to run on
PostgreSQL, Redis and SMTP (see ``.env.example``).
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
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
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# The development key only ever works with DEBUG on; production must set its own.
if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # raises ImproperlyConfigured when unset
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
    "homeshop_privacy",
    "accounts",
    "consents",
    "disclosures",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
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
    # web, worker and beat share the embedded database: wait for a lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
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
# Issue 9 §7: Kazakh date formats (Django ships none and falls back to m/d/Y).
FORMAT_MODULE_PATH = ["homeshop_privacy.formats"]
TIME_ZONE = "Asia/Almaty"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded evidence (claim attachments, permission scans) is never served publicly.
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"

# Email: every message goes through the outbox (homeshop_privacy.outbox).
_email = env.email_url("EMAIL_URL", default=f"filemail://{VAR_DIR / 'mail'}")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
else:
    for _key in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        if _email.get(_key) not in (None, ""):
            globals()[_key] = _email[_key]
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Homeshop.kz <privacy@homeshop.kz>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)

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
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
OUTBOX_MAX_RETRY_DELAY = 60 * 60
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "homeshop_privacy.outbox_sweep",
        "schedule": 60.0,
    },
    "visit-events-purge": {
        "task": "accounts.visit_events_purge",
        "schedule": 6 * 60 * 60.0,
    },
    # 5.4.4: resume the notification of any breach with affected customers not yet told.
    "breach-notify-sweep": {
        "task": "disclosures.breach_notify_sweep",
        "schedule": 10 * 60.0,
    },
    # 6.2: claim reminders and escalations, every morning in Almaty (CELERY_TIMEZONE).
    "claims-reminders-sweep": {
        "task": "claims.reminders_sweep",
        "schedule": crontab(hour=9, minute=0),
    },
}

# 6.2: the PDF letter of a claim answer needs a Unicode font with Cyrillic and Kazakh
# letters (Debian: fonts-dejavu-core).
PDF_FONT_PATH = env.str("PDF_FONT_PATH", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# 1.4 / 4.1: non-personal visit events are kept this many days, then purged.
VISIT_EVENT_RETENTION_DAYS = env.int("VISIT_EVENT_RETENTION_DAYS", default=180)

SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Production profile: DJANGO_DEBUG=false turns on every protection `check --deploy` asks for.
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
