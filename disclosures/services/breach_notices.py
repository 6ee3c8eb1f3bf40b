"""5.4.4 at scale: who is affected (a list, a CSV, a register query) and telling each once.

Affected customers are ``BreachAffected`` rows written set-based (``INSERT … SELECT … ON
CONFLICT DO NOTHING``), so an incident can hold a million; the incident keeps their count
(``affected_count``) in the same transaction.

The notices take the batch path of every large mailing (``homeshop_privacy.fanout``): the
writer task writes the outbox rows set-based, each batch with the chained ``BreachNotice``
rows that prove them, under the incident's lock (one writer at a time: a double click or
two officers write nothing twice); then it publishes one broker message per chunk, each
chunk sent over one SMTP connection. Progress is the incident's mailing counters.
"""

import csv
import dataclasses
import io
from datetime import date, datetime, time, timedelta

import phonenumbers
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from accounts.models import Customer, Order, User
from homeshop_privacy import fanout
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked
from homeshop_privacy.ledger import chain_rows_seal
from homeshop_privacy.models import Mailing, OutboundMessage
from homeshop_privacy.outbox import mailing_count, object_key
from homeshop_privacy.private_files import text_file_check

from ..models import (
    BreachAffected,
    BreachContact,
    BreachIncident,
    BreachNotice,
    Disclosure,
    DisclosureLine,
    Recipient,
)
from .breach_workflow import breach_status_advance_on_notification
from .breaches import breach_customer_ids_by_email
from .common import _category_labels, _in_chunks

BREACH_REASON = "disclosures.breach_notice"
Via = BreachAffected.Via
ALMATY = timezone.get_fixed_timezone(5 * 60)


# --- who is affected ---------------------------------------------------------------------


def _dispatch_if_started(incident: BreachIncident) -> None:
    if incident.notification_started_at is not None:
        _breach_dispatch(incident)


@transaction.atomic
def breach_affected_add_query(
    *, incident: BreachIncident, customers: models.QuerySet, actor: User | None, via: str = Via.LIST
) -> int:
    """Add every customer of ``customers`` to the incident, set-based; returns how many
    were new. Those already on it are skipped; after the notification started, the
    newcomers are told (and only they)."""
    incident = BreachIncident.objects.select_for_update().get(pk=incident.pk)
    if connection.vendor == "postgresql":
        added = _affected_insert_on_postgresql(incident, customers, actor, via)
    else:
        added = _affected_insert_portably(incident, customers, actor, via)
    if added:
        # The incident is locked above: the count moves with its history (who added how many).
        incident.affected_count += added
        save_tracked(
            incident,
            actor=actor,
            reason=f"{added} affected customers added ({via})",
            update_fields=["affected_count"],
        )
        _dispatch_if_started(incident)
    return added


def _affected_insert_on_postgresql(incident, customers, actor, via) -> int:
    """One ``INSERT ... SELECT`` (the set-based path of a million customers)."""
    # Distinct customers by construction (a queryset of Customer rows, ``pk__in`` subqueries).
    ids_sql, ids_params = customers.order_by().values("pk").query.sql_with_params()
    table = BreachAffected._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(table)} "
            "(incident_id, customer_id, added_at, added_by_id, via) "
            f"SELECT %s::bigint, c.id, %s::timestamptz, %s::bigint, %s::text "
            f"FROM ({ids_sql}) AS c(id) "
            "ON CONFLICT (incident_id, customer_id) DO NOTHING",
            [incident.pk, timezone.now(), actor.pk if actor else None, str(via), *ids_params],
        )
        return cursor.rowcount


def _affected_insert_portably(incident, customers, actor, via) -> int:
    """Other databases (the embedded SQLite of ``make run``): those not yet on the
    incident, in batches; the incident's row lock above keeps two writers apart."""
    now = timezone.now()
    new_ids = (
        customers.order_by()
        .exclude(pk__in=BreachAffected.objects.filter(incident=incident).values("customer_id"))
        .values_list("pk", flat=True)
    )
    rows = [
        BreachAffected(
            incident=incident, customer_id=pk, added_at=now, added_by=actor, via=str(via)
        )
        for pk in new_ids.iterator()
    ]
    BreachAffected.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def breach_customer_ids_from_list(*, text: str) -> list[int]:
    """A pasted list: one email or customer number per line; an unknown one refuses all."""
    values = [v.strip() for v in (text or "").split() if v.strip()]
    emails = [v for v in values if "@" in v]
    numbers = [v for v in values if "@" not in v]
    bad = [v for v in numbers if not v.isdigit()]
    if bad:
        raise DomainError(
            _("Not an email or a customer number: %(list)s.") % {"list": ", ".join(bad[:20])}
        )
    ids = [int(v) for v in numbers]
    if emails:
        ids += breach_customer_ids_by_email(emails=emails)
    return list(dict.fromkeys(ids))


