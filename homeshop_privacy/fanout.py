"""Large mailings (7.2 policy change, 5.4.4 breach notices): written set-based, sent in chunks.

The outbox's guarantees hold row by row (a unique key per reason/object/recipient, a
stored Message-ID, an attempt committed before the mail server is called); this module
only changes how many rows move at once (issue 14):

1. ``mailing_write`` turns a queryset of recipients into outbox rows with one
   ``INSERT … SELECT … ON CONFLICT DO NOTHING`` (PostgreSQL; on SQLite the same INSERT and
   a second one for the history rows), their history rows and the mailing's ``written``
   counter in the same transaction. A rerun (a retried
   task, a second officer) writes nothing twice. Each row's Message-ID is derived from its
   own id, so any resend carries the same one.
2. ``mailing_publish`` hands the written rows out as id ranges of ``MAILING_CHUNK_SIZE``:
   one broker message per chunk, never one per email.
3. ``chunk_send`` sends a chunk over ONE SMTP connection. Each row still goes through the
   outbox's own steps (``outbox._claim`` commits the attempt, then the server is called,
   then ``_record_sent``), under the same per-row PostgreSQL session lock as a single
   send: a worker killed mid-chunk leaves at most the one row it was sending in *sending*;
   that row is resent with its Message-ID and counted as possibly duplicated.
4. ``mailing_chunks_due`` (the outbox sweeper, every minute) publishes again the waiting
   rows of a mailing that made no progress for ``MAILING_SWEEP_GRACE_SECONDS``: its
   chunks were lost (a broker restarted, a worker killed), and a row left *sending* by a
   dead sender is resent (its sender lock is free).

The counters of a ``Mailing`` (written, sent, failed, possibly duplicated, bounced) move
in the transaction that moves the row, so a page reads progress from one row.
"""

import contextlib
import dataclasses
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from time import monotonic

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import outbox
from .models import Mailing, OutboundMessage

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status

#: Where a mailing's text gets the recipient's first name (filled in by the database).
FIRST_NAME = "\u27e6first_name\u27e7"

# 1. Writing ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MailingText:
    """A mailing's email in one language; ``FIRST_NAME`` marks where the name goes."""

    subject: str
    body_text: str


def mailing_get(*, reason: str, key: str) -> Mailing:
    """The mailing of (reason, object), created on first use (concurrent callers share it)."""
    mailing, _created = Mailing.objects.get_or_create(reason=reason, object_key=key)
    return mailing


#: Columns of a written row that are not the same for every row of a mailing.
_PER_ROW = {"id", "recipient", "language", "subject", "body_text", "message_id"}


def _constant_columns(mailing: Mailing, now: datetime) -> dict[str, object]:
    return {
        **outbox.batch_row_defaults(now),
        "reason": mailing.reason,
        "object_key": mailing.object_key,
        "mailing_id": mailing.pk,
    }


@transaction.atomic
def mailing_write(
    *,
    mailing: Mailing,
    recipients: QuerySet,
    texts: dict[str, MailingText],
    default_language: str = "ru",
) -> list[tuple[int, int]]:
    """Write one outbox row per recipient not yet written; returns (row id, recipient id).

    ``recipients`` is a ``values_list(id, email, language, first_name)``: its SQL is run
    inside the INSERT, so nothing is read into Python but the ids written. A recipient whose
    language has no text gets ``default_language``'s.
    """
    if default_language not in texts:
        raise ValueError("The default language needs a text.")
    now = timezone.now()
    constant = _constant_columns(mailing, now)
    columns = {f.column for f in OutboundMessage._meta.concrete_fields}
    if columns != set(constant) | _PER_ROW:
        # A new outbox column must be given its value here, not left to chance.
        unknown = sorted(columns ^ (set(constant) | _PER_ROW))
        raise RuntimeError(f"mailing_write does not know the outbox columns {unknown}")
    if connection.vendor != "postgresql":
        written = _write_portably(mailing, recipients, texts, default_language, constant, now)
    else:
        written = _write_on_postgresql(mailing, recipients, texts, default_language, constant, now)
    outbox.mailing_count(mailing.pk, written=len(written))
    return written


