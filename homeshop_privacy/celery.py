"""The Celery app (Celery's Django guide): configured from Django settings, tasks autodiscovered."""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

# The embedded default's broker writes whole message files (see homeshop_privacy.broker).
TRANSPORT_ALIASES["filesystem"] = "homeshop_privacy.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homeshop_privacy.settings")

app = Celery("homeshop_privacy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