def breach_add_affected(
    *, incident: BreachIncident, customer_ids, actor: User | None = None, via: str = Via.LIST
) -> int:
    """An explicit list of customer ids; an unknown id refuses the whole list."""
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    known: set[int] = set()
    for chunk in _in_chunks(ids):
        known.update(Customer.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise DomainError(
            _("No customers with ids: %(list)s.") % {"list": ", ".join(map(str, unknown[:20]))}
        )
    return breach_affected_add_query(
        incident=incident, customers=Customer.objects.filter(pk__in=ids), actor=actor, via=via
    )


def breach_add_affected_from_disclosure(
    *, incident: BreachIncident, disclosure: Disclosure, actor: User | None = None
) -> int:
    """Everyone named in a register entry (e.g. a lost courier manifest) is affected."""
    return breach_affected_add_query(
        incident=incident,
        actor=actor,
        via=Via.REGISTER,
        customers=Customer.objects.filter(
            pk__in=DisclosureLine.objects.filter(disclosure=disclosure).values("customer_id")
        ),
    )


def breach_register_customers(
    *, recipient: Recipient, start: date, end: date, categories=()
) -> models.QuerySet:
    """Customers whose data went to ``recipient`` between two Almaty dates (inclusive),
    optionally only in entries naming one of ``categories``; voided entries left out."""
    if end < start:
        raise DomainError({"end": _("The end date is before the start date.")})
    zone = timezone.get_default_timezone()
    entries = Disclosure.objects.filter(
        recipient=recipient,
        disclosed_at__gte=datetime.combine(start, time.min, tzinfo=zone),
        disclosed_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
        void__isnull=True,
    )
    if categories:
        entries = _naming_a_category(entries, list(categories))
    lines = DisclosureLine.objects.filter(disclosure__in=entries).annotate(
        who=Coalesce("customer_id", "order__customer_id")
    )
    return Customer.objects.filter(pk__in=lines.values("who"))


def _naming_a_category(entries: models.QuerySet, categories: list[str]) -> models.QuerySet:
    """The entries whose JSON list of categories names one of ``categories``."""
    if connection.vendor == "postgresql":
        # jsonb @> per category: the form a GIN index on the column serves.
        wanted = models.Q()
        for category in categories:
            wanted |= models.Q(categories__contains=[category])
        return entries.filter(wanted)
    # The embedded default (SQLite has no JSON containment): the list's items by json_each.
    quote = connection.ops.quote_name
    table = quote(Disclosure._meta.db_table)
    column = quote(Disclosure._meta.get_field("categories").column)
    marks = ", ".join(["%s"] * len(categories))
    return entries.filter(
        pk__in=RawSQL(
            f"SELECT d.id FROM {table} d, json_each(d.{column}) c "
            f"WHERE c.type = 'text' AND c.value IN ({marks})",
            categories,
        )
    )


def breach_add_affected_from_register(
    *,
    incident: BreachIncident,
    recipient: Recipient,
    start: date,
    end: date,
    categories=(),
    actor: User | None,
) -> int:
    return breach_affected_add_query(
        incident=incident,
        customers=breach_register_customers(
            recipient=recipient, start=start, end=end, categories=categories
        ),
        actor=actor,
        via=Via.REGISTER,
    )


@dataclasses.dataclass(frozen=True)
class UnmatchedLine:
    line: int
    value: str
    why: str


@dataclasses.dataclass(frozen=True)
class CsvMatch:
    customer_ids: list[int]
    unmatched: list[UnmatchedLine]
    lines: int


_HEADERS = {"email", "e-mail", "phone", "телефон", "order", "заказ", "номер", "тапсырыс"}


def breach_csv_match(*, upload) -> CsvMatch:
    """Customers named by an uploaded CSV: one email, phone (any format, matched as E.164)
    or order number per line, in its first column. Every line that names nobody is
    reported with why; a header line is skipped."""
    text = text_file_check(upload, field="csv_file")
    rows = list(csv.reader(io.StringIO(text)))
    # normalised value -> the lines (number, as written) that name it
    emails: dict[str, list[tuple[int, str]]] = {}
    phones: dict[str, list[tuple[int, str]]] = {}
    orders: dict[str, list[tuple[int, str]]] = {}
    unmatched: list[UnmatchedLine] = []
    for number, row in enumerate(rows, start=1):
        value = (row[0] if row else "").strip()
        if not value:
            continue
        if number == 1 and value.lower() in _HEADERS:
            continue
        if "@" in value:
            emails.setdefault(value.lower(), []).append((number, value))
        elif sum(ch.isdigit() for ch in value) >= 10 and set(value) <= set("+0123456789 ()-."):
            try:
                parsed = phonenumbers.parse(value, "KZ")
            except phonenumbers.NumberParseException:
                parsed = None
            if parsed is None or not phonenumbers.is_valid_number(parsed):
                unmatched.append(UnmatchedLine(number, value, _("not a valid phone number")))
                continue
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            phones.setdefault(e164, []).append((number, value))
        else:
            orders.setdefault(value, []).append((number, value))
    found: dict[int, int] = {}  # line -> customer

    def resolve(table, queryset, key: str, value_field: str, why: str) -> None:
        matched: dict[str, int] = {}
        for chunk in _in_chunks(list(table)):
            matched.update(queryset.filter(**{f"{key}__in": chunk}).values_list(key, value_field))
        for value, lines in table.items():
            for line, written in lines:
                if value in matched:
                    found[line] = matched[value]
                else:
                    unmatched.append(UnmatchedLine(line, written, why))

    resolve(
        emails,
        Customer.objects.annotate(email_lower=Lower("email")),
        "email_lower",
        "pk",
        _("no customer with this email"),
    )
    resolve(phones, Customer.objects.all(), "phone", "pk", _("no customer with this phone"))
    resolve(
        orders,
        Order.objects.all(),
        "number",
        "customer_id",
        _("not an email or phone, and no order has this number"),
    )
    return CsvMatch(
        customer_ids=list(dict.fromkeys(found[line] for line in sorted(found))),
        unmatched=sorted(unmatched, key=lambda u: u.line),
        lines=len(rows),
    )


# --- the notices ---------------------------------------------------------------------------


def breach_mailing(*, incident: BreachIncident) -> Mailing:
    """The incident's mailing: its counters are the notification's progress."""
    return fanout.mailing_get(reason=BREACH_REASON, key=object_key(incident, "notice"))


def breach_notice_texts(*, incident: BreachIncident) -> dict[str, fanout.MailingText]:
    """The notice in each language; the reader's first name is filled in by the database."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            context = {
                "customer": {"first_name": fanout.FIRST_NAME},
                "incident": incident,
                "notice": incident.notice_for(language),
                "categories": _category_labels(incident.categories),
            }
            texts[language] = fanout.MailingText(
                subject=str(_("Homeshop.kz: an incident concerning your personal data")),
                body_text=render_to_string("disclosures/email/breach_notice.txt", context),
            )
    return texts


def breach_notices_write(
    *,
    incident: BreachIncident,
    after_id: int = 0,
    time_budget: float = 60.0,
    customer_ids: list[int] | None = None,
) -> fanout.WriteRun:
    """Write the notice of every affected customer not yet told, set-based.

    Each batch is one transaction holding the incident's lock (it heads the notices' hash
    chain): the outbox rows, their history, the chained ``BreachNotice`` rows and the
    counters commit together, and a concurrent writer finds them there. Returns how many
    it wrote and the customer id to continue after (``None``: every one is written).
    """
    texts = breach_notice_texts(incident=incident)
    recipients = (
        Customer.objects.filter(breaches_affecting__incident=incident)
        .exclude(email="")
        .filter(anonymised_at__isnull=True)  # 4.1: an anonymised customer is not written to
        .exclude(breach_notices__incident=incident)
        .values_list("pk", "email", "preferred_language", "first_name")
    )
    if customer_ids is not None:
        recipients = recipients.filter(pk__in=customer_ids)

    def lock() -> None:
        BreachIncident.objects.select_for_update().filter(pk=incident.pk).values_list("pk").get()

    def notices(written: list[tuple[int, int]]) -> None:
        # The proofs, chained per incident in the order of their ids, written in one
        # statement: hashed here (no model instances), inserted in that order.
        now = timezone.now()
        rows = [{"customer_id": cid, "message_id": mid, "created_at": now} for mid, cid in written]
        sealed = chain_rows_seal(BreachNotice, incident.pk, rows)
        table = connection.ops.quote_name(BreachNotice._meta.db_table)
        if connection.vendor != "postgresql":
            # The same rows one by one, in the same order (the embedded SQLite of ``make run``).
            at = connection.ops.adapt_datetimefield_value(now)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} (incident_id, customer_id, message_id, created_at, "
                    "chain_prev, chain_hash, chain_evidence) VALUES (%s, %s, %s, %s, %s, %s, '{}')",
                    [
                        (incident.pk, row["customer_id"], row["message_id"], at, prev, digest)
                        for row, (prev, digest) in zip(rows, sealed, strict=True)
                    ],
                )
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (incident_id, customer_id, message_id, created_at, "
                "chain_prev, chain_hash, chain_evidence) "
                "SELECT %s, c, m, %s, p, h, '{}'::jsonb FROM unnest("
                "%s::bigint[], %s::bigint[], %s::text[], %s::text[]) WITH ORDINALITY "
                "AS u(c, m, p, h, n) ORDER BY n",
                [
                    incident.pk,
                    now,
                    [row["customer_id"] for row in rows],
                    [row["message_id"] for row in rows],
                    [prev for prev, _digest in sealed],
                    [digest for _prev, digest in sealed],
                ],
            )

    return fanout.mailing_write_batches(
        mailing=breach_mailing(incident=incident),
        recipients=recipients,
        texts=texts,
        after_id=after_id,
        time_budget=time_budget,
        before_batch=lock,
        on_written=notices,
    )


def breach_notify_customers(
    *, incident: BreachIncident, customer_ids: list[int] | None = None
) -> int:
    """Write the notices of these (default: every) untold affected customers now, in this
    process (the demo, a handful of customers). Returns how many were written."""
    run = breach_notices_write(incident=incident, time_budget=10**6, customer_ids=customer_ids)
    if run.written:
        mailing_id = breach_mailing(incident=incident).pk
        transaction.on_commit(lambda: fanout.mailing_publish(mailing_id=mailing_id), robust=True)
    return run.written


def _breach_dispatch(incident: BreachIncident) -> None:
    from ..tasks import breach_notify

    transaction.on_commit(lambda: breach_notify.delay(incident.pk), robust=True)


@transaction.atomic
def breach_notification_start(*, incident: BreachIncident, actor: User | None) -> BreachIncident:
    """Start telling every affected customer, each once (5.4.4).

    A second start (a double click, two officers at once) waits for the first's lock and
    does nothing: the notification is already running and the sweeper resumes it if it
    stops. The first start is the one recorded.
    """
    incident = BreachIncident.objects.select_for_update().get(pk=incident.pk)
    if incident.notification_started_at is not None:
        return incident
    if incident.affected_count == 0:
        raise DomainError(_("No affected customers yet: add them before notifying."))
    incident.notification_started_at = timezone.now()
    save_tracked(incident, actor=actor, reason="breach notification started")
    breach_status_advance_on_notification(incident, actor)
    _breach_dispatch(incident)
    return incident


@transaction.atomic
def breach_notices_retry_failed(*, incident: BreachIncident, actor: User | None) -> int:
    """Give every failed notice of the incident a new round of attempts; returns how many."""
    from ..tasks import breach_notices_publish

    mailing = breach_mailing(incident=incident)
    failed = list(
        OutboundMessage.objects.select_for_update()
        .filter(mailing=mailing, status=OutboundMessage.Status.FAILED, stop_requested=False)
        .order_by("pk")
    )
    if not failed:
        raise DomainError(_("No failed notices to retry."))
    now = timezone.now()
    for message in failed:
        message.status = OutboundMessage.Status.RETRYING
        message.attempts_before_retry = message.attempts
        message.next_attempt_at = now
    bulk_update_with_history(
        failed,
        OutboundMessage,
        ["status", "attempts_before_retry", "next_attempt_at"],
        batch_size=1_000,
        default_user=actor,
        default_change_reason="retry requested",
    )
    mailing_count(mailing.pk, failed=-len(failed))
    transaction.on_commit(lambda: breach_notices_publish.delay(incident.pk), robust=True)
    return len(failed)


@transaction.atomic
def breach_contact_record(
    *, incident: BreachIncident, customer: Customer, method: str, note: str, actor: User | None
) -> BreachContact:
    """5.4.4: an affected customer the email did not reach (bounced, failed, no address)
    was told another way; who, when and how are the row."""
    if not BreachAffected.objects.filter(incident=incident, customer=customer).exists():
        raise DomainError(_("This customer is not affected by this incident."))
    contact = BreachContact(
        incident=incident,
        customer=customer,
        method=method,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    validate(contact)
    contact.save()
    return contact
