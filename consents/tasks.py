"""Celery tasks of the consents app: thin, idempotent, ids only."""

import logging

from celery import shared_task
from django.conf import settings

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
    ids = list(
        customers_emailable()
        .filter(pk__gt=after_id)
        .order_by("pk")
        .values_list("pk", flat=True)[: NOTIFY_CHUNK_SIZE * NOTIFY_CHUNKS_PER_RUN]
    )
    chunks = [ids[i : i + NOTIFY_CHUNK_SIZE] for i in range(0, len(ids), NOTIFY_CHUNK_SIZE)]
    for chunk in chunks:
        policy_change_notify_chunk.delay(version_id, chunk[0], chunk[-1])
    if len(ids) == NOTIFY_CHUNK_SIZE * NOTIFY_CHUNKS_PER_RUN:
        policy_change_notify.delay(version_id, ids[-1])
    logger.info(
        "consents.policy_notify_fanout version=%s after=%s chunks=%s",
        version_id,
        after_id,
        len(chunks),
    )
    return len(chunks)


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