@dataclasses.dataclass(frozen=True)
class WriteRun:
    written: int  # rows this run wrote
    rest: int | None  # the recipient id to continue after, or None: every one is written


def mailing_write_batches(
    *,
    mailing: Mailing,
    recipients: QuerySet,
    texts: dict[str, MailingText],
    after_id: int = 0,
    batch_size: int = 20_000,
    time_budget: float = 60.0,
    on_written: Callable[[list[tuple[int, int]]], object] | None = None,
    before_batch: Callable[[], object] | None = None,
) -> WriteRun:
    """``mailing_write`` over the recipients by id (keyset), one transaction per batch.

    ``before_batch()`` and ``on_written(rows)`` run in each batch's transaction (e.g. the
    lock of the incident whose notices point to the rows, and those notices). Stops after
    ``time_budget`` seconds so a task stays short (``WriteRun.rest`` says where to go on).
    """
    started = monotonic()
    total = 0
    while True:
        page = recipients.filter(pk__gt=after_id).order_by("pk")
        boundary = list(page.values_list("pk", flat=True)[batch_size - 1 : batch_size])
        if boundary:
            page = page.filter(pk__lte=boundary[0])
        with transaction.atomic():
            if before_batch is not None:
                before_batch()
            written = mailing_write(mailing=mailing, recipients=page, texts=texts)
            if on_written is not None and written:
                on_written(written)
        total += len(written)
        if not boundary:
            return WriteRun(total, None)
        after_id = boundary[0]
        if monotonic() - started > time_budget:
            return WriteRun(total, after_id)


#: A mailing's row in the outbox's batch write: its columns from the numbered recipients
#: and their texts (both backends).
_MAILING_ROW = {
    "id": "n.new_id",
    "recipient": "n.email",
    "language": "n.lang",
    "subject": "n.subject",
    "body_text": "n.body",
}


def _write_on_postgresql(mailing, recipients, texts, default_language, constant, now):
    table = OutboundMessage._meta.db_table
    src_sql, src_params = recipients.query.sql_with_params()
    languages = list(texts)
    # The INSERT, its history rows and the Message-IDs: the outbox's one batch write.
    insert, insert_params = outbox.batch_insert_sql(
        source="numbered",
        per_row=_MAILING_ROW,
        constant=constant,
        now=now,
        change_reason="written in a mailing",
    )
    sql = f"""
        WITH src(rid, email, lang, first_name) AS MATERIALIZED ({src_sql}),
        texts(lang, subject, body) AS (
            SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])
        ),
        numbered AS MATERIALIZED (
            SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS new_id, src.rid, src.email,
                   t.lang, t.subject, replace(t.body, %s, coalesce(src.first_name, '')) AS body
            FROM src JOIN texts t
              ON t.lang = CASE WHEN src.lang = ANY(%s) THEN src.lang ELSE %s END
            WHERE src.email <> ''
        ),
        {insert}
        SELECT ins.id, ins.recipient FROM ins ORDER BY ins.id
    """
    all_params = [
        *src_params,
        languages,
        [texts[lang].subject[:255] for lang in languages],
        [texts[lang].body_text for lang in languages],
        table,
        FIRST_NAME,
        languages,
        default_language,
        *insert_params,
    ]
    with connection.cursor() as cursor:
        # Which recipient each address is: read first (two columns), so that the INSERT's
        # result needs no join back to its source, which the planner may get badly wrong
        # on rows written moments before (no statistics yet: a nested loop of n x n).
        cursor.execute(f"SELECT src.email, src.rid FROM ({src_sql}) AS src(rid, email)", src_params)
        by_email = dict(cursor.fetchall())
        cursor.execute(sql, all_params)
        return [(row_id, by_email[email]) for row_id, email in cursor.fetchall()]


