"""An officer changed the working-day calendar: open claims' due dates follow (6.2)."""

from django.db.models.signals import post_delete, post_save
from simple_history.models import HistoricalRecords

from homeshop_privacy.models import CalendarOverride


def _actor(instance):
    # Saved in the admin: the history middleware knows the officer who made the change.
    actor = getattr(instance, "_history_user", None)
    if actor is None:
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return actor


def calendar_override_changed(sender, instance: CalendarOverride, **kwargs):
    from .services import claims_deadlines_recompute

    claims_deadlines_recompute(
        around=instance.day,
        actor=_actor(instance),
        reason=f"calendar changed on {instance.day:%Y-%m-%d}: {instance.note}",
    )


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(
            calendar_override_changed,
            sender=CalendarOverride,
            dispatch_uid=f"claims_calendar_override_{signal is post_save}",
        )
