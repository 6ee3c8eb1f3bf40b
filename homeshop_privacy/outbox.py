"""The email outbox: every email the project sends goes through here.

1. ``message_enqueue`` writes the row inside the caller's transaction and, once that
   transaction commits, hands its id to the ``homeshop_privacy.outbox_send`` task.
2. ``message_send`` (issue 9 §1) first *commits* the attempt: the row becomes *sending*,
   with its attempt counted and dated. Only then does it call the mail backend, outside
   any transaction, and afterwards it records *sent* (or *retrying* / *failed*) in a
   second short transaction. So no database lock is held while the mail server talks,
   a delivered email can never be left recorded as unsent, and a row that was ever
   handed to the backend can never be cancelled (only *pending* rows, never attempted,
   can be).
3. ``outbox_sweep`` (Celery beat, every minute) hands every due row to the task again: a
   row whose task was lost (broker down at commit, worker killed, retry pending) is sent
   later, never dropped. A row left *sending* by a sender that died (on PostgreSQL: its
   session lock is gone; elsewhere: older than ``OUTBOX_SENDING_TIMEOUT``) was possibly
   delivered: it is sent again with the same ``Message-ID`` (mail clients and servers
   that de-duplicate on it show one message) and counted in ``possible_duplicates``,
   which the admin shows.

Secret links (issue 8 item 3): a password-reset or sign-in link is never stored. The row
names a ``link_kind``, the object it is for and the template of the body; the app that
owns the kind registers a builder (``secret_link_register``) and ``message_send`` builds
the link and renders the body when it sends. ``body_text`` keeps the text with the link
masked; ``message_enqueue`` refuses any text that holds such a link.

A message whose text is not one of our templates (a promotion written by marketing) puts
``LINK_PLACEHOLDER`` where the link goes, in the text, the HTML or a header (RFC 8058's
``List-Unsubscribe``), and no ``body_template``: the sender puts the link in its place.
"""

import contextlib
import dataclasses
import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import connection, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from .errors import DomainError
from .models import Mailing, OutboundMessage

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status

#: A task that arrives this early for a row waiting out its backoff still sends it
#: (workers' clocks differ a little); earlier than that, it leaves the row alone.
DUE_TOLERANCE = timedelta(seconds=5)
#: PostgreSQL advisory-lock class of the outbox sender (``pg_try_advisory_lock(class,
#: id)``): held by the process sending a row from its claim until its outcome is recorded.
SENDER_LOCK_CLASS = 0x0B0C


def object_key(obj: models.Model, *parts: object) -> str:
    """A stable key for the object that caused a message, e.g. ``claims.claim:42:ack``."""
    key = f"{obj._meta.label_lower}:{obj.pk}"
    if parts:
        key += ":" + ":".join(str(part) for part in parts)
    return key


@dataclasses.dataclass(frozen=True)
class OutboxAttachment:
    """A file of the private storage sent with a message, read when the message is sent
    (the row holds the reference, never the content)."""

    name: str  # the name in homeshop_privacy.private_files' storage
    filename: str  # what the recipient sees: a reference, never personal data
    content_type: str

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


def _attach_files(email: EmailMultiAlternatives, message: OutboundMessage) -> None:
    from .private_files import private_storage

    storage = private_storage()
    for item in message.attachments or []:
        with storage.open(item["name"], "rb") as handle:
            email.attach(item["filename"], handle.read(), item["content_type"])


def retry_delay(attempts: int) -> timedelta:
    """Seconds to wait after the n-th failed attempt (OUTBOX_RETRY_BASE_SECONDS doubled each
    time, capped at OUTBOX_MAX_RETRY_DELAY)."""
    seconds = max(settings.OUTBOX_RETRY_BASE_SECONDS, 1) * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.OUTBOX_MAX_RETRY_DELAY))


# Secret links (issue 8 item 3) ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SecretLink:
    """A kind of one-time link that is built when its email is sent, never stored.

    ``build(message)`` returns the template context of the body (with the ``link``) or
    ``None`` when the link can no longer be made (the account is gone, the address
    changed): the email is then not sent. ``url_name`` and ``url_kwargs`` name the URL
    the link points to, so that any stored or displayed text holding one can be found.
    """

    kind: str
    build: Callable[[OutboundMessage], dict | None]
    url_name: str
    url_kwargs: tuple[str, ...]


