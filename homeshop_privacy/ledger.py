"""Hash chains over the legal records: tamper-evident even against the database owner.

Design (issue 9 §2; DESIGN: "legal records are append-only and tamper-evident")

What is chained. Every row of a ledger carries ``chain_prev`` (the hash of the row before
it in its chain) and ``chain_hash`` (the hash of its own content and ``chain_prev``).
There is one chain per natural owner, so writers never wait on one global head:

=================  =====================  ==============================================
kind               one chain per          first row's ``chain_prev``
=================  =====================  ==============================================
consent            customer               empty
disclosure         recipient              empty
disclosure_line    register entry         the entry's ``chain_hash``
disclosure_void    register entry         the entry's ``chain_hash``
breach_notice      breach incident        empty
claim_answer       claim (sent answers)   empty
=================  =====================  ==============================================

The writer locks the chain's head row (the customer, the recipient, the incident, the
claim: ordinary tables the application may lock) in the transaction of the insert, reads
the chain's last hash and links the new row to it. ``ChainedRecord.save`` and its
queryset's ``bulk_create`` do this for every insert, so no path (service, admin,
factory, bulk import) writes an unchained row.

What enters the hash. ``chain_hash = SHA-256`` of a canonical JSON of: the kind, the
chain key, every non-personal column (ids, codes, dates in UTC ISO 8601, lists), the
salted digests of the personal evidence columns, and ``chain_prev``. Personal evidence
(IP address, browser, free-text notes and reasons, an answer's text and address) enters
only as ``HMAC-SHA256(salt, value)`` with a random 128-bit salt per row and column, kept in
``chain_evidence`` as ``"salt:digest"``. Erasure (``ledger_erase_personal``, the only
database function allowed to change a protected row) blanks the column and forgets its
salt but keeps the digest: the chain still verifies, and the erased value cannot be found
again by trying every IP address against the digest.

Verification. ``ledger_verify`` walks every chain in order, recomputes each row's
evidence digests (where the value is still held) and hash, checks each link and each
register entry's line count, and names the first broken row of each broken chain.

Published heads. A rewrite that recomputes every hash leaves consistent chains. So
every day ``ledger_publish_heads`` records, per kind, how far the ledger went (the
largest position: the row id, or the sending time for claim answers) and a digest of all
chain heads at that point, and one digest over all kinds; it stores that publication,
logs the digest and emails it to the compliance officers (outside the database).
``ledger_verify`` recomputes the heads as they were at each stored publication's
position and compares; ``--digest`` checks against a digest read from an email, which no
database user can rewrite. Rows committed late by a transaction that was running during
publication would move a past state, so publishing first waits for every transaction
older than its snapshot to end.
"""

import dataclasses
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .append_only import AppendOnlyModel, AppendOnlyQuerySet, ImmutableRecordError

logger = logging.getLogger(__name__)

HASH_VERSION = 1


@dataclasses.dataclass(frozen=True)
class Chain:
    """How one ledger is chained (a class attribute ``ledger_chain`` of its model)."""

    kind: str
    #: attname of the chain's owner: one chain per value (``customer_id``).
    key: str
    #: non-personal columns, by attname, hashed as they are.
    fields: tuple[str, ...]
    #: personal evidence columns, hashed as salted digests (erasable).
    evidence: tuple[str, ...] = ()
    #: the model whose row ``key`` is the chain's head row ("accounts.Customer"): locked
    #: together with reading the chain's last hash, in one query.
    head_model: str = ""
    #: or: locks the head row of chain ``key`` (when it is not the row ``key`` names).
    lock: Callable[[int], None] | None = None
    #: kind whose row ``key`` points to; its hash starts this chain (lines of an entry).
    anchor: str = ""
    #: which rows belong to the chain (a claim answer only once sent).
    sealed: dict = dataclasses.field(default_factory=dict)
    #: the column that orders the chain and marks how far a publication went.
    position: str = "id"


class ChainFields(models.Model):
    """The three columns of a chained row (filled by ``chain_seal``, never edited)."""

    chain_prev = models.CharField(
        _("hash of the previous record"), max_length=64, blank=True, editable=False
    )
    chain_hash = models.CharField(_("record hash"), max_length=64, blank=True, editable=False)
    chain_evidence = models.JSONField(
        _("salted digests of the evidence"), default=dict, blank=True, editable=False
    )

    class Meta:
        abstract = True