def _write_portably(mailing, recipients, texts, default_language, constant, now):
    """The embedded default (SQLite): the same set-based write as on PostgreSQL (rows,
    Message-IDs from their ids, one history row each), the texts handed over as JSON."""
    import json

    src_sql, src_params = recipients.query.sql_with_params()
    with_sql = f"""
        src(rid, email, lang, first_name) AS ({src_sql}),
        texts(lang, subject, body) AS (
            SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]')
            FROM json_each(%s)
        ),
        numbered AS (
            SELECT (SELECT n FROM last_id) + row_number() OVER (ORDER BY src.rid) AS new_id,
                   src.rid, src.email, t.lang, t.subject,
                   replace(t.body, %s, coalesce(src.first_name, '')) AS body
            FROM src JOIN texts t
              ON t.lang = CASE WHEN src.lang IN (SELECT lang FROM texts) THEN src.lang
                               ELSE %s END
            WHERE src.email <> ''
        )"""
    with_params = [
        *src_params,
        json.dumps({lang: [text.subject[:255], text.body_text] for lang, text in texts.items()}),
        FIRST_NAME,
        default_language,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH src(rid, email, lang, first_name) AS ({src_sql}) SELECT email, rid FROM src",
            src_params,
        )
        by_email = dict(cursor.fetchall())
    written = outbox.batch_insert_sqlite(
        with_sql=with_sql,
        with_params=with_params,
        source="numbered",
        per_row=_MAILING_ROW,
        constant=constant,
        now=now,
        change_reason="written in a mailing",
    )
    return [(row_id, by_email[email]) for row_id, email in written]


# 2. Publishing ------------------------------------------------------------------------------


def mailing_chunks_due(
    *, mailing_id: int | None = None, now: datetime | None = None, limit: int = 1000
) -> list[tuple[int, int, int]]:
    """(mailing, first id, last id) of each chunk of mailing rows to hand to a sender.

    With ``mailing_id`` (just written): every row of it waiting to be sent. Without (the
    sweeper): the waiting rows of every mailing that made no progress for
    ``MAILING_SWEEP_GRACE_SECONDS`` (its chunks were lost with the broker or a killed
    worker), including rows left *sending* (their sender lock tells a live sender from a
    dead one). A chunk published twice sends nothing twice.
    """
    now = now or timezone.now()
    rows = OutboundMessage.objects.filter(mailing__isnull=False)
    if mailing_id is not None:
        rows = rows.filter(mailing_id=mailing_id, status__in=[Status.PENDING, Status.RETRYING])
    else:
        stalled = now - timedelta(seconds=settings.MAILING_SWEEP_GRACE_SECONDS)
        rows = rows.filter(mailing__progress_at__lte=stalled).filter(
            models.Q(status__in=[Status.PENDING, Status.SENDING])
            | models.Q(status=Status.RETRYING, next_attempt_at__lte=now)
        )
    numbered = rows.annotate(
        chunk=models.Window(
            models.functions.RowNumber(), partition_by=["mailing_id"], order_by="id"
        )
    ).values("mailing_id", "id", "chunk")
    sql, params = numbered.query.sql_with_params()
    size = settings.MAILING_CHUNK_SIZE
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT mailing_id, MIN(id), MAX(id) FROM ({sql}) AS numbered "
            f"GROUP BY mailing_id, (chunk - 1) / {int(size)} "
            f"ORDER BY mailing_id, MIN(id) LIMIT {int(limit)}",
            params,
        )
        return [tuple(row) for row in cursor.fetchall()]


