import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="accounts.visit_events_purge")
def visit_events_purge() -> int:
    deleted = services.visit_events_purge()
    logger.info("visit_events.purged count=%s", deleted)
    return deleted
