"""An officer changed the working-day calendar: every stored deadline that counts working
days follows (6.2 for claims, Law 94-V art. 25 p.2 for breaches).

One pair of receivers on ``CalendarOverride``; each app registers, from its
``AppConfig.ready()``, the service that recomputes its own deadlines around a day
(``recompute(around=day, actor=user_or_None, reason=text)``). An override moved to
another date changes the calendar on both dates.
"""

from collections.abc import Callable
from datetime import date

from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.translation import gettext
from simple_history.models import HistoricalRecords

from .models import CalendarOverride
from .timestamps import display_date

_RECOMPUTERS: dict[str, Callable[..., object]] = {}


def deadlines_follow_calendar(*, name: str, recompute: Callable[..., object]) -> None:
    """Register ``recompute`` (one per app, ``name`` naming it); connects the receivers."""
    _RECOMPUTERS[name] = recompute
    pre_save.connect(
        _remember_day, sender=CalendarOverride, dispatch_uid="calendar_override_day_before"
    )
    post_save.connect(_changed, sender=CalendarOverride, dispatch_uid="calendar_override_saved")
    post_delete.connect(_changed, sender=CalendarOverride, dispatch_uid="calendar_override_deleted")


def _actor(instance):
    # Saved in the admin: the history middleware knows the officer who made the change.
    actor = getattr(instance, "_history_user", None)
    if actor is None:
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return actor


def _remember_day(sender, instance: CalendarOverride, **kwargs):
    instance._day_before = (
        CalendarOverride.objects.filter(pk=instance.pk).values_list("day", flat=True).first()
        if instance.pk is not None
        else None
    )


def _changed(sender, instance: CalendarOverride, **kwargs):
    days: set[date] = {instance.day, getattr(instance, "_day_before", None) or instance.day}
    actor = _actor(instance)
    for day in sorted(days):
        reason = gettext("Calendar changed on %(day)s: %(note)s") % {
            "day": display_date(day),
            "note": instance.note,
        }
        for recompute in _RECOMPUTERS.values():
            recompute(around=day, actor=actor, reason=reason)
