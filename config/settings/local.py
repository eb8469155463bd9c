"""Settings of `make run`: the embedded default on one machine."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="planflow-local-only-not-a-secret")

# 403/404 answers are expected in daily use; keep their tracebacks out of `make run`'s console.
LOGGING = {
    **LOGGING,  # noqa: F405
    "loggers": {**LOGGING["loggers"], "django.request": {"level": "ERROR"}},  # noqa: F405
}
