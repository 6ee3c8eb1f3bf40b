"""4.1, Law 94-V art. 12 p.2, art. 18: retention rules applied every day, in batches.

A rule (``RetentionRule``, data edited by officers) names a process by its ``code``;
the app that owns the data registers that process here from its ``AppConfig.ready()``::

    retention.register(
        retention.Process(
            code="customers_inactive",
            due=customers_due,          # (cutoff, after_pk) -> queryset of pks, ascending
            apply=customers_apply,      # (pks, reason) -> {table: rows changed}
        )
    )

``retention_run`` applies every active rule whose process is registered: it takes the
due records in batches of ``RETENTION_BATCH`` by ascending pk (keyset, so held records
do not stop it and no statement scans from the start), each batch in its own short
transaction, and writes the counts to the run row after each batch. Nothing is locked
for longer than a batch; a killed run leaves its row *running* and the next run marks it
*interrupted* and takes up whatever is still due (processes are idempotent: a record done
is no longer due). ``retention_plan`` answers what the next run would do (the admin's
dry run).

Legal holds (an open claim, an open breach incident, an officer's hold) are registered
the same way (``register_hold``): querysets of customer ids that processes about
customers leave alone.
"""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from .models import RetentionRule, RetentionRun

logger = logging.getLogger(__name__)

DueFn = Callable[[datetime, int], models.QuerySet]
ApplyFn = Callable[[list[int], str], dict]

# A run holds this PostgreSQL advisory lock: two runs never work at once.
RUN_LOCK = 4_1_2026


@dataclass(frozen=True)
class Process:
    code: str  # the RetentionRule.code it serves
    due: DueFn  # (cutoff, after_pk) -> pks of records due, ascending
    apply: ApplyFn  # (pks, reason) -> rows changed per table


@dataclass(frozen=True)
class Hold:
    key: str
    customer_ids: Callable[[], models.QuerySet]  # () -> queryset of held customer ids
    label: object = ""  # what holds the data, for a person (translated, lazy)


_processes: dict[str, Process] = {}
_holds: dict[str, Hold] = {}


def register(process: Process) -> Process:
    _processes[process.code] = process
    return process


def register_hold(hold: Hold) -> Hold:
    _holds[hold.key] = hold
    return hold


def process(code: str) -> Process | None:
    return _processes.get(code)


def processes() -> dict[str, Process]:
    return dict(_processes)


def held_customer_ids() -> list[models.QuerySet]:
    """Querysets of the ids of customers under a legal hold (exclude each)."""
    return [hold.customer_ids() for hold in _holds.values()]


def holds_of(*, customer_model, customer_id: int) -> list:
    """The labels of the legal holds on one customer (empty: nothing holds the data)."""
    return [
        hold.label
        for hold in _holds.values()
        if customer_model._base_manager.filter(pk=customer_id, pk__in=hold.customer_ids()).exists()
    ]


def exclude_held(queryset: models.QuerySet, field: str = "pk") -> models.QuerySet:
    for held in held_customer_ids():
        queryset = queryset.exclude(**{f"{field}__in": held})
    return queryset


def cutoff_of(rule: RetentionRule, now: datetime) -> datetime:
    return now - timedelta(days=rule.keep_days)


def applied_rules():
    return [
        rule
        for rule in RetentionRule.objects.filter(is_active=True).exclude(
            action=RetentionRule.Action.KEEP
        )
        if rule.code in _processes
    ]


def rule_due_count(
    rule: RetentionRule, *, now: datetime | None = None, limit: int | None = None
) -> int | None:
    """How many records the next run would process under ``rule`` (None: no process);
    with ``limit``, counted up to ``limit + 1`` only (a page shows "more than")."""
    found = _processes.get(rule.code)
    if found is None or not rule.is_active or rule.action == RetentionRule.Action.KEEP:
        return None
    due = found.due(cutoff_of(rule, now or timezone.now()), 0).order_by()
    return due[: limit + 1].count() if limit is not None else due.count()


def retention_plan(*, now: datetime | None = None) -> dict[str, int]:
    """The dry run: records due per rule code, nothing written."""
    now = now or timezone.now()
    return {rule.code: rule_due_count(rule, now=now) for rule in applied_rules()}


def _try_lock() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK])
        return cursor.fetchone()[0]


def _unlock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK])


def retention_run(*, now: datetime | None = None, batch_size: int | None = None):
    """Apply every active rule (the daily task); returns the run row, or None when another
    run is working. Called outside a transaction (the task), each batch commits on its own."""
    batch_size = batch_size or settings.RETENTION_BATCH
    if not _try_lock():
        logger.info("retention.run skipped: another run holds the lock")
        return None
    try:
        RetentionRun.objects.filter(status=RetentionRun.Status.RUNNING).update(
            status=RetentionRun.Status.INTERRUPTED
        )
        run = RetentionRun.objects.create()
        now = now or timezone.now()
        try:
            for rule in applied_rules():
                _apply_rule(run, rule, now=now, batch_size=batch_size)
        except Exception as exc:
            run.status, run.error = RetentionRun.Status.FAILED, type(exc).__name__[:255]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "error", "finished_at"])
            raise
        run.status, run.finished_at = RetentionRun.Status.DONE, timezone.now()
        run.save(update_fields=["status", "finished_at"])
        logger.info("retention.run done run=%s counts=%s", run.pk, _totals(run.counts))
        return run
    finally:
        _unlock()


def _totals(counts: dict) -> dict:
    return {code: entry.get("records", 0) for code, entry in counts.items()}


def _apply_rule(run: RetentionRun, rule: RetentionRule, *, now, batch_size: int) -> None:
    found = _processes[rule.code]
    cutoff = cutoff_of(rule, now)
    reason = f"retention rule {rule.code} ({rule.keep_days} d)"
    entry = run.counts.setdefault(rule.code, {"records": 0, "changed": {}})
    after = 0
    while True:
        pks = list(found.due(cutoff, after)[:batch_size])
        if not pks:
            break
        with transaction.atomic():
            changed = found.apply(pks, reason)
        after = pks[-1]
        entry["records"] += changed.pop("records", len(pks))
        entry["changed"] = dict(Counter(entry["changed"]) + Counter(changed))
        RetentionRun.objects.filter(pk=run.pk).update(counts=run.counts)


# --- the processes of homeshop_privacy's own data -------------------------------------------


def outbox_bodies_due(cutoff, after: int):
    from .models import OutboundMessage

    Status = OutboundMessage.Status
    return (
        OutboundMessage.objects.filter(
            status__in=[Status.SENT, Status.FAILED, Status.CANCELLED],
            created_at__lt=cutoff,
            pk__gt=after,
        )
        .exclude(body_text="", body_html="", subject="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def outbox_bodies_apply(pks: list[int], reason: str) -> dict:
    """The row stays (the proof that an email went, to whom, when); its text goes. The
    files it referenced belong to their record (a claim's letter) and stay with it."""
    from .models import OutboundMessage

    changed = OutboundMessage.objects.filter(pk__in=pks).update(  # erasure (4.1)
        subject="", body_text="", body_html="", attachments=[]
    )
    return {"records": changed, "homeshop_privacy.outboundmessage": changed}


def register_own() -> None:
    register(Process(code="outbox_bodies", due=outbox_bodies_due, apply=outbox_bodies_apply))
