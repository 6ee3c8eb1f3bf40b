"""Celery tasks of the disclosures app: thin, idempotent, ids only."""

import logging

from celery import shared_task

from homeshop_privacy.fanout import mailing_publish

from .models import BreachIncident
from .services import breach_mailing, breach_notices_write, breaches_notified_sweep

logger = logging.getLogger(__name__)


@shared_task(
    name="disclosures.breach_notify",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def breach_notify(incident_id: int, after_id: int = 0, wrote: bool = False) -> int:
    """5.4.4 fan-out: write every untold affected customer's notice set-based, then publish.

    One run writes for at most a minute and continues itself after the last customer it
    wrote; the run that finishes publishes one broker message per chunk of notices
    (homeshop_privacy.fanout), if this chain wrote any. Returns the chunks published.
    """
    incident = BreachIncident.objects.filter(
        pk=incident_id, notification_started_at__isnull=False
    ).first()
    if incident is None:
        return 0
    run = breach_notices_write(incident=incident, after_id=after_id)
    wrote = wrote or run.written > 0
    if run.rest is not None:
        breach_notify.delay(incident_id, run.rest, wrote)
        return 0
    chunks = mailing_publish(mailing_id=breach_mailing(incident=incident).pk) if wrote else 0
    logger.info("disclosures.breach_notify incident=%s chunks=%s", incident_id, chunks)
    return chunks


@shared_task(name="disclosures.breach_notices_publish")
def breach_notices_publish(incident_id: int) -> int:
    """Publish the incident's waiting notices again (after an officer's retry)."""
    incident = BreachIncident.objects.filter(pk=incident_id).first()
    if incident is None:
        return 0
    return mailing_publish(mailing_id=breach_mailing(incident=incident).pk)


@shared_task(name="disclosures.breach_notify_chunk")
def breach_notify_chunk(incident_id: int, customer_ids: list[int]) -> int:
    """Before the batch path, chunks of customers were written one task each; a message of
    that kind still queued starts the incident's fan-out, which writes them all."""
    breach_notify.delay(incident_id)
    return 0


@shared_task(name="disclosures.breach_notify_sweep")
def breach_notify_sweep() -> int:
    """Beat: restart the fan-out of any incident with customers not yet told.

    A fan-out or chunk task lost with a broker outage or a killed worker is made good
    here, so no affected customer is ever left out (5.4.4).
    """
    from .selectors import breach_incidents_with_pending_notices

    ids = list(breach_incidents_with_pending_notices().values_list("pk", flat=True))
    for incident_id in ids:
        breach_notify.delay(incident_id)
    # An incident whose every notice is out is "notified" (5.4.4).
    breaches_notified_sweep()
    return len(ids)


@shared_task(
    name="disclosures.breach_reminders_sweep",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def breach_reminders_sweep() -> int:
    """Every morning (Celery beat, 08:00 Asia/Almaty): the regulator's date of each
    unfiled breach due today (a reminder) or passed (an escalation), to the officers.

    A rerun the same day sends nothing new (the outbox key is per incident and day).
    """
    from .services import breaches_reminders_sweep

    return breaches_reminders_sweep()
