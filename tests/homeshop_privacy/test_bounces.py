"""Bounces (5.4.4: accepted by the mail server is not received): RFC 3464 DSNs."""

import pytest
from django.core.management import call_command
from django.db import transaction

from homeshop_privacy import bounces, fanout
from homeshop_privacy.models import OutboundMessage

pytestmark = pytest.mark.django_db


def _dsn(message_id: str, action: str = "failed", status: str = "5.1.1") -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.kz\r\n"
        "To: bounces@homeshop.kz\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n"
        "--B\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "The mail system could not deliver your message.\r\n"
        "--B\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.kz\r\n\r\n"
        "Final-Recipient: rfc822; aigerim@example.kz\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <aigerim@example.kz>: user unknown\r\n"
        "--B\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {message_id}\r\n"
        "Subject: Homeshop.kz\r\n"
        "--B--\r\n"
    ).encode()


@pytest.fixture
def mailed():
    mailing = fanout.mailing_get(reason="test.mailing", key="test:1")
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            reason="test.mailing",
            object_key="test:1",
            recipient="aigerim@example.kz",
            subject="s",
            body_text="b",
            message_id="<outbox.999@homeshop.kz>",
            mailing=mailing,
        )
    return mailing, message


def test_a_failed_delivery_is_recorded_on_its_row_and_counted_once(mailed):
    mailing, message = mailed

    assert bounces.bounce_record(raw=_dsn(message.message_id)) == 1
    assert bounces.bounce_record(raw=_dsn(message.message_id)) == 0  # the same DSN again

    message.refresh_from_db()
    mailing.refresh_from_db()
    assert message.bounced_at is not None
    assert message.bounce_status == "5.1.1"
    assert mailing.bounced == 1


def test_a_delayed_delivery_is_not_a_bounce(mailed):
    _mailing, message = mailed

    assert (
        bounces.bounce_record(raw=_dsn(message.message_id, action="delayed", status="4.4.1")) == 0
    )
    message.refresh_from_db()
    assert message.bounced_at is None


def test_a_dsn_for_an_email_not_ours_or_not_a_dsn_records_nothing(mailed):
    assert bounces.bounce_record(raw=_dsn("<someone-else@example.kz>")) == 0
    assert bounces.bounce_record(raw=b"Subject: hello\r\n\r\nnot a report\r\n") == 0
    assert not OutboundMessage.objects.filter(bounced_at__isnull=False).exists()


def test_the_import_command_reads_a_folder_of_saved_dsns(mailed, tmp_path, capsys):
    _mailing, message = mailed
    (tmp_path / "1.eml").write_bytes(_dsn(message.message_id, status="5.2.2"))
    (tmp_path / "2.eml").write_bytes(b"Subject: out of office\r\n\r\nback on Monday\r\n")

    call_command("bounces_import", str(tmp_path))

    assert "2 file(s) read, 1 bounce(s) recorded" in capsys.readouterr().out
    message.refresh_from_db()
    assert message.bounce_status == "5.2.2"


def test_with_a_bounce_address_the_envelope_sender_is_it_and_from_stays(settings, mailed):
    from homeshop_privacy.outbox import _email

    _mailing, message = mailed
    settings.OUTBOX_BOUNCE_ADDRESS = "bounces@homeshop.kz"

    email = _email(message)

    assert email.from_email == "bounces@homeshop.kz"
    assert email.message()["From"] == settings.DEFAULT_FROM_EMAIL
    assert email.message()["Message-ID"] == message.message_id
