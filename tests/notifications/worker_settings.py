"""Settings of the Celery worker that the worker tests start (tests/notifications/test_worker.py).

The test settings with a real broker (REDIS_URL from the environment), the test database
(DATABASE_URL given by the test), e-mail over SMTP to the test's sink, and short clocks so
that redelivery and retries happen within seconds. The order of the clocks is the one
production keeps: backoff (≤ 2 s) and lease (3 s) shorter than the visibility timeout (6 s).
"""

import os

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ.get("PLANFLOW_TEST_SMTP_PORT", "25"))
EMAIL_TIMEOUT = 20
PLANFLOW_SITE_URL = "https://planflow.example.vn/"
PLANFLOW_EMAIL_DELIVERY = {
    "max_attempts": 3,
    "backoff_seconds": 1,
    "backoff_max_seconds": 2,
    "lease_seconds": 3,
    "timeout_seconds": 20,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 6,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
