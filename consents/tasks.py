"""Celery tasks of the consents app: thin, idempotent, ids only."""

import logging

from celery import shared_task
from django.conf import settings

from homeshop_privacy.fanout import fan_out

from .models import PolicyVersion
from .selectors import customers_emailable
from .services import policy_change_notify_customers

logger = logging.getLogger(__name__)

#: Customers per chunk task, and chunks handed out per run of the fan-out task.
NOTIFY_CHUNK_SIZE = getattr(settings, "CONSENTS_NOTIFY_CHUNK_SIZE", 500)
NOTIFY_CHUNKS_PER_RUN = 20


@shared_task(
    name="consents.policy_change_notify",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def policy_change_notify(version_id: int, after_id: int = 0) -> int:
    """Fan-out for a material change (7.2): hand out chunk tasks, then continue itself.

    Walks the customers by id (keyset, never OFFSET) a few chunks per run, so one run
    stays short however many customers there are. Returns the chunks dispatched.
    """
    if not PolicyVersion.objects.filter(pk=version_id, published_at__isnull=False).exists():
        return 0
    dispatched = fan_out(
        customers_emailable().filter(pk__gt=after_id).order_by("pk").values_list("pk", flat=True),
        send_chunk=lambda chunk: policy_change_notify_chunk.delay(version_id, chunk[0], chunk[-1]),
        send_rest=lambda last_id: policy_change_notify.delay(version_id, last_id),
        chunk_size=NOTIFY_CHUNK_SIZE,
        chunks_per_run=NOTIFY_CHUNKS_PER_RUN,
    )
    logger.info(
        "consents.policy_notify_fanout version=%s after=%s chunks=%s",
        version_id,
        after_id,
        dispatched,
    )
    return dispatched


@shared_task(
    name="consents.policy_change_notify_chunk",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def policy_change_notify_chunk(version_id: int, first_id: int, last_id: int) -> int:
    """Write the notifications of customers ``first_id``..``last_id`` into the outbox."""
    version = PolicyVersion.objects.filter(pk=version_id, published_at__isnull=False).first()
    if version is None:
        return 0
    ids = list(
        customers_emailable().filter(pk__gte=first_id, pk__lte=last_id).values_list("pk", flat=True)
    )
    return policy_change_notify_customers(version=version, customer_ids=ids)
