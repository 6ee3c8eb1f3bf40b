"""The Celery app (Celery's Django guide): configured from Django settings, tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homeshop_privacy.settings")

app = Celery("homeshop_privacy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
