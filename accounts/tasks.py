import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="accounts.visit_events_purge")
def visit_events_purge() -> int:
    deleted = services.visit_events_purge()
    logger.info("visit_events.purged count=%s", deleted)
    return deleted


@shared_task(name="accounts.closure_carry_out", bind=True, acks_late=True, max_retries=24 * 6 * 3)
def account_closure_carry_out(self, closure_id: int) -> bool:
    """2.2, 4.1: erase a closed account's data once its last email went (retried until)."""
    from .models import AccountClosureRequest

    closure = AccountClosureRequest.objects.filter(pk=closure_id).first()
    if closure is None:
        return False
    if services.account_closure_carry_out(closure_request=closure):
        return True
    raise self.retry(countdown=10 * 60)
