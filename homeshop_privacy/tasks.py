import logging

from celery import shared_task

from . import fanout, heartbeat, outbox
from .models import Heartbeat

logger = logging.getLogger(__name__)


@shared_task(name="homeshop_privacy.outbox_send", bind=True, max_retries=None)
def outbox_send(self, message_id: int) -> str:
    outcome = outbox.message_send(message_id=message_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=int(outcome.retry_in.total_seconds()))
    return outcome.status


@shared_task(name="homeshop_privacy.outbox_send_chunk", bind=True, max_retries=None)
def outbox_send_chunk(self, mailing_id: int, first_id: int, last_id: int) -> str:
    """Send a chunk of a large mailing over one SMTP connection (fanout.chunk_send)."""
    outcome = fanout.chunk_send(mailing_id=mailing_id, first_id=first_id, last_id=last_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=int(outcome.retry_in.total_seconds()))
    return f"sent={outcome.sent} failed={outcome.failed} skipped={outcome.skipped}"


@shared_task(name="homeshop_privacy.outbox_sweep")
def outbox_sweep() -> int:
    """Hand every due message to a send task: one task per single message, one per chunk
    of a large mailing. Due: never sent, waiting to retry, or left *sending* by a sender
    that died (resent, same Message-ID)."""
    ids = outbox.messages_due()
    for message_id in ids:
        outbox_send.delay(message_id)
    chunks = fanout.mailing_chunks_due()
    for mailing_id, first_id, last_id in chunks:
        outbox_send_chunk.delay(mailing_id, first_id, last_id)
    if ids or chunks:
        logger.info("outbox.sweep dispatched=%s chunks=%s", len(ids), len(chunks))
    return len(ids) + len(chunks)


@shared_task(name="homeshop_privacy.outbox_bounces_fetch")
def outbox_bounces_fetch() -> int:
    """Beat: record the bounces waiting in the bounce mailbox (nothing when none is set)."""
    from .bounces import bounces_fetch

    return bounces_fetch()


# --- ops: heartbeat (issue 9 §6) ---------------------------------------------------------------


@shared_task(name="homeshop_privacy.worker_heartbeat")
def worker_heartbeat() -> None:
    """Scheduled by beat, run by any worker: proves beat schedules and a worker consumes."""
    heartbeat.heartbeat_record(kind=Heartbeat.Kind.WORKER)


@shared_task(name="homeshop_privacy.ledger_verify_daily")
def ledger_verify_daily() -> str:
    """Issue 9 §2: verify the legal records' hash chains, alert on a break, publish heads."""
    from .ledger import ledger_check_and_publish

    result, publication = ledger_check_and_publish()
    return f"{'ok' if result.ok else 'BROKEN'} {publication.digest}"
