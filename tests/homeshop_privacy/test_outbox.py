import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from homeshop_privacy import outbox
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.tasks import outbox_send, outbox_sweep


def _after_the_sending_timeout(message):
    timeout = timedelta(seconds=django_settings.OUTBOX_SENDING_TIMEOUT + 1)
    return message.attempt_started_at + timeout


def _enqueue(**overrides):
    data = {
        "reason": "test.notice",
        "key": "accounts.customer:1",
        "recipient": "aigerim@example.kz",
        "subject": "Уведомление",
        "body_text": "Текст уведомления",
    }
    data.update(overrides)
    with transaction.atomic():
        return outbox.message_enqueue(**data)


@pytest.mark.django_db
def test_same_reason_object_and_recipient_is_written_once():
    first, created_first = _enqueue()
    second, created_second = _enqueue(subject="другая тема")
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_message_rolls_back_with_the_change_that_caused_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.message_enqueue(
            reason="test.notice",
            key="k",
            recipient="a@example.kz",
            subject="s",
            body_text="b",
        )
        raise RuntimeError("the causing change failed")
    assert OutboundMessage.objects.count() == 0


@pytest.mark.django_db
def test_task_run_twice_sends_once_with_the_stored_message_id():
    message, _ = _enqueue()
    assert outbox_send.run(message.pk) == "sent"
    assert outbox_send.run(message.pk) == "already-sent"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["aigerim@example.kz"]
    assert sent.extra_headers["Message-ID"] == message.message_id
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 1


@pytest.mark.django_db
def test_smtp_failure_waits_to_retry_with_backoff_and_a_visible_error(settings):
    settings.EMAIL_BACKEND = "tests.homeshop_privacy.failing_backend.RefusingBackend"
    message, _ = _enqueue()
    outcome = outbox.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert outcome.status == "retry"
    assert outcome.retry_in.total_seconds() == 60
    # Attempted, so no longer "pending" (which only a never-attempted row is, issue 9 §1).
    assert message.status == OutboundMessage.Status.RETRYING
    assert message.last_error == "SMTPServerDisconnected"
    assert "aigerim" not in message.last_error
    assert message.next_attempt_at > message.created_at

    with time_machine.travel(message.next_attempt_at, tick=False):
        outbox.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.attempts == 2
    # exponential: the second failure waits twice as long as the first
    assert outbox.retry_delay(2).total_seconds() == 120


@pytest.mark.django_db
def test_gives_up_after_max_attempts_and_admin_retry_sends_it(settings, officer):
    settings.EMAIL_BACKEND = "tests.homeshop_privacy.failing_backend.RefusingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message, _ = _enqueue()
    outbox.message_send(message_id=message.pk)
    message.refresh_from_db()
    with time_machine.travel(message.next_attempt_at, tick=False):
        outbox.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.FAILED
    assert outbox.messages_due() == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox.message_retry(message=message, actor=officer)
    assert outbox.message_send(message_id=message.pk).status == "sent"
    assert len(mail.outbox) == 1
    assert message.history.filter(history_user=officer).exists()


@pytest.mark.django_db
def test_a_second_task_during_the_backoff_leaves_the_row_to_its_retry(settings):
    """The failed task schedules its retry; a sweep or redelivered task meanwhile must not
    spend another attempt (that would exhaust them in a fraction of the backoff)."""
    settings.EMAIL_BACKEND = "tests.homeshop_privacy.failing_backend.RefusingBackend"
    message, _ = _enqueue()
    assert outbox.message_send(message_id=message.pk).status == "retry"
    assert outbox.message_send(message_id=message.pk).status == "not-due"
    assert outbox_send.run(message.pk) == "not-due"  # no second retry chain either
    message.refresh_from_db()
    assert message.attempts == 1
    assert outbox.messages_due() == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(message.next_attempt_at, tick=False):
        assert outbox.messages_due() == [message.pk]
        assert outbox.message_send(message_id=message.pk).status == "sent"
    assert len(mail.outbox) == 1
    assert timezone.now() < message.next_attempt_at


@pytest.mark.django_db
def test_sweeper_finds_rows_whose_task_was_lost():
    message, _ = _enqueue()  # its on_commit dispatch never ran: as if the broker was down
    assert outbox.messages_due() == [message.pk]
    with transaction.atomic():
        sent_ids = outbox.messages_due()
    for message_id in sent_ids:
        outbox_send.run(message_id)
    assert outbox.messages_due() == []
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_sweep_task_dispatches_due_rows(monkeypatch):
    message, _ = _enqueue()
    dispatched = []
    monkeypatch.setattr(outbox_send, "delay", lambda message_id: dispatched.append(message_id))
    assert outbox_sweep.run() == 1
    assert dispatched == [message.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tasks_at_the_same_time_send_once(settings):
    """Two workers get the same message at the same moment: one sends, the other skips."""
    settings.EMAIL_BACKEND = "tests.homeshop_privacy.failing_backend.SlowLocmemBackend"
    message, _ = _enqueue()
    results = []

    def worker():
        try:
            results.append(outbox_send.run(message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["busy", "sent"]
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert message.attempts == 1


@pytest.mark.django_db
def test_the_one_duplicate_window_resends_with_the_same_message_id(monkeypatch):
    """SMTP accepted the message, then the process died before the "sent" mark committed.

    This is the only way a recipient can get a message twice; the resend carries the
    same Message-ID so that mail clients show it once.
    """
    message, _ = _enqueue()
    original_save = OutboundMessage.save

    def crash_on_sent(self, *args, **kwargs):
        if self.status == OutboundMessage.Status.SENT:
            raise ConnectionError("database connection lost")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(OutboundMessage, "save", crash_on_sent)
    with pytest.raises(ConnectionError):
        outbox.message_send(message_id=message.pk)
    monkeypatch.setattr(OutboundMessage, "save", original_save)

    message.refresh_from_db()
    # The attempt was committed before the backend was called: the row says "sending",
    # never "pending" (which a sweep could cancel although it was delivered).
    assert message.status == OutboundMessage.Status.SENDING
    assert message.attempts == 1
    # Its sender is gone: once the row is abandoned it is sent again, same Message-ID.
    with time_machine.travel(_after_the_sending_timeout(message), tick=False):
        assert outbox.message_send(message_id=message.pk).status == "sent"
    assert len(mail.outbox) == 2
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {message.message_id}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.possible_duplicates) == ("sent", 2, 1)
