"""An officer changed the working-day calendar: unfiled breaches' regulator dates follow.

The same reaction as claims' (``claims.signals``) for Law 94-V art. 25 p.2: a day made
a day off (or a working day) inside the window of an unfiled incident moves its date,
with the change in the incident's history; a filed incident keeps its date.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.translation import gettext
from simple_history.models import HistoricalRecords

from homeshop_privacy.models import CalendarOverride
from homeshop_privacy.timestamps import display_date


def _actor(instance):
    # Saved in the admin: the history middleware knows the officer who made the change.
    actor = getattr(instance, "_history_user", None)
    if actor is None:
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return actor


def calendar_override_remember_day(sender, instance: CalendarOverride, **kwargs):
    """An override moved to another date changes the calendar on both dates."""
    instance._breaches_day_before = (
        CalendarOverride.objects.filter(pk=instance.pk).values_list("day", flat=True).first()
        if instance.pk is not None
        else None
    )


def calendar_override_changed(sender, instance: CalendarOverride, **kwargs):
    from .services import breach_regulator_due_recompute

    days = {instance.day, getattr(instance, "_breaches_day_before", None) or instance.day}
    for day in sorted(days):
        breach_regulator_due_recompute(
            around=day,
            actor=_actor(instance),
            reason=gettext("Calendar changed on %(day)s: %(note)s")
            % {"day": display_date(day), "note": instance.note},
        )


def connect() -> None:
    pre_save.connect(
        calendar_override_remember_day,
        sender=CalendarOverride,
        dispatch_uid="disclosures_calendar_override_day_before",
    )
    for signal in (post_save, post_delete):
        signal.connect(
            calendar_override_changed,
            sender=CalendarOverride,
            dispatch_uid=f"disclosures_calendar_override_{signal is post_save}",
        )
