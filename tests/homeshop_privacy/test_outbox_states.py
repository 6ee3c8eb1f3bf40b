"""Issue 9 §1: the outbox's states cannot say "unsent" of a delivered email, nor cancel it.

Seen on the embedded default: the email file was written, then the "sent" mark failed
(SQLite "database is locked"); the row stayed *pending*, the sweeper sent it again, and
an unsubscribe then marked a delivered promotion *cancelled* with 0 attempts. Now the
attempt is committed (*sending*) before the backend is called, only never-attempted rows
can be cancelled, and a row left *sending* is resent with the same Message-ID and
counted as possibly duplicated.
"""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from homeshop_privacy import outbox
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.tasks import outbox_send, outbox_sweep

from .failing_backend import ObservingBackend

Status = OutboundMessage.Status
REASON = "consents.promotion"
RECIPIENT = "aigerim@example.kz"


def _enqueue(key="campaign:autumn"):
    with transaction.atomic():
        message, _created = outbox.message_enqueue(
            reason=REASON,
            key=key,
            recipient=RECIPIENT,
            subject="Осенние скидки",
            body_text="Скидки до 30%.",
        )
    return message


def _abandoned_at(message):
    message.refresh_from_db()
    timeout = timedelta(seconds=django_settings.OUTBOX_SENDING_TIMEOUT + 1)
    return message.attempt_started_at + timeout


def _deliver_then_lose_the_sent_mark(monkeypatch, message):
    """The backend delivers, then recording "sent" fails as it did on SQLite."""

    def locked(message_id):
        raise OperationalError("database is locked")

    monkeypatch.setattr(outbox, "_record_sent", locked)
    with pytest.raises(OperationalError):
        outbox.message_send(message_id=message.pk)
    monkeypatch.undo()
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_committed_before_the_mail_backend_is_called(settings):
    settings.EMAIL_BACKEND = "tests.homeshop_privacy.failing_backend.ObservingBackend"
    ObservingBackend.seen = []
    message = _enqueue()

    assert outbox.message_send(message_id=message.pk).status == "sent"

    # What another connection saw while the email was handed over.
    assert ObservingBackend.seen == [("sending", 1)]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.possible_duplicates) == ("sent", 1, 0)


@pytest.mark.django_db
def test_delivered_but_not_marked_is_never_recorded_pending_or_cancelled(monkeypatch):
    message = _enqueue()
    _deliver_then_lose_the_sent_mark(monkeypatch, message)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENDING, 1)

    # The customer unsubscribes now (4.3): the row may have been delivered, so it is not
    # cancelled; it is only stopped from being sent again.
    assert outbox.messages_cancel(reason=REASON, recipient=RECIPIENT, why="withdrawn") == 1
    message.refresh_from_db()
    assert (message.status, message.stop_requested) == (Status.SENDING, True)

    with time_machine.travel(_abandoned_at(message), tick=False):
        assert outbox.messages_due() == [message.pk]
        assert outbox.message_send(message_id=message.pk).status == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert not message.history.filter(status=Status.CANCELLED).exists()
    assert len(mail.outbox) == 1  # not sent again after the withdrawal


@pytest.mark.django_db
def test_an_abandoned_send_is_resent_by_the_sweep_with_the_same_message_id(
    monkeypatch, client, officer
):
    message = _enqueue()
    _deliver_then_lose_the_sent_mark(monkeypatch, message)
    assert outbox.messages_due() == []  # within the timeout its sender may be alive

    dispatched = []
    monkeypatch.setattr(outbox_send, "delay", dispatched.append)
    with time_machine.travel(_abandoned_at(message), tick=False):
        assert outbox_sweep.run() == 1
        assert [outbox_send.run(pk) for pk in dispatched] == ["sent"]

    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [message.message_id] * 2
    message.refresh_from_db()
    assert (message.status, message.attempts, message.possible_duplicates) == ("sent", 2, 1)
    assert outbox_send.run(message.pk) == "already-sent"

    # The admin shows that the recipient may have it twice.
    client.force_login(officer)
    response = client.get("/admin/homeshop_privacy/outboundmessage/")
    assert "column-possible_duplicates" in response.content.decode()
    assert '<td class="field-possible_duplicates">1</td>' in response.content.decode()


@pytest.mark.django_db
def test_only_a_never_attempted_row_is_cancelled(settings):
    pending = _enqueue("campaign:one")
    settings.EMAIL_BACKEND = "tests.homeshop_privacy.failing_backend.RefusingBackend"
    retrying = _enqueue("campaign:two")
    assert outbox.message_send(message_id=retrying.pk).status == "retry"

    assert outbox.messages_cancel(reason=REASON, recipient=RECIPIENT, why="withdrawn (4.3)") == 2

    pending.refresh_from_db()
    retrying.refresh_from_db()
    assert (pending.status, pending.attempts, pending.last_error) == (
        Status.CANCELLED,
        0,
        "withdrawn (4.3)",
    )
    # Attempted once (the server may have taken it): failed, keeps its attempt, never
    # retried, by the sweep or by staff.
    assert (retrying.status, retrying.attempts, retrying.stop_requested) == (
        Status.FAILED,
        1,
        True,
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert outbox.messages_due() == []
        assert outbox.message_send(message_id=retrying.pk).status == "failed-again"
    with pytest.raises(DomainError):
        outbox.message_retry(message=retrying, actor=None)
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"status": "cancelled", "stop_requested": True},  # attempted, then cancelled
        {"status": "pending"},  # attempted, yet "never attempted"
        {"status": "sending", "attempt_started_at": None},
        {"possible_duplicates": 1},  # as many duplicates as attempts
        {"attempts": 0},  # sent without an attempt
        {"link_kind": "accounts.password_reset"},  # a link named without its object
    ],
    ids=["cancel-attempted", "pending-attempted", "sending-undated", "dup", "no-attempt", "link"],
)
def test_the_database_refuses_states_that_contradict_the_attempts(changes):
    message = _enqueue()
    assert outbox.message_send(message_id=message.pk).status == "sent"
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.filter(pk=message.pk).update(**changes)


@pytest.mark.django_db
def test_a_staff_retry_keeps_the_attempts_already_made(settings, officer):
    settings.EMAIL_BACKEND = "tests.homeshop_privacy.failing_backend.RefusingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 1
    message = _enqueue()
    assert outbox.message_send(message_id=message.pk).status == "failed"

    outbox.message_retry(message=message, actor=officer)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.RETRYING, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.message_send(message_id=message.pk).status == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)
