"""One rule for every date and time (issue 9 §7).

- What a person reads is in Asia/Almaty, in the active language's format
  (``display_date`` / ``display_datetime``; templates use ``|date:"SHORT_DATE_FORMAT"``
  and friends, never a fixed pattern).
- What a file holds (JSON and CSV downloads, consent proofs, the disclosure register) is
  ISO 8601 with the Almaty offset, ``2026-01-17T04:30:00+05:00`` (``export_timestamp``),
  whatever time zone the value was read in.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone

ALMATY = ZoneInfo(settings.TIME_ZONE)


def export_timestamp(value: datetime | date | None) -> str | None:
    """ISO 8601; a moment carries the Almaty offset (+05:00), a calendar day stays a day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, ALMATY)
        return value.astimezone(ALMATY).isoformat()
    return value.isoformat()


def display_date(value: datetime | date | None, *, short: bool = False) -> str:
    """The day as a person in Almaty reads it, in the active language's format
    (``DATE_FORMAT``, the admin's own; ``SHORT_DATE_FORMAT`` for compact lists)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value, ALMATY).date()
    return formats.date_format(value, "SHORT_DATE_FORMAT" if short else "DATE_FORMAT")


def display_datetime(value: datetime | None, *, short: bool = False) -> str:
    """The moment in Almaty time, in the active language's format."""
    if value is None:
        return ""
    name = "SHORT_DATETIME_FORMAT" if short else "DATETIME_FORMAT"
    return formats.date_format(timezone.localtime(value, ALMATY), name)