#: Where a stored text, HTML body or header of a message with a ``link_kind`` and no
#: ``body_template`` gets its link when sent. Nothing in it is escaped in HTML or headers.
LINK_PLACEHOLDER = "{one-time-link}"

_secret_links: dict[str, SecretLink] = {}
_secret_patterns: list[re.Pattern] | None = None
#: Each pattern with the part of its path every match holds (up to the first secret): a
#: text without it is passed at the cost of a substring test, not a regex scan (issue 14).
_secret_literals: list[tuple[str, re.Pattern]] = []


def secret_link_register(
    *, kind: str, build: Callable, url_name: str, url_kwargs: tuple[str, ...]
) -> None:
    """Called from an app's ``AppConfig.ready()`` for each kind of link it sends."""
    global _secret_patterns
    _secret_links[kind] = SecretLink(kind, build, url_name, tuple(url_kwargs))
    _secret_patterns = None


def secret_link_mask() -> str:
    """What stored and displayed texts show in place of a one-time link."""
    return _("[one-time link: made when the email is sent, never stored]")


def _patterns() -> list[re.Pattern]:
    global _secret_patterns, _secret_literals
    if _secret_patterns is None:
        patterns, literals = [], []
        for link in _secret_links.values():
            if not link.url_name:
                # A one-time code with no page (claims' identity check): nothing to find.
                continue
            placeholders = {name: f"SECRET{index}X" for index, name in enumerate(link.url_kwargs)}
            url = reverse(link.url_name, kwargs=placeholders)
            path = re.escape(url)
            for placeholder in placeholders.values():
                path = path.replace(placeholder, r"[^/\s\"'<>]+")
            patterns.append(re.compile(r"(?:https?://[^/\s\"'<>]+)?" + path))
            literals.append((url.split("SECRET", 1)[0], patterns[-1]))
        _secret_patterns, _secret_literals = patterns, literals
    return _secret_patterns


def secrets_masked(text: str) -> str:
    """``text`` with every one-time link (of any registered kind) replaced by the mask."""
    for pattern in _patterns():
        text = pattern.sub(secret_link_mask(), text)
    return text.replace(LINK_PLACEHOLDER, secret_link_mask())


def _holds_secret(*texts: str) -> bool:
    _patterns()
    return any(
        literal in text and pattern.search(text)
        for literal, pattern in _secret_literals
        for text in texts
        if text
    )


# Writing a message -----------------------------------------------------------------------


@transaction.atomic
def message_enqueue(
    *,
    reason: str,
    key: str,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict[str, str] | None = None,
    language: str = "ru",
    body_template: str = "",
    link_kind: str = "",
    link_object_id: int | None = None,
    attachments: Sequence[OutboxAttachment] = (),
) -> tuple[OutboundMessage, bool]:
    """Write one message unless the same (reason, key, recipient) was already written.

    Returns the row and whether it was created. Call it inside the transaction of the
    change that causes the email: if that change rolls back, so does the message.

    A message carrying a one-time link names it (``link_kind``, ``link_object_id``,
    ``body_template``) and passes the text with the link masked as ``body_text``: the
    link itself is made when the email is sent. Texts holding such a link are refused.
    """
    if not recipient:
        raise DomainError("A message needs a recipient address.")
    # A subject is one line: a template's leading newline or a line break in a claim's
    # subject would start it with an empty line or break the header (issue 13).
    subject = " ".join(subject.split())
    if link_kind and (link_kind not in _secret_links or link_object_id is None):
        raise DomainError(f"Unknown secret link {link_kind!r} or no object named for it.")
    if link_kind and not (body_template or LINK_PLACEHOLDER in body_text):
        raise DomainError(
            "A message with a secret link names the template of its body or marks the link."
        )
    if _holds_secret(key, subject, body_text, body_html, *(headers or {}).values()):
        # issue 8 item 3: staff who may read the outbox must not be able to use the link.
        raise DomainError("A one-time link cannot be stored in the outbox; name it instead.")
    message, created = OutboundMessage.objects.get_or_create(
        reason=reason,
        object_key=key,
        recipient=recipient,
        defaults={
            "subject": subject[:255],
            "body_text": body_text,
            "body_html": body_html,
            "headers": headers or {},
            "attachments": [attachment.as_json() for attachment in attachments],
            "language": language,
            "body_template": body_template,
            "link_kind": link_kind,
            "link_object_id": link_object_id,
            "message_id": make_msgid(idstring="outbox", domain="homeshop.kz"),
        },
    )
    if created:
        message_dispatch_on_commit(message.pk)
    return message, created


