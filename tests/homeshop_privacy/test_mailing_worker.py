"""The large-mailing batch path against a real worker, a private Redis and an SMTP sink.

The 7.2 policy-change notification is the mailing here; the breach notices (5.4.4) take the
same path and have their own fault test in tests/disclosures.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import F, Sum

from accounts.models import Customer
from consents import services
from homeshop_privacy import fanout
from homeshop_privacy.celery import app
from homeshop_privacy.models import Mailing, OutboundMessage
from homeshop_privacy.tasks import outbox_send_chunk
from tests.consents.factories import PolicyVersionFactory
from tests.mailing_processes import Deadline, PrivateRedis, SmtpSink, Workers

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _customers(count: int) -> list[str]:
    languages = ["ru", "kk", "en"]
    Customer.objects.bulk_create(
        Customer(
            first_name=f"Клиент{n}",
            last_name="Тестов",
            phone=f"+7702{n:07d}",
            email=f"mailing{n}@example.kz",
            preferred_language=languages[n % 3],
        )
        for n in range(count)
    )
    return [f"mailing{n}@example.kz" for n in range(count)]


@pytest.fixture
def processes(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    started = []
    yield redis, started
    for item in started:
        item.stop_all() if isinstance(item, Workers) else item.stop()
    redis.stop()


def test_smtp_refusing_for_a_while_loses_none_and_duplicates_none(
    processes, tmp_path, monkeypatch, settings
):
    deadline = Deadline(180)
    redis, started = processes
    # Three sessions refused outright (421), then five messages refused at DATA (451).
    sink = SmtpSink(refuse_sessions=3, refuse_messages=5)
    sink.start()
    started.append(sink)
    workers = Workers(tmp_path, redis.url, sink.port, MAILING_CHUNK_SIZE="50")
    started.append(workers)
    emails = _customers(240)
    with transaction.atomic():
        version = PolicyVersionFactory(label="9")
        version.published_at = version.effective_from = datetime(
            2026, 11, 25, tzinfo=ZoneInfo("Asia/Almaty")
        )
        version.save()
    assert services.policy_change_notices_write(version=version) is None
    mailing = Mailing.objects.get(reason=services.POLICY_CHANGE_REASON)
    assert mailing.written == 240

    workers.start()
    with app.connection_for_write(redis.url) as conn:
        monkeypatch.setattr(
            outbox_send_chunk, "delay", lambda *a: outbox_send_chunk.apply_async(a, connection=conn)
        )
        settings.MAILING_CHUNK_SIZE = 50
        assert fanout.mailing_publish(mailing_id=mailing.pk) == 5  # 240 rows, 50 per chunk

    deadline.wait_for(
        lambda: Mailing.objects.get(pk=mailing.pk).sent == 240, "every email to be sent"
    )
    assert sink.handler.refused == 8  # the faults really happened
    assert sink.per_recipient() == dict.fromkeys(emails, 1)  # none lost, none twice
    rows = OutboundMessage.objects.filter(mailing=mailing)
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    assert sorted(mid for _rcpt, mid in sink.delivered) == sorted(
        rows.values_list("message_id", flat=True)
    )
    mailing.refresh_from_db()
    assert (mailing.sent, mailing.failed, mailing.possible_duplicates) == (240, 0, 0)
    # Each refusal cost its row one attempt, nothing more.
    assert rows.aggregate(extra=Sum(F("attempts") - 1))["extra"] == 8
