"""Celery tasks of the disclosures app: thin, idempotent, ids only."""

import logging

from celery import shared_task

from homeshop_privacy.fanout import fan_out

from .models import BreachAffected, BreachIncident
from .services import breach_notify_customers

logger = logging.getLogger(__name__)

#: Affected customers per chunk task, and chunks handed out per run of the fan-out.
NOTIFY_CHUNK_SIZE = 500
NOTIFY_CHUNKS_PER_RUN = 20


@shared_task(
    name="disclosures.breach_notify",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def breach_notify(incident_id: int, after_id: int = 0) -> int:
    """Fan-out for 5.4.4: hand out chunk tasks over the affected list, then continue itself.

    Walks the affected customers by id (keyset), a few chunks per run. Customers already
    told are skipped by the chunk; returns the chunks dispatched.
    """
    if not BreachIncident.objects.filter(
        pk=incident_id, notification_started_at__isnull=False
    ).exists():
        return 0
    dispatched = fan_out(
        BreachAffected.objects.filter(incident_id=incident_id, customer_id__gt=after_id)
        .exclude(customer__breach_notices__incident_id=incident_id)
        .order_by("customer_id")
        .values_list("customer_id", flat=True),
        send_chunk=lambda chunk: breach_notify_chunk.delay(incident_id, chunk),
        send_rest=lambda last_id: breach_notify.delay(incident_id, last_id),
        chunk_size=NOTIFY_CHUNK_SIZE,
        chunks_per_run=NOTIFY_CHUNKS_PER_RUN,
    )
    logger.info(
        "disclosures.breach_notify_fanout incident=%s after=%s chunks=%s",
        incident_id,
        after_id,
        dispatched,
    )
    return dispatched


@shared_task(
    name="disclosures.breach_notify_chunk",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def breach_notify_chunk(incident_id: int, customer_ids: list[int]) -> int:
    """Write the notices of these affected customers into the outbox (once each)."""
    incident = BreachIncident.objects.filter(
        pk=incident_id, notification_started_at__isnull=False
    ).first()
    if incident is None:
        return 0
    return breach_notify_customers(incident=incident, customer_ids=customer_ids)


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