@dataclasses.dataclass(frozen=True)
class MessageDraft:
    """One message of ``messages_enqueue_many`` (a plain text message, no secret link)."""

    reason: str
    key: str
    recipient: str
    subject: str
    body_text: str
    language: str = "ru"


def messages_enqueue_many(drafts: Sequence[MessageDraft]) -> int:
    """``message_enqueue`` for many plain messages at once (issue 14): a constant number of
    queries whatever their number. Returns how many were new.

    The same rules: a recipient, a one-line subject, no secret link in the text, one row
    per (reason, key, recipient) - those already written are skipped. Each new row gets
    its history row; the new rows are handed to the sender together (one task) once the
    caller's transaction commits. Call it inside a transaction. On PostgreSQL the rows,
    their history and their Message-IDs are one ``INSERT … ON CONFLICT DO NOTHING`` (the
    write of ``fanout.mailing_write`` too): a writer racing on the same key waits for the
    other's commit and then skips the row. Elsewhere two racing writers make the later
    one fail on the unique constraint (its transaction rolls back, nothing half written).
    """
    for draft in drafts:
        if not draft.recipient:
            raise DomainError("A message needs a recipient address.")
        if _holds_secret(draft.key, draft.subject, draft.body_text):
            raise DomainError("A one-time link cannot be stored in the outbox; name it instead.")
    wanted = {(d.reason, d.key, d.recipient): d for d in drafts}
    if not wanted:
        return 0
    if connection.vendor == "postgresql":
        ids = _drafts_insert_postgresql(list(wanted.values()))
    else:
        ids = _drafts_insert_portably(wanted)
    if not ids:
        return 0
    from .tasks import outbox_send_many

    # One broker message per batch; a lost one is picked up by outbox_sweep, as ever.
    transaction.on_commit(lambda: outbox_send_many.delay(ids), robust=True)
    return len(ids)


def _one_line(subject: str) -> str:
    # As ``message_enqueue``: a subject is one line (issue 13).
    return " ".join(subject.split())[:255]


def message_id_of(row_id: int) -> str:
    """The Message-ID of a row written in a batch: made from its id, so unique and kept by
    every resend (``make_msgid`` asks the resolver for the host name on each call)."""
    return f"<outbox.{row_id}@homeshop.kz>"


#: Columns of an outbox row a batch write gives per row (the SELECT it inserts from).
BATCH_PER_ROW = ("id", "reason", "object_key", "recipient", "language", "subject", "body_text")


def batch_row_defaults(now: datetime) -> dict[str, object]:
    """The value of every other column of a plain, pending row written in a batch."""
    return {
        "body_html": "",
        "headers": "{}",
        "body_template": "",
        "link_kind": "",
        "link_object_id": None,
        "attachments": "[]",
        "status": Status.PENDING,
        "attempts": 0,
        "attempts_before_retry": 0,
        "possible_duplicates": 0,
        "stop_requested": False,
        "last_error": "",
        "next_attempt_at": now,
        "attempt_started_at": None,
        "created_at": now,
        "sent_at": None,
        "mailing_id": None,
        "bounced_at": None,
        "bounce_status": "",
    }


