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


@shared_task(name="homeshop_privacy.outbox_send_many")
def outbox_send_many(message_ids: list[int]) -> int:
    """Send a batch of messages written together (``outbox.messages_enqueue_many``): one
    broker message for the batch, not one per email (issue 14). A message that must wait
    before its next attempt gets a task of its own for then, as ``outbox_send`` retries."""
    sent = 0
    for message_id in message_ids:
        outcome = outbox.message_send(message_id=message_id)
        if outcome.retry_in is not None:
            outbox_send.apply_async((message_id,), countdown=int(outcome.retry_in.total_seconds()))
        sent += outcome.status == "sent"
    return sent


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


# --- the shop's API (issue 12) -------------------------------------------------------------


@shared_task(name="homeshop_privacy.webhook_deliver", bind=True, max_retries=None)
def webhook_deliver(self, delivery_id: int) -> str:
    from .api import webhooks
    from .models import WebhookDelivery

    outcome = webhooks.webhook_deliver(delivery_id=delivery_id)
    if outcome == WebhookDelivery.Status.RETRYING:
        attempts = WebhookDelivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True)
        delay = webhooks.retry_delay(attempts.first() or 1)
        raise self.retry(countdown=int(delay.total_seconds()))
    return outcome


@shared_task(name="homeshop_privacy.webhook_sweep")
def webhook_sweep() -> int:
    """Hand every due delivery to a task: a lost task, a retry, a sender that died."""
    from .api import webhooks

    ids = webhooks.webhook_deliveries_due()
    for delivery_id in ids:
        webhook_deliver.delay(delivery_id)
    return len(ids)


@shared_task(name="homeshop_privacy.idempotent_replies_purge")
def idempotent_replies_purge() -> int:
    from .api.idempotency import idempotent_replies_purge as purge

    return purge()


@shared_task(name="homeshop_privacy.retention_run", acks_late=True)
def retention_run() -> dict | None:
    """4.1: apply the retention rules (batches, resumable; one run at a time)."""
    from .retention import retention_run as run_rules

    run = run_rules()
    return None if run is None else {"run": run.pk, "status": run.status}
