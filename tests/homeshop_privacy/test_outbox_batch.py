"""Issue 14: ``messages_enqueue_many`` writes many messages in a constant number of queries
and hands them to the sender as one task; ``outbox_send_many`` sends them."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from homeshop_privacy import outbox, tasks
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage


def _drafts(n, start=0):
    return [
        outbox.MessageDraft(
            reason="claims.reminder",
            key=f"claims.claim:{i}:due-1:2026-12-01",
            recipient=f"officer{i}@homeshop.kz",
            subject=f"Обращение {i}",
            body_text="Текст",
        )
        for i in range(start, start + n)
    ]


@pytest.mark.django_db(transaction=True)
def test_many_messages_in_constant_queries_one_task(monkeypatch):
    sent_batches = []
    monkeypatch.setattr(tasks.outbox_send_many, "delay", sent_batches.append)
    from django.db import transaction

    with CaptureQueriesContext(connection) as few, transaction.atomic():
        assert outbox.messages_enqueue_many(_drafts(2)) == 2
    with CaptureQueriesContext(connection) as many, transaction.atomic():
        assert outbox.messages_enqueue_many(_drafts(40, start=2)) == 40
    assert len(many.captured_queries) == len(few.captured_queries)
    assert [len(batch) for batch in sent_batches] == [2, 40]
    # the same keys again: nothing new, nothing dispatched
    with transaction.atomic():
        assert outbox.messages_enqueue_many(_drafts(42)) == 0
    assert len(sent_batches) == 2
    assert OutboundMessage.objects.count() == 42
    assert OutboundMessage.history.filter(history_type="+").count() == 42


@pytest.mark.django_db
def test_the_batch_task_sends_each_message():
    outbox.messages_enqueue_many(_drafts(3))
    ids = list(OutboundMessage.objects.order_by("pk").values_list("pk", flat=True))
    assert tasks.outbox_send_many(ids) == 3
    assert sorted(m.to[0] for m in mail.outbox) == [f"officer{i}@homeshop.kz" for i in range(3)]
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_the_same_rules_as_one_message():
    with pytest.raises(DomainError):
        outbox.messages_enqueue_many(
            [outbox.MessageDraft(reason="r.x", key="k", recipient="", subject="s", body_text="b")]
        )
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["subject", "body_text", "key"])
def test_a_one_time_link_is_refused_in_a_batch_too(where):
    from django.urls import reverse

    link = "https://privacy.homeshop.kz" + reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "abc-123"}
    )
    fields = {"key": "k:1", "subject": "Сброс", "body_text": "Текст"}
    fields[where] = f"{fields[where]} {link}"
    drafts = [*_drafts(3), outbox.MessageDraft(reason="r.x", recipient="a@b.kz", **fields)]
    with pytest.raises(DomainError):
        outbox.messages_enqueue_many(drafts)
    assert not OutboundMessage.objects.exists()