def _batch_parts(
    *, per_row: dict[str, str], constant: dict[str, object], now, change_reason: str
) -> tuple[list[str], list[str], list, list[str], list[str], list]:
    """The columns and values of a batch write (``batch_insert_sql``, ``batch_insert_sqlite``):
    (insert columns, insert values, their params, history columns, history values over
    ``ins``, their params)."""
    columns = {f.column for f in OutboundMessage._meta.concrete_fields}
    given = set(per_row) | set(constant) | {"message_id"}
    if columns != given:
        # A new outbox column must be given its value here, not left to chance.
        raise RuntimeError(
            f"a batch write does not know the outbox columns {sorted(columns ^ given)}"
        )
    quote = connection.ops.quote_name
    postgresql = connection.vendor == "postgresql"
    insert_columns = [*per_row, "message_id"]
    insert_values = [*per_row.values(), f"'<outbox.' || {per_row['id']} || '@homeshop.kz>'"]
    insert_params: list = []
    for column, value in constant.items():
        insert_columns.append(column)
        jsonb = postgresql and column in ("headers", "attachments")
        insert_values.append("%s::jsonb" if jsonb else "%s")
        insert_params.append(value if postgresql else _sqlite_value(value))
    history = OutboundMessage.history.model
    history_columns, history_values, history_params = [], [], []
    for field in history._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        history_columns.append(quote(field.column))
        if field.attname == "history_date":
            history_values.append("%s")
            history_params.append(now if postgresql else _sqlite_value(now))
        elif field.attname == "history_change_reason":
            history_values.append("%s")
            history_params.append(change_reason)
        elif field.attname == "history_type":
            history_values.append("'+'")
        elif field.attname == "history_user_id":
            history_values.append("NULL")
        else:
            history_values.append(f"ins.{quote(field.column)}")
    return (
        [quote(c) for c in insert_columns],
        insert_values,
        insert_params,
        history_columns,
        history_values,
        history_params,
    )


def _sqlite_value(value):
    # Raw SQL on SQLite gets a moment as Django stores it (naive UTC text), so that it
    # compares with the rows the ORM wrote.
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def batch_insert_sql(
    *, source: str, per_row: dict[str, str], constant: dict[str, object], now, change_reason: str
) -> tuple[str, list]:
    """The ``ins`` and ``hist`` parts of a ``WITH`` that writes outbox rows set-based
    (PostgreSQL): ``INSERT … SELECT … FROM <source> n ON CONFLICT DO NOTHING RETURNING *``
    and the history row of each row written, in one statement. ``per_row`` maps columns to
    SQL over ``n``; ``id`` must be there (the Message-ID is made from it). Shared by
    ``messages_enqueue_many`` and ``fanout.mailing_write``: one way rows are written in bulk.
    """
    quote = connection.ops.quote_name
    columns, values, params, history_columns, history_values, history_params = _batch_parts(
        per_row=per_row, constant=constant, now=now, change_reason=change_reason
    )
    history = OutboundMessage.history.model
    sql = f"""
        ins AS (
            INSERT INTO {quote(OutboundMessage._meta.db_table)} ({", ".join(columns)})
            SELECT {", ".join(values)} FROM {source} n
            ON CONFLICT (reason, object_key, recipient) DO NOTHING
            RETURNING *
        ),
        hist AS (
            INSERT INTO {quote(history._meta.db_table)} ({", ".join(history_columns)})
            SELECT {", ".join(history_values)} FROM ins
        )"""
    return sql, [*params, *history_params]


#: The last id given to an outbox row on SQLite (its ids are AUTOINCREMENT: never reused).
_SQLITE_LAST_ID = (
    "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), "
    'coalesce((SELECT max(id) FROM "{table}"), 0))'
)


def batch_insert_sqlite(
    *,
    with_sql: str,
    with_params: list,
    source: str,
    per_row: dict[str, str],
    constant: dict[str, object],
    now,
    change_reason: str,
) -> list[tuple[int, str]]:
    """``batch_insert_sql`` on the embedded default (SQLite has no INSERT inside a WITH):
    the rows in one ``WITH … INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``, their
    history rows in a second statement; (id, recipient) of each row written.

    ``with_sql`` defines ``source``, whose ``new_id`` column numbers the rows after
    ``last_id`` (a CTE given here with the last id used), so that each Message-ID is
    written with its row. Two statements whatever the number of rows; one writer at a
    time on SQLite, so no other writer takes those ids in between.
    """
    quote = connection.ops.quote_name
    table = OutboundMessage._meta.db_table
    columns, values, params, history_columns, history_values, history_params = _batch_parts(
        per_row=per_row, constant=constant, now=now, change_reason=change_reason
    )
    history = OutboundMessage.history.model
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH last_id(n) AS ({_SQLITE_LAST_ID.format(table=table)}), {with_sql} "
            f"INSERT INTO {quote(table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {source} n WHERE true "
            "ON CONFLICT (reason, object_key, recipient) DO NOTHING "
            "RETURNING id, recipient",
            [*with_params, *params],
        )
        written = sorted(cursor.fetchall())
        if written:
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(history_columns)}) "
                f"SELECT {', '.join(history_values)} FROM {quote(table)} ins "
                "WHERE ins.id IN (SELECT value FROM json_each(%s))",
                [*history_params, json.dumps([row_id for row_id, _ in written])],
            )
    return written


