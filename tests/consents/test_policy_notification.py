from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from consents import services, tasks
from homeshop_privacy.models import Mailing, OutboundMessage
from homeshop_privacy.tasks import outbox_send_chunk
from tests.factories import CustomerFactory

from .factories import PolicyVersionFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))


@pytest.fixture
def published(officer, django_capture_on_commit_callbacks, monkeypatch):
    dispatched = []
    monkeypatch.setattr(tasks.policy_change_notify, "delay", lambda *args: dispatched.append(args))
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        version = services.policy_version_publish(
            version=PolicyVersionFactory(label="2"),
            actor=officer,
            effective_from=datetime(2026, 12, 10, tzinfo=ZoneInfo("Asia/Almaty")),
        )
    return version, dispatched


def _run_fan_out(version, monkeypatch, settings, chunk_size=2):
    """Run the notification as a worker would, one task at a time: the writer, then the
    chunk tasks it publishes (one broker message per chunk), each sending its emails."""
    settings.MAILING_CHUNK_SIZE = chunk_size
    queue = [("write", (version.pk,))]
    chunks = []
    monkeypatch.setattr(tasks.policy_change_notify, "delay", lambda *a: queue.append(("write", a)))
    monkeypatch.setattr(outbox_send_chunk, "delay", lambda *a: queue.append(("chunk", a)))
    while queue:
        kind, args = queue.pop(0)
        if kind == "write":
            tasks.policy_change_notify(*args)
        else:
            chunks.append(args)
            outbox_send_chunk.run(*args)
    return chunks


def test_publishing_a_material_change_starts_the_notification_after_commit(published):
    version, dispatched = published

    assert dispatched == [(version.pk,)]


def test_every_customer_is_notified_once_in_their_language_in_chunks(
    published, monkeypatch, settings, mailoutbox
):
    version, _ = published
    CustomerFactory.create_batch(3, preferred_language="ru")
    kk = CustomerFactory(preferred_language="kk", first_name="Асель")
    en = CustomerFactory(preferred_language="en", first_name="Olga")

    chunks = _run_fan_out(version, monkeypatch, settings)

    assert len(chunks) == 3  # 5 customers, 2 per chunk: one broker message per chunk
    messages = OutboundMessage.objects.filter(reason="consents.policy_changed")
    assert messages.count() == 5
    assert set(messages.values_list("status", flat=True)) == {"sent"}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        messages.values_list("recipient", flat=True)
    )
    mailing = Mailing.objects.get(reason="consents.policy_changed")
    assert (mailing.written, mailing.sent, mailing.failed) == (5, 5, 0)
    kk_mail = messages.get(recipient=kk.email)
    assert kk_mail.language == "kk"
    assert "Сәлеметсіз бе, Асель!" in kk_mail.body_text
    en_mail = messages.get(recipient=en.email)
    # Issue 9 §7: the date in the reader's language's own format (English: N j, Y, P).
    assert "Version 2 takes effect on Dec. 10, 2026, midnight (Almaty time)." in en_mail.body_text
    assert "Added a clause on partner banks." in en_mail.body_text
    assert en_mail.body_text.count("/privacy-policy/2/") == 1


def test_running_the_notification_again_sends_nothing_twice(
    published, monkeypatch, settings, mailoutbox
):
    version, _ = published
    CustomerFactory.create_batch(3)
    _run_fan_out(version, monkeypatch, settings)

    _run_fan_out(version, monkeypatch, settings)

    assert OutboundMessage.objects.filter(reason="consents.policy_changed").count() == 3
    assert len(mailoutbox) == 3
    assert Mailing.objects.get(reason="consents.policy_changed").written == 3


def test_a_non_material_version_notifies_nobody(officer, django_capture_on_commit_callbacks):
    CustomerFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.policy_version_publish(
            version=PolicyVersionFactory(is_material=False), actor=officer
        )

    assert callbacks == []
