"""Settings of `make run`: the embedded default on one machine."""

from .base import *  # noqa: F403
from .base import env

# Off by default: `make run` is what an office tries first, and Django's debug pages (every URL
# pattern on a 404, settings on a 500) are for developers, who set DJANGO_DEBUG=true.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# runserver serves no static files without DEBUG: WhiteNoise serves them from the apps' folders,
# no collectstatic step needed on one machine.
WHITENOISE_USE_FINDERS = True
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="planflow-local-only-not-a-secret")

# 403/404 answers are expected in daily use; keep their tracebacks out of `make run`'s console.
LOGGING = {
    **LOGGING,  # noqa: F405
    "loggers": {**LOGGING["loggers"], "django.request": {"level": "ERROR"}},  # noqa: F405
}