def _drafts_insert_postgresql(drafts: list[MessageDraft]) -> list[int]:
    """One statement: the rows (ids from the sequence, Message-IDs from the ids) and their
    history; a (reason, key, recipient) already written is left as it is."""
    now = timezone.now()
    table = OutboundMessage._meta.db_table
    per_row = {column: f"n.{column}" for column in BATCH_PER_ROW}
    per_row["id"] = "n.new_id"
    insert, insert_params = batch_insert_sql(
        source="drafts",
        per_row=per_row,
        constant=batch_row_defaults(now),
        now=now,
        change_reason="written in a batch",
    )
    sql = f"""
        WITH drafts AS MATERIALIZED (
            SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS new_id, d.*
            FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
                AS d(reason, object_key, recipient, language, subject, body_text)
        ),
        {insert}
        SELECT id FROM ins ORDER BY id
    """
    params = [
        table,
        [d.reason for d in drafts],
        [d.key for d in drafts],
        [d.recipient for d in drafts],
        [d.language for d in drafts],
        [_one_line(d.subject) for d in drafts],
        [d.body_text for d in drafts],
        *insert_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _drafts_insert_portably(wanted: dict[tuple, MessageDraft]) -> list[int]:
    """The embedded default (SQLite): the same write as on PostgreSQL, the drafts handed
    over as one JSON parameter; two statements whatever their number."""
    now = timezone.now()
    fields = ("reason", "object_key", "recipient", "language", "subject", "body_text")
    drafts = [
        [d.reason, d.key, d.recipient, d.language, _one_line(d.subject), d.body_text]
        for d in wanted.values()
    ]
    per_row = {column: f"n.{column}" for column in BATCH_PER_ROW}
    per_row["id"] = "n.new_id"
    picked = ", ".join(f"json_extract(d.value, '$[{i}]') AS {f}" for i, f in enumerate(fields))
    written = batch_insert_sqlite(
        with_sql=(
            "drafts AS (SELECT (SELECT n FROM last_id) + d.key + 1 AS new_id, "
            f"{picked} FROM json_each(%s) d)"
        ),
        with_params=[json.dumps(drafts)],
        source="drafts",
        per_row=per_row,
        constant=batch_row_defaults(now),
        now=now,
        change_reason="written in a batch",
    )
    return [row_id for row_id, _recipient in written]


def message_dispatch_on_commit(message_id: int) -> None:
    from .tasks import outbox_send

    # robust: a broker outage must not undo or fail the change that caused the message;
    # the sweeper sends the row once the broker is back.
    transaction.on_commit(lambda: outbox_send.delay(message_id), robust=True)


def message_draft_from_template(
    *,
    reason: str,
    key: str,
    recipient: str,
    language: str,
    template: str,
    context: dict,
    subject_template: str = "",
) -> MessageDraft:
    """An email rendered from its templates in the reader's ``language``: the one way an
    app words an email (issue 15 item 5), for one message or for many at once.

    ``template`` names a pair: ``<template>.txt`` (the text) and, unless
    ``subject_template`` names another, ``<template>_subject.txt`` (one line).
    """
    with translation.override(language):
        subject = render_to_string(subject_template or f"{template}_subject.txt", context)
        body = render_to_string(f"{template}.txt", context)
    return MessageDraft(
        reason=reason,
        key=key,
        recipient=recipient,
        subject=" ".join(subject.splitlines()).strip(),
        body_text=body,
        language=language,
    )


def template_message_enqueue(
    *,
    reason: str,
    key: str,
    recipient: str,
    language: str,
    template: str,
    context: dict,
    subject_template: str = "",
    **message,
) -> tuple[OutboundMessage, bool]:
    """Write one email worded by ``message_draft_from_template``. ``message`` goes to
    ``message_enqueue`` as is (attachments, a one-time link's ``link_kind`` and
    ``body_template``)."""
    draft = message_draft_from_template(
        reason=reason,
        key=key,
        recipient=recipient,
        language=language,
        template=template,
        context=context,
        subject_template=subject_template,
    )
    return message_enqueue(
        reason=draft.reason,
        key=draft.key,
        recipient=draft.recipient,
        subject=draft.subject,
        body_text=draft.body_text,
        language=draft.language,
        **message,
    )


def customer_message_enqueue(
    *, customer, reason: str, key: str, template: str, context: dict, **message
) -> tuple[OutboundMessage, bool]:
    """``template_message_enqueue`` to a customer: their address, their language, and
    ``customer`` in the templates' context."""
    return template_message_enqueue(
        reason=reason,
        key=key,
        recipient=customer.email,
        language=customer.preferred_language,
        template=template,
        context={"customer": customer, **context},
        **message,
    )


def mailing_count(mailing_id: int | None, **deltas: int) -> None:
    """Move a mailing's counters in the caller's transaction (the row's state moves there)."""
    if mailing_id is None:
        return
    changes = {name: models.F(name) + delta for name, delta in deltas.items() if delta}
    if changes:
        Mailing.objects.filter(pk=mailing_id).update(**changes, progress_at=timezone.now())


# Sending a message -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SendOutcome:
    # "sent", "already-sent", "failed-again", "cancelled", "not-due", "retry", "failed",
    # "busy" (another process is sending it), "gone"
    status: str
    retry_in: timedelta | None = None


@contextlib.contextmanager
def _sender_lock(message_id: int) -> Iterator[bool]:
    """On PostgreSQL, a session lock held from the claim until the outcome is recorded.

    It dies with the sender's connection, so a *sending* row whose lock is free belongs
    to a sender that is gone (killed, lost its database) and is resent at once. Other
    databases have no such lock: there a *sending* row is taken as abandoned once it is
    older than ``OUTBOX_SENDING_TIMEOUT``.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)",
            [SENDER_LOCK_CLASS, (message_id % 2**32) - 2**31],
        )
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)",
                    [SENDER_LOCK_CLASS, (message_id % 2**32) - 2**31],
                )


def _abandoned(message: OutboundMessage, now: datetime) -> bool:
    """A *sending* row whose sender is gone (see ``_sender_lock``)."""
    if connection.vendor == "postgresql":
        return True  # we hold its sender lock, so no live process is sending it
    timeout = timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT)
    return message.attempt_started_at <= now - timeout


def _email(message: OutboundMessage) -> EmailMultiAlternatives | None:
    """The email to send; ``None`` when its secret link can no longer be made."""
    body_text, body_html, headers = message.body_text, message.body_html, message.headers
    if message.link_kind:
        link = _secret_links.get(message.link_kind)
        context = link.build(message) if link is not None else None
        if context is None:
            return None
        if message.body_template:
            with translation.override(message.language):
                body_text = render_to_string(message.body_template, context)
        else:
            body_text = body_text.replace(LINK_PLACEHOLDER, context["link"])
        body_html = body_html.replace(LINK_PLACEHOLDER, escape(context["link"]))
        headers = {
            name: value.replace(LINK_PLACEHOLDER, context["link"])
            for name, value in headers.items()
        }
    headers = {**headers, "Message-ID": message.message_id}
    from_email = settings.DEFAULT_FROM_EMAIL
    if settings.OUTBOX_BOUNCE_ADDRESS:
        # Bounces (RFC 3464) go to the envelope sender: the bounce mailbox (bounces.py).
        headers.setdefault("From", from_email)
        from_email = settings.OUTBOX_BOUNCE_ADDRESS
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=body_text,
        from_email=from_email,
        to=[message.recipient],
        headers=headers,
        connection=get_connection(fail_silently=False),
    )
    if body_html:
        email.attach_alternative(body_html, "text/html")
    return email


def _claim(message_id: int) -> tuple[OutboundMessage, EmailMultiAlternatives] | SendOutcome:
    """Commit the attempt (the row becomes *sending*) and return the email to send."""
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return SendOutcome("gone")
        if message.status == Status.SENT:
            return SendOutcome("already-sent")
        if message.status == Status.FAILED:
            return SendOutcome("failed-again")
        if message.status == Status.CANCELLED:
            return SendOutcome("cancelled")
        duplicate = False
        if message.status == Status.SENDING:
            if not _abandoned(message, now):
                return SendOutcome("busy")
            if message.stop_requested:
                # Possibly delivered, and its reason is gone (4.3): not sent again.
                message.status = Status.FAILED
                message._change_reason = "abandoned while sending; stopped, not resent"
                message.save(update_fields=["status"])
                mailing_count(message.mailing_id, failed=1)
                return SendOutcome("failed")
            duplicate = True
        elif message.next_attempt_at > now + DUE_TOLERANCE:
            # Waiting out a backoff: the task that failed scheduled its own retry and the
            # sweeper also finds the row once due. A second task (a sweep, a redelivery)
            # sending now would spend the attempts twice as fast and start a second
            # retry chain, so a short mail-server outage could mark the row failed.
            return SendOutcome("not-due")

        email = _email(message)
        if email is None:
            # The account or address the link was for is gone: nothing is sent.
            message.last_error = "link no longer valid"
            message.stop_requested = True
            message.status = Status.CANCELLED if message.attempts == 0 else Status.FAILED
            message._change_reason = "not sent: its one-time link can no longer be made"
            message.save(update_fields=["last_error", "stop_requested", "status"])
            mailing_count(message.mailing_id, failed=int(message.status == Status.FAILED))
            return SendOutcome("cancelled")

        message.status = Status.SENDING
        message.attempts += 1
        message.attempt_started_at = now
        update = ["status", "attempts", "attempt_started_at"]
        if duplicate:
            message.possible_duplicates += 1
            update.append("possible_duplicates")
            mailing_count(message.mailing_id, possible_duplicates=1)
            message._change_reason = "sending again: the previous attempt was interrupted"
            logger.warning(
                "outbox.resend_interrupted message=%s attempt=%s", message.pk, message.attempts
            )
        else:
            message._change_reason = "sending"
        message.save(update_fields=update)
    return message, email


def _record_sent(message_id: int) -> SendOutcome:
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status == Status.SENT:
            return SendOutcome("sent")
        was_failed = message.status == Status.FAILED
        # Delivered: recorded as sent whatever happened to the row meanwhile (a row that
        # was handed to the backend can no longer be cancelled, see the states).
        message.status = Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message._change_reason = "sent"
        message.save(update_fields=["status", "sent_at", "last_error"])
        mailing_count(message.mailing_id, sent=1, failed=-int(was_failed))
    logger.info("outbox.sent message=%s reason=%s", message.pk, message.reason)
    return SendOutcome("sent")


def _record_failure(message_id: int, attempt: int, exc: Exception) -> SendOutcome:
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != Status.SENDING or message.attempts != attempt:
            return SendOutcome("busy")  # a later attempt owns the row now
        # The error text of an SMTP refusal can quote the address: keep only its type.
        message.last_error = type(exc).__name__[:255]
        spent = message.attempts - message.attempts_before_retry
        delay = None
        if message.stop_requested or spent >= settings.OUTBOX_MAX_ATTEMPTS:
            message.status = Status.FAILED
            mailing_count(message.mailing_id, failed=1)
        else:
            delay = retry_delay(spent)
            message.status = Status.RETRYING
            message.next_attempt_at = timezone.now() + delay
        message._change_reason = "send failed"
        message.save(update_fields=["last_error", "status", "next_attempt_at"])
    logger.warning(
        "outbox.send_failed message=%s attempt=%s error=%s",
        message.pk,
        message.attempts,
        message.last_error,
    )
    return SendOutcome("retry" if delay else "failed", retry_in=delay)


def message_send(*, message_id: int) -> SendOutcome:
    """Send one message and record the outcome on its row (see the module docstring)."""
    with _sender_lock(message_id) as held:
        if not held:
            exists = OutboundMessage.objects.filter(pk=message_id).exists()
            return SendOutcome("busy" if exists else "gone")
        claimed = _claim(message_id)
        if isinstance(claimed, SendOutcome):
            return claimed
        message, email = claimed
        try:
            _attach_files(email, message)  # a letter gone missing is a failed attempt
            email.send()
        except Exception as exc:  # noqa: BLE001 - any transport failure is retried
            return _record_failure(message.pk, message.attempts, exc)
        return _record_sent(message.pk)


def messages_due(*, now=None, limit: int = 500) -> list[int]:
    """Ids of the rows the sweeper hands to a send task.

    Rows never sent or waiting to retry whose next attempt is due, and rows left
    *sending* for longer than ``OUTBOX_SENDING_TIMEOUT`` (their sender died).
    """
    now = now or timezone.now()
    # Rows of a large mailing are swept in chunks (fanout.mailing_chunks_due).
    single = OutboundMessage.objects.filter(mailing__isnull=True)
    due = list(
        single.filter(status__in=[Status.PENDING, Status.RETRYING], next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    stuck_before = now - timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT)
    due += single.filter(status=Status.SENDING, attempt_started_at__lte=stuck_before).values_list(
        "pk", flat=True
    )[: max(limit - len(due), 0)]
    return due


@transaction.atomic
def message_retry(*, message: OutboundMessage, actor) -> OutboundMessage:
    """Staff action: give a failed (or waiting) message a new round of attempts now."""
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status == Status.SENT:
        raise DomainError(_("This message was already sent."))
    if message.stop_requested:
        raise DomainError(
            _("This message was cancelled because its reason is gone; it is not sent.")
        )
    if message.status == Status.SENDING:
        raise DomainError(_("This message is being sent right now."))
    if message.status == Status.FAILED:
        message.status = Status.RETRYING
        mailing_count(message.mailing_id, failed=-1)
    message.attempts_before_retry = message.attempts
    message.next_attempt_at = timezone.now()
    message._history_user = actor
    message._change_reason = "retry requested"
    message.save(update_fields=["status", "attempts_before_retry", "next_attempt_at"])
    message_dispatch_on_commit(message.pk)
    return message


@transaction.atomic
def messages_cancel(*, reason: str, recipient: str, why: str) -> int:
    """Stop every unsent message of ``reason`` to ``recipient``; returns how many.

    Only a row never handed to the mail backend is *cancelled*. A row that was
    attempted may have been delivered, so it keeps its attempts: waiting to retry, it
    becomes *failed* (never retried); being sent right now, it is marked stopped and its
    sender records what happened (*sent* if the server accepted it, else *failed*).
    Neither can be retried from the admin.
    """
    rows = OutboundMessage.objects.select_for_update().filter(
        reason=reason,
        recipient=recipient,
        status__in=[Status.PENDING, Status.RETRYING, Status.SENDING],
        stop_requested=False,
    )
    stopped = 0
    for message in rows:
        message.stop_requested = True
        message.last_error = why[:255]
        if message.status == Status.PENDING:
            message.status = Status.CANCELLED
        elif message.status == Status.RETRYING:
            message.status = Status.FAILED
            mailing_count(message.mailing_id, failed=1)
        message._change_reason = f"stopped: {why}"
        message.save(update_fields=["status", "stop_requested", "last_error"])
        stopped += 1
    return stopped


def messages_to(*, addresses) -> models.QuerySet:
    """Messages to any of ``addresses``, whatever the case of the stored address."""
    from django.db.models.functions import Lower

    addresses = sorted({a.strip().lower() for a in addresses if a})
    if not addresses:
        return OutboundMessage.objects.none()
    return OutboundMessage.objects.alias(recipient_lower=Lower("recipient")).filter(
        recipient_lower__in=addresses
    )


def messages_stop_to(*, addresses, why: str) -> int:
    """Stop every unsent message to any of ``addresses`` (their person is anonymised, 4.1).

    Same states as ``messages_cancel``: a row never attempted is cancelled, one waiting to
    retry fails, one being sent is marked stopped. Runs in the caller's transaction.
    """
    if not addresses:
        return 0
    return messages_stop(messages_to(addresses=addresses), why=why)


def messages_stop(messages: models.QuerySet, *, why: str) -> int:
    """Stop these messages as ``messages_stop_to`` stops a person's (those already sent or
    stopped are left as they are)."""
    unsent = messages.filter(stop_requested=False)
    stopped = unsent.filter(status=Status.PENDING).update(
        status=Status.CANCELLED, stop_requested=True, last_error=why[:255]
    )
    stopped += unsent.filter(status=Status.RETRYING).update(
        status=Status.FAILED, stop_requested=True, last_error=why[:255]
    )
    stopped += unsent.filter(status=Status.SENDING).update(
        stop_requested=True, last_error=why[:255]
    )
    return stopped
