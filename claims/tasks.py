"""Celery tasks: thin, idempotent, ids as arguments (the outbox keeps each email once)."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    name="claims.reminders_sweep",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def claims_reminders_sweep() -> int:
    """Daily (Celery beat, 09:00 Asia/Almaty): reminders and escalations due today.

    Retried when the database is unreachable: a 7-, 3- or 1-day reminder has one day to
    go out, and a rerun sends only what is missing (the outbox key is per claim and day).
    """
    return services.claims_reminders_sweep()


@shared_task(
    name="claims.claim_reminders",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def claim_reminders(claim_id: int) -> int:
    """After a change to one claim: whatever reminder is due today for it."""
    return services.claim_reminders_send(claim_id=claim_id)
