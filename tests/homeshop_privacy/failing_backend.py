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


class ObservingBackend(LocmemBackend):
    """Records, while it sends, the row of each message as another connection sees it:
    what a second process (a sweep, an unsubscribe) would find at that moment."""

    seen: list[tuple[str, int]] = []

    def send_messages(self, messages):
        import threading

        from django.db import connection

        from homeshop_privacy.models import OutboundMessage

        def look(message_id):
            try:
                row = OutboundMessage.objects.get(message_id=message_id)
                self.seen.append((row.status, row.attempts))
            finally:
                connection.close()

        for message in messages:
            thread = threading.Thread(target=look, args=(message.extra_headers["Message-ID"],))
            thread.start()
            thread.join(timeout=30)
        return super().send_messages(messages)
