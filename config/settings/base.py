"""Settings shared by every environment, read from the environment (django-environ).

Every variable is listed in `.env.example` and in the README. The embedded
default needs no server: a SQLite file under `var/` and kombu's filesystem
transport as the Celery broker.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

from .deadlines import PLANFLOW_DEADLINES  # noqa: F401

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("PLANFLOW_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DJANGO_DEBUG=(bool, False),
    DJANGO_ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DJANGO_DEBUG")
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS")

INSTALLED_APPS = [
    # Before django.contrib.admin: both ship registration/*.html (login, password reset), and the
    # sign-in and password pages should be viewflow's Material lock screen, like the rest of the site.
    "viewflow",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "guardian",
    "axes",
    "viewflow.workflow",
    "documents",
    "workflow",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files in production (gunicorn does not); DEBUG runserver serves them itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "documents.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into our Vietnamese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "workflow.context_processors.navigation",
            ],
        },
    },
]

# Databases: DATABASE_URL, default an embedded SQLite file.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'planflow.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite ignores SELECT ... FOR UPDATE. BEGIN IMMEDIATE takes the write
    # lock when a transaction starts, so two transactions that change the
    # same plan (or the same outgoing register) run one after the other
    # instead of both reading the old state. The timeout makes the second
    # one wait instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
    # PostgreSQL's JIT compiled the visibility query of the plan list on every call
    # (1.2 s instead of 0.27 s on 100,000 plans: docs/performance.md); planflow's queries are short.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
    # A leader's deputy holds the leader's unit permissions between the deputyship's dates.
    "documents.backends.DeputyshipBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row
GUARDIAN_RAISE_403 = False

# A refused form (stale CSRF token, no cookie) answers our Vietnamese page, not Django's English one.
CSRF_FAILURE_VIEW = "workflow.views.csrf_failure"

# Login throttling (django-axes, docs/security.md): after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is locked for AXES_COOLOFF_TIME; a success resets the count.
# The pair, not the address alone: a whole provincial office often shares one public address.
# The same page and status answer for a username that does not exist, so nothing tells them apart.
AXES_FAILURE_LIMIT = env.int("PLANFLOW_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("PLANFLOW_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "workflow/locked_out.html"
# REMOTE_ADDR as the audit trail reads it (documents.audit): the proxy sets it, X-Forwarded-For is not trusted.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/plans/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# Internationalisation: Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# dd/mm/yyyy in both languages (config/formats), also in viewflow's lists.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Celery: CELERY_BROKER_URL, else REDIS_URL, else kombu's filesystem
# transport (no server; a real worker and beat exchange messages via files).
REDIS_URL = env.str("REDIS_URL", default="")
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        # Remote-control (pidbox) messages too; kombu's default is ./control in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Longer than the longest countdown a task is given, so a task held by a
    # worker that died is redelivered only after it could have run. Redis keeps
    # a message with an ETA unacked at the worker until it runs: the longest
    # countdowns are the e-mail retries (backoff capped at 30 min,
    # PLANFLOW_EMAIL_DELIVERY) and an e-mail's lease (time limit + 60 s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# acks_late stays off by default: only tasks that are idempotent by data set it
# (notifications.tasks: send_reminders_task, send_reminder_task, send_email_task,
# send_digests_task),
# with reject_on_worker_lost so a message whose worker died is delivered again.
CELERY_TASK_ACKS_LATE = False
# One beat. The sweep (every minute; expires before the next one) opens obligations,
# sends the reminders due, requeues lost sends and fires viewflow's timers. The digest
# goes at 07:00 local time (CELERY_TIMEZONE); expired after 6 h, the day's reminders
# wait for the next digest rather than arrive in the evening.
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {
        "task": "notifications.tasks.sweep_deadlines_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "send-digests": {
        "task": "notifications.tasks.send_digests_task",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 6 * 3600},
    },
}

EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="planflow <noreply@planflow.local>")

# Absolute address of the site, for links in e-mails and calendar feeds.
PLANFLOW_SITE_URL = env.str("PLANFLOW_SITE_URL", default="http://127.0.0.1:8000/")

# planflow's own settings (deadlines and the reminder policy: PLANFLOW_DEADLINES, from deadlines.py).
PLANFLOW_UPLOAD_MAX_BYTES = env.int("PLANFLOW_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES = env.int("PLANFLOW_REPORT_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # django-axes logs every successful login at INFO; lockouts and failures are warnings.
    "loggers": {"axes": {"level": env.str("PLANFLOW_AXES_LOG_LEVEL", default="WARNING")}},
}