def mailing_publish(*, mailing_id: int) -> int:
    """Hand every waiting row of the mailing to chunk tasks; returns the chunks published.

    Called after the rows are committed. Publishing twice is harmless: a row is claimed
    by one sender only.
    """
    from .tasks import outbox_send_chunk

    chunks = mailing_chunks_due(mailing_id=mailing_id, limit=10**9)
    for mailing, first_id, last_id in chunks:
        outbox_send_chunk.delay(mailing, first_id, last_id)
    if chunks:
        outbox.mailing_count(mailing_id, chunks_published=len(chunks))
    logger.info("mailing.published mailing=%s chunks=%s", mailing_id, len(chunks))
    return len(chunks)


# 3. Sending ---------------------------------------------------------------------------------


@dataclasses.dataclass
class ChunkOutcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # already sent, not due, or being sent by another process
    retry_in: timedelta | None = None  # the mail server is unreachable: retry the chunk


def _lock_key_sql(column: str) -> str:
    # The same (class, key) as outbox._sender_lock: a single send and a chunk exclude each other.
    return f"(({column} %% 4294967296) - 2147483648)::int"


def _locks_take(ids: list[int]) -> list[int]:
    if connection.vendor != "postgresql" or not ids:
        return ids
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT x FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(x, n) "
            f"WHERE pg_try_advisory_lock(%s, {_lock_key_sql('x')}) ORDER BY n",
            [ids, outbox.SENDER_LOCK_CLASS],
        )
        return [row[0] for row in cursor.fetchall()]


def _locks_release(ids: list[int]) -> None:
    if connection.vendor != "postgresql" or not ids:
        return
    with contextlib.suppress(Exception), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_advisory_unlock(%s, {_lock_key_sql('x')}) FROM unnest(%s::bigint[]) x",
            [outbox.SENDER_LOCK_CLASS, ids],
        )


def _only_this_message(exc: Exception) -> bool:
    """A refusal of one message (its recipient, its content); the session goes on.

    Anything else (refused connection, 421, a dropped session) means the server is not
    taking mail now: the chunk stops and is retried later.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code != 421
    return False


def _history_insert(ids: list[int], reason: str) -> None:
    """One history row per outbox row, as it is now, for rows moved by raw SQL."""
    if not ids:
        return
    history = OutboundMessage.history.model
    quote = connection.ops.quote_name
    columns, values = [], []
    for field in history._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        columns.append(quote(field.column))
        values.append(
            {
                "history_date": "%(now)s",
                "history_change_reason": "%(reason)s",
                "history_type": "'~'",
                "history_user_id": "NULL",
            }.get(field.attname, f"o.{quote(field.column)}")
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {quote(OutboundMessage._meta.db_table)} o "
            "WHERE o.id = ANY(%(ids)s)",
            {"now": timezone.now(), "reason": reason, "ids": ids},
        )


def _claim_plain(message: OutboundMessage) -> bool:
    """Commit the attempt of a plain row (no secret link, not stopped) in one statement;
    False: the row needs the outbox's full claim (``outbox._claim``) or is not due."""
    table = connection.ops.quote_name(OutboundMessage._meta.db_table)
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS o SET status = 'sending', attempts = o.attempts + 1, "
                "attempt_started_at = %s, "
                "possible_duplicates = o.possible_duplicates + (prev.status = 'sending')::int "
                f"FROM (SELECT id, status FROM {table} WHERE id = %s FOR UPDATE) AS prev "
                "WHERE o.id = prev.id AND NOT o.stop_requested AND o.link_kind = '' "
                "AND (prev.status = 'sending' OR (prev.status IN ('pending', 'retrying') "
                "AND o.next_attempt_at <= %s)) RETURNING prev.status, o.attempts",
                [now, message.pk, now + outbox.DUE_TOLERANCE],
            )
            row = cursor.fetchone()
        if row is None:
            return False
        previous, message.attempts = row
        if previous == Status.SENDING:
            # Its sender died mid-send (we hold its lock): possibly delivered, resent
            # with the same Message-ID and counted.
            outbox.mailing_count(message.mailing_id, possible_duplicates=1)
            logger.warning(
                "outbox.resend_interrupted message=%s attempt=%s", message.pk, message.attempts
            )
    message.status = Status.SENDING
    return True