class ChainedQuerySet(AppendOnlyQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            # A skipped row would leave the next one linked to a hash that is not there.
            raise ImmutableRecordError(
                f"{self.model.__name__} rows are chained: lock the chain instead of "
                "ignoring conflicts."
            )
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            chain_seal_many(objs)
            return super().bulk_create(objs, *args, **kwargs)


class ChainedRecord(ChainFields, AppendOnlyModel):
    """An append-only legal record whose every insert is linked into its hash chain."""

    objects = ChainedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding or self.chain_hash:
            return super().save(*args, **kwargs)  # refused, or sealed by a bulk path
        # The head's lock must last until the row is committed.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            chain_seal_many([self])
            super().save(*args, **kwargs)


# --- hashing -------------------------------------------------------------------------------


def _canon(field: models.Field, value):
    """One spelling per value, whether it comes from Python or back from the database."""
    if isinstance(value, FieldFile):
        value = value.name or ""
    if isinstance(field, models.GenericIPAddressField):
        value = field.to_python(value) if value else None
    elif value is not None and not isinstance(field, (models.JSONField, models.FileField)):
        value = field.to_python(value)
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _dumps(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def evidence_digest(salt: str, value) -> str:
    return hmac.new(bytes.fromhex(salt), _dumps(value), hashlib.sha256).hexdigest()


def row_hash(chain: Chain, *, key, fields: dict, evidence: dict, prev: str) -> str:
    payload = {
        "v": HASH_VERSION,
        "kind": chain.kind,
        "key": key,
        "fields": fields,
        "evidence": evidence,
        "prev": prev,
    }
    return hashlib.sha256(_dumps(payload)).hexdigest()


def _field(model, attname: str) -> models.Field:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    raise LookupError(f"{model.__name__} has no column {attname}")


def _seal(obj, chain: Chain, prev: str) -> None:
    model = type(obj)
    fields = {a: _canon(_field(model, a), getattr(obj, a)) for a in chain.fields}
    evidence, digests = {}, {}
    for attname in chain.evidence:
        salt = secrets.token_hex(16)
        digest = evidence_digest(salt, _canon(_field(model, attname), getattr(obj, attname)))
        evidence[attname] = f"{salt}:{digest}"
        digests[attname] = digest
    obj.chain_prev = prev
    obj.chain_evidence = evidence
    obj.chain_hash = row_hash(
        chain, key=getattr(obj, chain.key), fields=fields, evidence=digests, prev=prev
    )


def chain_of(model) -> Chain:
    return model.ledger_chain


def _last_hash(model, chain: Chain, key):
    return (
        model._base_manager.filter(**{chain.key: key}, **chain.sealed)
        .exclude(chain_hash="")
        .order_by(f"-{chain.position}", "-id")
        .values_list("chain_hash", flat=True)
    )


def _lock_and_head(model, chain: Chain, key) -> str:
    """Lock chain ``key`` and return the hash its next row links to."""
    if chain.head_model:
        # One query: lock the head row and read the chain's last hash.
        head = apps.get_model(chain.head_model)
        last = (
            head._base_manager.select_for_update()
            .filter(pk=key)
            .annotate(last=models.Subquery(_last_hash(model, chain, models.OuterRef("pk"))[:1]))
            .values_list("last", flat=True)
            .get()
        )
    else:
        if chain.lock is not None:
            chain.lock(key)
        last = _last_hash(model, chain, key).first()
    if last:
        return last
    if chain.anchor:
        anchor = chained_models()[chain.anchor]
        return anchor._base_manager.filter(pk=key).values_list("chain_hash", flat=True).get()
    return ""


def chain_seal_many(objs: Iterable[models.Model]) -> None:
    """Link unsaved rows into their chains, in list order, locking each chain's head.

    Chains are locked in key order so that two writers of several chains cannot deadlock.
    """
    by_key: dict = {}
    for obj in objs:
        if not obj.chain_hash:
            by_key.setdefault(getattr(obj, chain_of(type(obj)).key), []).append(obj)
    for key in sorted(by_key, key=lambda k: (k is None, k)):
        group = by_key[key]
        model = type(group[0])
        chain = chain_of(model)
        if key is None:
            raise ImmutableRecordError(f"{model.__name__}: a chained row needs its {chain.key}.")
        head = _lock_and_head(model, chain, key)
        for obj in group:
            _seal(obj, chain, head)
            head = obj.chain_hash


def chain_rows_seal(model, key, rows: list[dict]) -> list[tuple[str, str]]:
    """``(chain_prev, chain_hash)`` of new rows of chain ``key``, given as ``{attname:
    value}`` in the order they will be inserted, after locking the chain's head: for a
    writer that inserts many rows itself in one statement (a breach's notices, 5.4.4)
    and must hold the lock until it commits. Chains with evidence columns are sealed
    row by row (``chain_seal_many``)."""
    chain = chain_of(model)
    if chain.evidence:
        raise ImmutableRecordError(f"{model.__name__} has evidence columns: seal its rows.")
    prev = _lock_and_head(model, chain, key)
    columns = {attname: _field(model, attname) for attname in chain.fields}
    sealed = []
    for row in rows:
        fields = {attname: _canon(field, row[attname]) for attname, field in columns.items()}
        digest = row_hash(chain, key=key, fields=fields, evidence={}, prev=prev)
        sealed.append((prev, digest))
        prev = digest
    return sealed


def chain_link(objs: Iterable[models.Model], *, prev: str) -> None:
    """Seal new rows of one chain after ``prev``, for a writer that holds the chain's lock
    and knows its head (the lines of a register entry it has just written): no query."""
    for obj in objs:
        _seal(obj, chain_of(type(obj)), prev)
        prev = obj.chain_hash


def chain_seal(obj: models.Model) -> models.Model:
    """Link one row that becomes a legal record on an update (a claim answer when sent)."""
    obj.chain_hash = ""
    chain_seal_many([obj])
    return obj


def chained_models() -> dict[str, type[models.Model]]:
    found = {}
    for model in apps.get_models():
        chain = getattr(model, "ledger_chain", None)
        if isinstance(chain, Chain):
            found[chain.kind] = model
    # Anchors first: their hashes start the chains that depend on them.
    return dict(sorted(found.items(), key=lambda item: bool(chain_of(item[1]).anchor)))


# --- verification --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Break:
    kind: str
    key: object
    table: str
    row_id: int | None
    problem: str

    def __str__(self):
        where = f"{self.table} id={self.row_id}" if self.row_id is not None else self.table
        return f"{self.kind} chain {self.key}: first broken row {where}: {self.problem}"


@dataclasses.dataclass
class VerifyResult:
    rows: int = 0
    chains: int = 0
    breaks: list[Break] = dataclasses.field(default_factory=list)
    #: per kind: {chain key: head hash}, over all rows
    heads: dict = dataclasses.field(default_factory=dict)
    #: publication id -> (published digest, recomputed digest)
    publications: dict = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.breaks and all(a == b for a, b in self.publications.values())


def _check_row(model, chain: Chain, row: dict, expected_prev: str) -> tuple[str, str]:
    """(the row's recomputed hash, the problem found or "")."""
    fields = {a: _canon(_field(model, a), row[a]) for a in chain.fields}
    digests, problem = {}, ""
    stored = row["chain_evidence"] or {}
    for attname in chain.evidence:
        entry = stored.get(attname)
        if not isinstance(entry, str) or ":" not in entry:
            problem = problem or f"evidence digest of {attname} missing"
            digests[attname] = ""
            continue
        salt, digest = entry.split(":", 1)
        digests[attname] = digest
        value = _canon(_field(model, attname), row[attname])
        if salt:
            if evidence_digest(salt, value) != digest:
                problem = problem or f"{attname} changed"
        elif value not in (None, ""):
            problem = problem or f"{attname} present after its erasure"
    computed = row_hash(
        chain, key=row[chain.key], fields=fields, evidence=digests, prev=row["chain_prev"]
    )
    if not row["chain_hash"]:
        problem = problem or "row not chained"
    elif computed != row["chain_hash"]:
        problem = problem or "content changed (hash differs)"
    if row["chain_prev"] != expected_prev:
        problem = problem or "link to the previous row broken (row missing or reordered)"
    return computed, problem


def _position_value(model, chain: Chain, value):
    return _canon(_field(model, chain.position), value)


def heads_digest(heads_by_kind: dict[str, dict]) -> dict:
    """Per kind a digest of every chain head, and one digest over all kinds."""
    kinds = {}
    for kind, heads in sorted(heads_by_kind.items()):
        lines = "\n".join(f"{key}:{heads[key]}" for key in sorted(heads, key=str))
        kinds[kind] = {"chains": len(heads), "digest": hashlib.sha256(lines.encode()).hexdigest()}
    overall = hashlib.sha256(_dumps({k: v["digest"] for k, v in kinds.items()})).hexdigest()
    return {"kinds": kinds, "digest": overall}


def ledger_verify(*, publications: Iterable | None = None) -> VerifyResult:
    """Recompute every chain; compare the heads with ``publications`` (default: the latest)."""
    from .models import LedgerPublication

    if publications is None:
        latest = LedgerPublication.objects.order_by("-id").first()
        publications = [latest] if latest else []
    publications = list(publications)
    # per publication, per kind: {key: head hash at the published position}
    at_publication = {p.pk: {kind: {} for kind in p.positions} for p in publications}
    result = VerifyResult()
    line_counts: dict[int, int] = {}
    for kind, model in chained_models().items():
        chain = chain_of(model)
        anchors = {}
        if chain.anchor:
            anchors = dict(
                chained_models()[chain.anchor]
                ._base_manager.values_list("pk", "chain_hash")
                .iterator(chunk_size=5000)
            )
        columns = {"id", chain.key, chain.position, *chain.fields, *chain.evidence}
        rows = (
            model._base_manager.filter(**chain.sealed)
            .order_by(chain.key, chain.position, "id")
            .values(*columns, "chain_prev", "chain_hash", "chain_evidence")
            .iterator(chunk_size=2000)
        )
        heads = result.heads.setdefault(kind, {})
        broken_keys = set()
        current_key, prev = object(), ""
        for row in rows:
            key = row[chain.key]
            if key != current_key:
                current_key = key
                prev = anchors.get(key, "") if chain.anchor else ""
                result.chains += 1
            result.rows += 1
            if kind == "disclosure_line":
                line_counts[key] = line_counts.get(key, 0) + 1
            if key in broken_keys:
                continue
            computed, problem = _check_row(model, chain, row, prev)
            if problem:
                broken_keys.add(key)
                result.breaks.append(Break(kind, key, model._meta.db_table, row["id"], problem))
            prev = row["chain_hash"]
            heads[key] = row["chain_hash"]
            position = _position_value(model, chain, row[chain.position])
            for publication in publications:
                limit = publication.positions.get(kind)
                if limit is not None and position <= limit:
                    at_publication[publication.pk][kind][key] = row["chain_hash"]
        if kind == "disclosure_line":
            entries = chained_models()["disclosure"]._base_manager.values_list("pk", "line_count")
            for entry_id, expected in entries.iterator(chunk_size=5000):
                if line_counts.get(entry_id, 0) != expected:
                    result.breaks.append(
                        Break(
                            kind,
                            entry_id,
                            model._meta.db_table,
                            None,
                            f"{line_counts.get(entry_id, 0)} lines, the entry says {expected}",
                        )
                    )
    for publication in publications:
        recomputed = heads_digest(at_publication[publication.pk])["digest"]
        result.publications[publication.pk] = (publication.digest, recomputed)
    return result


# --- publication of the heads --------------------------------------------------------------


WRITERS_SQL = """
SELECT pid, backend_xid::text FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
"""


def _wait_for_older_transactions(timeout: float = 60.0) -> None:
    """Wait until every writing transaction of this database that was running when we
    started has ended (PostgreSQL).

    A row inserted by such a transaction may have a position below the one we publish;
    once they are all over, nothing can appear below it any more.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(WRITERS_SQL)
        running = set(cursor.fetchall())
        deadline = time.monotonic() + timeout
        while running:
            if time.monotonic() > deadline:
                logger.warning("ledger.publish_waited_too_long writers=%s", len(running))
                return
            time.sleep(0.2)
            cursor.execute(WRITERS_SQL)
            running &= set(cursor.fetchall())


def ledger_positions() -> dict[str, object]:
    """Per kind, the largest position (id, or sending time) of its rows, now."""
    positions = {}
    for kind, model in chained_models().items():
        chain = chain_of(model)
        last = (
            model._base_manager.filter(**chain.sealed)
            .order_by(f"-{chain.position}")
            .values_list(chain.position, flat=True)
            .first()
        )
        if last is not None:
            positions[kind] = _position_value(model, chain, last)
    return positions


def ledger_publish_heads(*, now: datetime | None = None):
    """Record, log and email the chain heads of every ledger as they are now.

    Returns the ``LedgerPublication`` row. Not in one transaction: it waits for the
    writers that were running to finish first.
    """
    from .models import LedgerPublication

    positions = ledger_positions()
    _wait_for_older_transactions()
    heads = {kind: {} for kind in positions}
    # Heads at the recorded positions (rows committed since are not part of it).
    for kind, model in chained_models().items():
        if kind not in positions:
            continue
        chain = chain_of(model)
        rows = (
            model._base_manager.filter(
                **chain.sealed, **{f"{chain.position}__lte": positions[kind]}
            )
            .order_by(chain.key, chain.position, "id")
            .values_list(chain.key, "chain_hash")
            .iterator(chunk_size=5000)
        )
        for key, chain_hash in rows:
            heads[kind][key] = chain_hash
    summary = heads_digest(heads)
    with transaction.atomic():
        publication = LedgerPublication.objects.create(
            positions=positions,
            kinds=summary["kinds"],
            digest=summary["digest"],
            published_at=now or timezone.now(),
        )
        _heads_email(publication=publication)
    logger.info(
        "ledger.heads_published publication=%s digest=%s", publication.pk, publication.digest
    )
    return publication


def _officer_emails() -> list[tuple[str, str]]:
    from django.contrib.auth import get_user_model

    from . import roles

    return list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=roles.COMPLIANCE_OFFICER)
        .order_by("pk")
        .values_list("email", "language")
    )


def _heads_email(*, publication) -> None:
    """The daily email of the heads to every compliance officer, through the outbox."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    from .outbox import message_enqueue, object_key

    for email, language in _officer_emails():
        with translation.override(language or "ru"):
            lines = [
                _("Published digest of the legal-record chains: %(digest)s")
                % {"digest": publication.digest},
                _("Keep this email: a later check compares the ledgers with this digest."),
                "",
            ]
            lines += [
                f"{kind}: {_('up to')} {publication.positions.get(kind)}, "
                f"{info['chains']} {_('chains')}, {info['digest']}"
                for kind, info in sorted(publication.kinds.items())
            ]
            day = timezone.localdate(publication.published_at)
            message_enqueue(
                reason="ledger.heads",
                key=object_key(publication),
                recipient=email,
                subject=_("Ledger heads of %(date)s") % {"date": day.isoformat()},
                body_text="\n".join(lines),
                language=language or "ru",
            )


def ledger_alert_break(*, result: VerifyResult, key: str) -> int:
    """Email the officers that ``result`` found a break (once per ``key``). Returns rows written."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    from .outbox import message_enqueue

    written = 0
    for email, language in _officer_emails():
        with translation.override(language or "ru"):
            body = [_("The verification of the legal records found broken chains:"), ""]
            body += [str(b) for b in result.breaks[:50]]
            body += [
                _("Publication %(id)s: published %(published)s, recomputed %(recomputed)s")
                % {"id": pk, "published": published, "recomputed": recomputed}
                for pk, (published, recomputed) in result.publications.items()
                if published != recomputed
            ]
            _message, created = message_enqueue(
                reason="ledger.break",
                key=key,
                recipient=email,
                subject=_("Legal records: a hash chain is broken"),
                body_text="\n".join(body),
                language=language or "ru",
            )
            written += created
    return written


# --- migrations ----------------------------------------------------------------------------


def backfill(model, chain: Chain, *, anchors: dict | None = None) -> dict:
    """Chain the rows written before the chains existed, in chain order (a data migration).

    ``model`` is the migration's historical model; ``anchors`` the hashes of the rows
    that start its chains (register entries for lines and voids). Returns {id: hash}.
    """
    hashes, batch = {}, []
    current_key, prev = object(), ""
    rows = model._base_manager.filter(**chain.sealed).order_by(chain.key, chain.position, "id")
    for obj in rows.iterator(chunk_size=2000):
        key = getattr(obj, chain.key)
        if key != current_key:
            current_key = key
            prev = (anchors or {}).get(key, "") if chain.anchor else ""
        _seal(obj, chain, prev)
        prev = hashes[obj.pk] = obj.chain_hash
        batch.append(obj)
        if len(batch) >= 1000:
            model._base_manager.bulk_update(batch, ["chain_prev", "chain_hash", "chain_evidence"])
            batch = []
    if batch:
        model._base_manager.bulk_update(batch, ["chain_prev", "chain_hash", "chain_evidence"])
    return hashes


def ledger_check_and_publish(*, now: datetime | None = None):
    """The daily job: verify every chain against the last publication, alert the officers
    on a break (once a day), then publish today's heads. Returns (result, publication)."""
    now = now or timezone.now()
    result = ledger_verify()
    if not result.ok:
        logger.error(
            "ledger.verify_failed breaks=%s publications_differing=%s",
            len(result.breaks),
            sum(a != b for a, b in result.publications.values()),
        )
        ledger_alert_break(
            result=result, key=f"homeshop_privacy.ledger:break:{timezone.localdate(now)}"
        )
    return result, ledger_publish_heads(now=now)
