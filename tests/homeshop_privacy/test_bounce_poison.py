"""Review finding: one DSN whose returned email says ``Message-ID: <>`` (anyone may mail
the bounce address) makes ``dsn_parse`` raise, so the mailbox fetch stops there on every
run and the bounces after it are never recorded (5.4.4: the unreached list stays short)."""

import pytest
from django.db import transaction

from homeshop_privacy import bounces, fanout
from homeshop_privacy.models import OutboundMessage
from tests.homeshop_privacy.test_bounces import _dsn

pytestmark = pytest.mark.django_db

POISON = (
    b"From: someone@example.kz\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
    b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.example.kz\r\n\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
    b"--B\r\nContent-Type: message/rfc822\r\n\r\n"
    b"Message-ID: <>\r\nSubject: x\r\n\r\nbody\r\n--B--\r\n"
)


class FakeMailbox:
    def __init__(self, messages):
        self.messages = messages
        self.deleted = set()

    def __call__(self, host, port):
        return self

    def login(self, user, password):
        return "OK", []

    def select(self, folder):
        return "OK", []

    def search(self, charset, criterion):
        return "OK", [b" ".join(str(i + 1).encode() for i in range(len(self.messages)))]

    def fetch(self, number, what):
        return "OK", [(b"1 (RFC822)", self.messages[int(number) - 1])]

    def store(self, number, flags, value):
        self.deleted.add(int(number))

    def expunge(self):
        return "OK", []

    def logout(self):
        return "BYE", []


@pytest.fixture
def mailed():
    mailing = fanout.mailing_get(reason="test.mailing", key="test:poison")
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            reason="test.mailing",
            object_key="test:poison",
            recipient="aigerim@example.kz",
            subject="s",
            body_text="b",
            message_id="<outbox.4242@homeshop.kz>",
            mailing=mailing,
        )
    return message


def test_a_malformed_returned_message_id_is_not_a_bounce_and_does_not_raise():
    assert bounces.bounce_record(raw=POISON) == 0


def test_a_malformed_dsn_does_not_stop_the_bounces_after_it(monkeypatch, mailed):
    mailbox = FakeMailbox([POISON, _dsn(mailed.message_id)])
    monkeypatch.setattr(bounces.imaplib, "IMAP4", mailbox)
    try:
        bounces.bounces_fetch(url="imap://u:p@mail.example.kz/INBOX")
    except IndexError:
        pass  # the failure under test: reported by the assertions below
    mailed.refresh_from_db()
    assert mailed.bounced_at is not None
    assert mailbox.deleted == {1, 2}
