"""Logging filters named in ``settings.LOGGING``."""

import logging


class StatusBelow400(logging.Filter):
    """runserver's access line for answers below 400 only: a 4xx or 5xx is already
    logged once, by ``django.request`` (with the traceback of a 500)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", 0) < 400