def _record_sent_plain(message: OutboundMessage) -> None:
    """Record a delivered row and count it, in one statement. Its commit does not wait for
    the disk: a database crash losing it leaves the row *sending*, resent as a possible
    duplicate and counted, never lost (the attempt itself was committed durably)."""
    table = connection.ops.quote_name(OutboundMessage._meta.db_table)
    mailing_table = connection.ops.quote_name(Mailing._meta.db_table)
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(
                f"WITH s AS (UPDATE {table} SET status = 'sent', sent_at = %s, last_error = '' "
                "WHERE id = %s AND status = 'sending' AND attempts = %s RETURNING mailing_id) "
                f"UPDATE {mailing_table} AS m SET sent = m.sent + 1, progress_at = %s "
                "FROM s WHERE m.id = s.mailing_id",
                [now, message.pk, message.attempts, now],
            )
            recorded = cursor.rowcount == 1
    if not recorded:
        outbox._record_sent(message.pk)  # the row moved meanwhile: the careful path


def chunk_send(*, mailing_id: int, first_id: int, last_id: int) -> ChunkOutcome:
    """Send the rows of a mailing between two ids over one SMTP connection.

    Per row: its attempt is committed, the server called, its delivery recorded (the
    outbox's states, in one statement each on PostgreSQL); the history rows of the
    chunk's deliveries are written at its end in one statement.
    """
    outcome = ChunkOutcome()
    ids = list(
        OutboundMessage.objects.filter(
            mailing_id=mailing_id,
            pk__gte=first_id,
            pk__lte=last_id,
            status__in=[Status.PENDING, Status.RETRYING, Status.SENDING],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    held = _locks_take(ids)
    outcome.skipped = len(ids) - len(held)
    rows = {m.pk: m for m in OutboundMessage.objects.filter(pk__in=held)}
    lean = connection.vendor == "postgresql"
    sent_ids: list[int] = []
    smtp = None
    try:
        for message_id in held:
            message = rows.get(message_id)
            if message is not None and lean and _claim_plain(message):
                email = outbox._email(message)
                plain = True
            else:
                claimed = outbox._claim(message_id)
                if isinstance(claimed, outbox.SendOutcome):
                    outcome.skipped += 1
                    continue
                message, email = claimed
                plain = False
            try:
                if smtp is None:
                    smtp = get_connection(fail_silently=False)
                    smtp.open()
                email.connection = smtp
                outbox._attach_files(email, message)
                email.send()
            except Exception as exc:  # noqa: BLE001 - recorded on the row, retried
                failure = outbox._record_failure(message.pk, message.attempts, exc)
                outcome.failed += failure.status == "failed"
                if failure.retry_in is not None:
                    # The chunk comes back for its refused rows once the first is due.
                    outcome.retry_in = min(outcome.retry_in or failure.retry_in, failure.retry_in)
                if not _only_this_message(exc):
                    outcome.retry_in = outcome.retry_in or outbox.retry_delay(1)
                    logger.warning(
                        "mailing.chunk_stopped mailing=%s first=%s error=%s",
                        mailing_id,
                        first_id,
                        type(exc).__name__,
                    )
                    break
                continue
            if plain:
                _record_sent_plain(message)
                sent_ids.append(message.pk)
            else:
                outbox._record_sent(message.pk)
            outcome.sent += 1
    finally:
        if smtp is not None:
            with contextlib.suppress(Exception):
                smtp.close()
        with contextlib.suppress(Exception):
            _history_insert(sent_ids, "sent in a chunk")
        _locks_release(held)
    logger.info(
        "mailing.chunk mailing=%s first=%s last=%s sent=%s failed=%s skipped=%s",
        mailing_id,
        first_id,
        last_id,
        outcome.sent,
        outcome.failed,
        outcome.skipped,
    )
    return outcome
