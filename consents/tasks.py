"""Celery tasks of the consents app: thin, idempotent, ids only."""

import logging

from celery import shared_task

from homeshop_privacy.fanout import mailing_publish

from .models import PolicyVersion
from .services import policy_change_mailing, policy_change_notices_write

logger = logging.getLogger(__name__)


@shared_task(
    name="consents.policy_change_notify",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def policy_change_notify(version_id: int, after_id: int = 0) -> int:
    """7.2: write every customer's notification set-based, then publish it in chunks.

    One run writes for at most a minute and continues itself after the last customer it
    wrote; the run that finishes publishes the chunks (one broker message each, sent over
    one SMTP connection: homeshop_privacy.fanout). Returns the chunks published.
    """
    version = PolicyVersion.objects.filter(pk=version_id, published_at__isnull=False).first()
    if version is None:
        return 0
    rest = policy_change_notices_write(version=version, after_id=after_id)
    if rest is not None:
        policy_change_notify.delay(version_id, rest)
        return 0
    mailing = policy_change_mailing(version=version)
    chunks = mailing_publish(mailing_id=mailing.pk)
    logger.info("consents.policy_notify_published version=%s chunks=%s", version_id, chunks)
    return chunks
