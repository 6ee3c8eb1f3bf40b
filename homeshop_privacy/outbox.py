"""The email outbox: every email the project sends goes through here.

1. ``message_enqueue`` writes the row inside the caller's transaction and, once that
   transaction commits, hands its id to the ``homeshop_privacy.outbox_send`` task.
2. ``message_send`` locks the row, sends it if it is still pending and marks it sent, in
   one transaction. A second task for the same row either waits out the lock-holder
   (``skip_locked``: it does nothing) or finds the row already sent.
3. ``outbox_sweep`` (Celery beat, every minute) hands every pending, due row to the
   task again: a row whose task was lost (broker down at commit, worker killed, retry
   pending) is sent later, never dropped.

The one window in which a recipient can get a message twice: the SMTP server accepted
it and the process died before the "sent" mark committed. The resend carries the same
``Message-ID`` header (stored on the row when it was written), so mail clients and
servers that de-duplicate on it show one message.
"""

import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .models import OutboundMessage

logger = logging.getLogger(__name__)

#: Seconds to wait after the n-th failed attempt (capped at OUTBOX_MAX_RETRY_DELAY).
BACKOFF_BASE_SECONDS = 60
#: A task that arrives this early for a row waiting out its backoff still sends it
#: (workers' clocks differ a little); earlier than that, it leaves the row alone.
DUE_TOLERANCE = timedelta(seconds=5)


#: reason -> function(message) -> the text body to send. For emails whose link is a secret
#: (an email-change confirmation): the row stores the text without the link and the app
#: that owns the reason renders the full text at send time (issue 9 §5, issue 8 item 3).
SEND_TIME_BODIES: dict[str, Callable[[OutboundMessage], str]] = {}


def body_at_send_register(reason: str, render: Callable[[OutboundMessage], str]) -> None:
    SEND_TIME_BODIES[reason] = render


def object_key(obj: models.Model, *parts: object) -> str:
    """A stable key for the object that caused a message, e.g. ``claims.claim:42:ack``."""
    key = f"{obj._meta.label_lower}:{obj.pk}"
    if parts:
        key += ":" + ":".join(str(part) for part in parts)
    return key


def retry_delay(attempts: int) -> timedelta:
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.OUTBOX_MAX_RETRY_DELAY))


@transaction.atomic
def message_enqueue(
    *,
    reason: str,
    key: str,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict[str, str] | None = None,
    language: str = "ru",
) -> tuple[OutboundMessage, bool]:
    """Write one message unless the same (reason, key, recipient) was already written.

    Returns the row and whether it was created. Call it inside the transaction of the
    change that causes the email: if that change rolls back, so does the message.
    """
    if not recipient:
        raise DomainError("A message needs a recipient address.")
    message, created = OutboundMessage.objects.get_or_create(
        reason=reason,
        object_key=key,
        recipient=recipient,
        defaults={
            "subject": subject[:255],
            "body_text": body_text,
            "body_html": body_html,
            "headers": headers or {},
            "language": language,
            "message_id": make_msgid(idstring="outbox", domain="homeshop.kz"),
        },
    )
    if created:
        message_dispatch_on_commit(message.pk)
    return message, created


def message_dispatch_on_commit(message_id: int) -> None:
    from .tasks import outbox_send

    # robust: a broker outage must not undo or fail the change that caused the message;
    # the sweeper sends the row once the broker is back.
    transaction.on_commit(lambda: outbox_send.delay(message_id), robust=True)


@dataclasses.dataclass(frozen=True)
class SendOutcome:
    status: str  # "sent", "already-sent", "failed-again", "not-due", "retry", "busy", "gone"
    retry_in: timedelta | None = None


def message_send(*, message_id: int) -> SendOutcome:
    """Send one pending message, exactly once, and record the outcome on its row."""
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            busy = OutboundMessage.objects.filter(pk=message_id).exists()
            return SendOutcome("busy" if busy else "gone")
        if message.status == OutboundMessage.Status.SENT:
            return SendOutcome("already-sent")
        if message.status == OutboundMessage.Status.FAILED:
            return SendOutcome("failed-again")
        if message.status == OutboundMessage.Status.CANCELLED:
            return SendOutcome("cancelled")
        if message.next_attempt_at > timezone.now() + DUE_TOLERANCE:
            # Waiting out a backoff: the task that failed scheduled its own retry and the
            # sweeper also finds the row once due. A second task (a sweep, a redelivery)
            # sending now would spend the attempts twice as fast and start a second
            # retry chain, so a short mail-server outage could mark the row failed.
            return SendOutcome("not-due")

        render = SEND_TIME_BODIES.get(message.reason)
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=render(message) if render else message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={**message.headers, "Message-ID": message.message_id},
            connection=get_connection(fail_silently=False),
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")

        message.attempts += 1
        try:
            email.send()
        except Exception as exc:  # noqa: BLE001 - any transport failure is retried
            # The error text of an SMTP refusal can quote the address: keep only its type.
            message.last_error = type(exc).__name__[:255]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = OutboundMessage.Status.FAILED
                delay = None
            else:
                delay = retry_delay(message.attempts)
                message.next_attempt_at = timezone.now() + delay
            message._change_reason = "send failed"
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning(
                "outbox.send_failed message=%s attempt=%s error=%s",
                message.pk,
                message.attempts,
                message.last_error,
            )
            return SendOutcome("retry" if delay else "failed", retry_in=delay)

        message.status = OutboundMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message._change_reason = "sent"
        message.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        logger.info("outbox.sent message=%s reason=%s", message.pk, message.reason)
        return SendOutcome("sent")


def messages_due(*, now=None, limit: int = 500) -> list[int]:
    """Ids of pending messages whose next attempt is due (the sweeper's selector)."""
    now = now or timezone.now()
    return list(
        OutboundMessage.objects.filter(
            status=OutboundMessage.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def message_retry(*, message: OutboundMessage, actor) -> OutboundMessage:
    """Staff action: give a failed message a new round of attempts."""
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status == OutboundMessage.Status.SENT:
        raise DomainError(_("This message was already sent."))
    if message.status == OutboundMessage.Status.CANCELLED:
        raise DomainError(
            _("This message was cancelled because its reason is gone; it is not sent.")
        )
    message.status = OutboundMessage.Status.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message._history_user = actor
    message._change_reason = "retry requested"
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    message_dispatch_on_commit(message.pk)
    return message


@transaction.atomic
def messages_cancel(*, reason: str, recipient: str, why: str) -> int:
    """Stop every pending message of ``reason`` to ``recipient``; returns how many.

    A cancelled row is never sent and cannot be retried from the admin. Rows being sent
    right now are locked by their sender and either finish or stay pending: callers that
    must stop them too (4.3) hold their own lock around the decision to send.
    """
    pending = OutboundMessage.objects.select_for_update().filter(
        reason=reason, recipient=recipient, status=OutboundMessage.Status.PENDING
    )
    cancelled = 0
    for message in pending:
        message.status = OutboundMessage.Status.CANCELLED
        message.last_error = why[:255]
        message._change_reason = f"cancelled: {why}"
        message.save(update_fields=["status", "last_error"])
        cancelled += 1
    return cancelled
