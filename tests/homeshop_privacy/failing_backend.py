"""Email backends for tests: one that fails like a dropped SMTP connection, one that is slow."""

import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed: aigerim@example.kz")


class SlowLocmemBackend(LocmemBackend):
    """Holds the send long enough for a second worker to arrive while the first sends."""

    def send_messages(self, messages):
        time.sleep(1.0)
        return super().send_messages(messages)
