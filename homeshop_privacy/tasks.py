import logging

from celery import shared_task

from . import outbox

logger = logging.getLogger(__name__)


@shared_task(name="homeshop_privacy.outbox_send", bind=True, max_retries=None)
def outbox_send(self, message_id: int) -> str:
    outcome = outbox.message_send(message_id=message_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=int(outcome.retry_in.total_seconds()))
    return outcome.status


@shared_task(name="homeshop_privacy.outbox_sweep")
def outbox_sweep() -> int:
    """Hand every due pending message to a send task (one task per message)."""
    ids = outbox.messages_due()
    for message_id in ids:
        outbox_send.delay(message_id)
    if ids:
        logger.info("outbox.sweep dispatched=%s", len(ids))
    return len(ids)


@shared_task(name="homeshop_privacy.ledger_verify_daily")
def ledger_verify_daily() -> str:
    """Issue 9 §2: verify the legal records' hash chains, alert on a break, publish heads."""
    from .ledger import ledger_check_and_publish

    result, publication = ledger_check_and_publish()
    return f"{'ok' if result.ok else 'BROKEN'} {publication.digest}"
