"""The batch path of large mailings: set-based writing, chunks, one SMTP connection each."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Customer
from homeshop_privacy import fanout
from homeshop_privacy.models import Mailing, OutboundMessage
from homeshop_privacy.tasks import outbox_send_chunk, outbox_sweep

pytestmark = pytest.mark.django_db

TEXTS = {
    "ru": fanout.MailingText("Тема", f"Здравствуйте, {fanout.FIRST_NAME}!"),
    "kk": fanout.MailingText("Тақырып", f"Сәлеметсіз бе, {fanout.FIRST_NAME}!"),
}


def _customers(count: int, start: int = 0) -> None:
    Customer.objects.bulk_create(
        Customer(
            first_name=f"Имя{n}",
            last_name="Тестов",
            phone=f"+7703{n:07d}",
            email=f"fan{n}@example.kz",
            preferred_language=["ru", "kk", "en"][n % 3],
        )
        for n in range(start, start + count)
    )


def _recipients():
    return Customer.objects.values_list("pk", "email", "preferred_language", "first_name")


def test_rows_are_written_in_one_statement_whatever_the_number_of_recipients():
    mailing = fanout.mailing_get(reason="test.mailing", key="test:1")
    _customers(30)
    with CaptureQueriesContext(connection) as small:
        fanout.mailing_write(mailing=mailing, recipients=_recipients(), texts=TEXTS)
    _customers(300, start=30)
    with CaptureQueriesContext(connection) as large:
        written = fanout.mailing_write(mailing=mailing, recipients=_recipients(), texts=TEXTS)

    assert len(written) == 300  # only the new ones
    assert len(large.captured_queries) == len(small.captured_queries)
    assert OutboundMessage.objects.filter(mailing=mailing).count() == 330
    assert Mailing.objects.get(pk=mailing.pk).written == 330


def test_each_row_has_its_language_name_history_and_a_message_id_of_its_own():
    mailing = fanout.mailing_get(reason="test.mailing", key="test:1")
    _customers(3)
    written = dict(fanout.mailing_write(mailing=mailing, recipients=_recipients(), texts=TEXTS))

    by_customer = {cid: OutboundMessage.objects.get(pk=mid) for mid, cid in written.items()}
    ru, kk, en = (by_customer[c.pk] for c in Customer.objects.order_by("phone"))
    assert (ru.language, ru.subject, ru.body_text) == ("ru", "Тема", "Здравствуйте, Имя0!")
    assert (kk.language, kk.body_text) == ("kk", "Сәлеметсіз бе, Имя1!")
    assert (en.language, en.body_text) == ("ru", "Здравствуйте, Имя2!")  # no English text
    assert ru.message_id == f"<outbox.{ru.pk}@homeshop.kz>"
    assert ru.history.get().history_change_reason == "written in a mailing"


def test_a_second_write_writes_nothing_twice():
    mailing = fanout.mailing_get(reason="test.mailing", key="test:1")
    _customers(5)
    fanout.mailing_write(mailing=mailing, recipients=_recipients(), texts=TEXTS)

    assert fanout.mailing_write(mailing=mailing, recipients=_recipients(), texts=TEXTS) == []
    assert OutboundMessage.objects.filter(mailing=mailing).count() == 5
    assert Mailing.objects.get(pk=mailing.pk).written == 5


def test_a_chunk_is_sent_over_one_connection_and_twice_sends_nothing_twice(monkeypatch):
    mailing = fanout.mailing_get(reason="test.mailing", key="test:1")
    _customers(7)
    fanout.mailing_write(mailing=mailing, recipients=_recipients(), texts=TEXTS)
    opened = []
    real = fanout.get_connection
    monkeypatch.setattr(fanout, "get_connection", lambda **kw: opened.append(1) or real(**kw))
    ids = list(OutboundMessage.objects.filter(mailing=mailing).values_list("pk", flat=True))

    outbox_send_chunk.run(mailing.pk, min(ids), max(ids))
    outbox_send_chunk.run(mailing.pk, min(ids), max(ids))

    assert len(opened) == 1
    assert len(mail.outbox) == 7
    mailing.refresh_from_db()
    assert (mailing.sent, mailing.failed, mailing.possible_duplicates) == (7, 0, 0)


def test_publishing_sends_one_broker_message_per_chunk(settings, monkeypatch):
    settings.MAILING_CHUNK_SIZE = 4
    mailing = fanout.mailing_get(reason="test.mailing", key="test:1")
    _customers(10)
    fanout.mailing_write(mailing=mailing, recipients=_recipients(), texts=TEXTS)
    published = []
    monkeypatch.setattr(outbox_send_chunk, "delay", lambda *args: published.append(args))

    assert fanout.mailing_publish(mailing_id=mailing.pk) == 3

    ids = sorted(OutboundMessage.objects.filter(mailing=mailing).values_list("pk", flat=True))
    assert published == [
        (mailing.pk, ids[0], ids[3]),
        (mailing.pk, ids[4], ids[7]),
        (mailing.pk, ids[8], ids[9]),
    ]


def test_the_sweeper_publishes_again_only_a_stalled_mailing(settings, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    settings.MAILING_SWEEP_GRACE_SECONDS = 60
    mailing = fanout.mailing_get(reason="test.mailing", key="test:1")
    _customers(3)
    fanout.mailing_write(mailing=mailing, recipients=_recipients(), texts=TEXTS)
    published = []
    monkeypatch.setattr(outbox_send_chunk, "delay", lambda *args: published.append(args))

    outbox_sweep.run()
    assert published == []  # it just moved: its chunks are on their way

    Mailing.objects.filter(pk=mailing.pk).update(progress_at=timezone.now() - timedelta(seconds=61))
    outbox_sweep.run()
    assert len(published) == 1
