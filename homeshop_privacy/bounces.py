"""Bounces: an email the mail server accepted may still not reach its reader (5.4.4).

The project sends through plain SMTP (``EMAIL_URL``), not through an email provider's API,
so bounces come back the standard way: the receiving side's mail server sends a delivery
status notification (DSN, RFC 3464: ``multipart/report; report-type=delivery-status``) to
the envelope sender. With ``OUTBOX_BOUNCE_ADDRESS`` set, every outbox email is sent with
that envelope sender (the ``From:`` header stays ``DEFAULT_FROM_EMAIL``), and the mailbox
behind it (``OUTBOX_BOUNCE_MAILBOX_URL``, IMAP) is read every few minutes by
``homeshop_privacy.outbox_bounces_fetch``. A DSN names the original ``Message-ID`` in its
returned headers; each outbox row's Message-ID is its own and stable, so a bounce finds
its row whatever relay it went through. This works with any mail server; a provider's
webhooks (django-anymail) would tie the project to that provider's account and secret.

Only *failed* actions are bounces (``delayed`` is the relay still trying). Only the status
code is kept: the diagnostic text often quotes the address.
"""

import dataclasses
import email
import email.policy
import imaplib
import logging
import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OutboundMessage
from .outbox import mailing_count

logger = logging.getLogger(__name__)

_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")


@dataclasses.dataclass(frozen=True)
class Bounce:
    message_id: str
    status: str  # RFC 3463 code, e.g. 5.1.1


def _fields(block: str) -> dict[str, str]:
    parsed = email.message_from_string(block, policy=email.policy.compat32)
    return {name.lower(): str(value).strip() for name, value in parsed.items()}


def dsn_parse(raw: bytes) -> list[Bounce]:
    """The failed deliveries a DSN reports, with the Message-ID of the returned email."""
    report = email.message_from_bytes(raw, policy=email.policy.default)
    if report.get_content_type() != "multipart/report":
        return []
    if (report.get_param("report-type") or "").lower() != "delivery-status":
        return []
    statuses: list[str] = []
    message_id = ""
    for part in report.iter_parts():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            # Per-message fields, a blank line, then one block per recipient (RFC 3464 §2.1).
            payload = part.get_payload()
            if isinstance(payload, list):
                blocks = [str(p) for p in payload]
            else:
                text = part.get_payload(decode=True) or b""
                blocks = re.split(r"\r?\n\r?\n", text.decode("utf-8", "replace"))
            for block in blocks:
                fields = _fields(block)
                if fields.get("action", "").lower() != "failed":
                    continue
                status = fields.get("status", "").split(" ")[0]
                statuses.append(status if _STATUS.match(status) else "5.0.0")
        elif kind in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            if kind == "message/rfc822":
                inner = part.get_payload()
                original = inner[0] if isinstance(inner, list) else inner
                found = original.get("Message-ID", "") if original is not None else ""
            else:
                text = part.get_payload(decode=True) or b""
                found = _fields(text.decode("utf-8", "replace")).get("message-id", "")
            message_id = str(found).strip()
    if not message_id:
        return []
    return [Bounce(message_id=message_id, status=status) for status in statuses]


@transaction.atomic
def bounce_record(*, raw: bytes) -> int:
    """Record the bounces a DSN reports on their outbox rows; returns how many were new."""
    try:
        found = dsn_parse(raw)
    except Exception:  # noqa: BLE001 - anyone may mail the bounce address (review F3)
        # A report that cannot be read (e.g. "Message-ID: <>") is not a bounce: said by
        # event only (no addresses: 5.4.4), and the fetch goes on with the next one.
        logger.warning("outbox.bounce_unparseable")
        return 0
    recorded = 0
    for bounce in found:
        message = (
            OutboundMessage.objects.select_for_update()
            .filter(message_id=bounce.message_id, bounced_at__isnull=True)
            .first()
        )
        if message is None:
            continue  # not ours, or already recorded (a DSN delivered twice)
        message.bounced_at = timezone.now()
        message.bounce_status = bounce.status
        message._change_reason = "bounced"
        message.save(update_fields=["bounced_at", "bounce_status"])
        mailing_count(message.mailing_id, bounced=1)
        logger.info("outbox.bounced message=%s status=%s", message.pk, bounce.status)
        recorded += 1
    return recorded


def bounces_fetch(*, url: str | None = None, limit: int = 500) -> int:
    """Read the bounce mailbox (``imaps://user:password@host[:port]/Folder``), record every
    DSN, delete what was read. Returns the bounces recorded."""
    url = url or settings.OUTBOX_BOUNCE_MAILBOX_URL
    if not url:
        return 0
    parts = urlsplit(url)
    client_class = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    client = client_class(parts.hostname, parts.port or (993 if parts.scheme == "imaps" else 143))
    recorded = 0
    try:
        client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        client.select(parts.path.lstrip("/") or "INBOX")
        _status, data = client.search(None, "ALL")
        for number in (data[0] or b"").split()[:limit]:
            _status, fetched = client.fetch(number, "(RFC822)")
            raw = next((item[1] for item in fetched or () if isinstance(item, tuple)), b"")
            # An unreadable report counts 0 and is deleted too: kept, it would be read
            # again, and fail again, on every run (review F3). A database error still
            # raises, leaving the message for the next run.
            recorded += bounce_record(raw=raw)
            client.store(number, "+FLAGS", "\\Deleted")
        client.expunge()
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - the session is over either way
            logger.warning("outbox.bounce_mailbox_logout_failed")
    return recorded
