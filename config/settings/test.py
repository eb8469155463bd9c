"""Settings of the test suite: the database and broker come from the environment."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="planflow-test-only-not-a-secret")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: concurrent transactions then wait on the
    # file lock (busy timeout) as they do in `make run`, instead of failing at once.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-planflow.sqlite3")}  # noqa: F405
