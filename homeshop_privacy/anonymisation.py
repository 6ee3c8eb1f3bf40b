"""4.1, Law 94-V art. 12 p.2, art. 18: erasing one person from every table, driven by the
field classification (``homeshop_privacy.classification``).

For every classified model whose rows belong to a customer, the rows of that customer:

- lose their erased fields (names, contacts, addresses, devices, evidence,
  correspondence; ``ModelClassification.erased``) — blanked, set to NULL, or replaced by
  the declared placeholder — or are deleted when the model says so (an address);
- the same fields are blanked in the model's history table, for every version of those
  rows (a deleted row's versions included);
- legal records (a model with ``ledger_erasable``: consent events, claim answers, and
  their protected history) change only through ``ledger_erase_personal``, one logged call
  per row, which forgets the salts of the erased evidence and keeps its digest: the hash
  chains still verify (``manage.py ledger_verify``);
- files a person's rows point to (uploads, letters, outbox attachments) are deleted from
  the private storage once the transaction commits;
- admin log entries about those rows keep their ids but lose the row's text.

The engine knows no app: each app's declaration says which rows are whose.
"""

import json
import logging
from collections import Counter
from collections.abc import Iterable

from django.apps import apps
from django.db import connection, models, transaction

from .append_only import ledger_erase_personal
from .classification import DataCategory, ModelClassification, registered

logger = logging.getLogger(__name__)

KEEP = object()  # a field that has no blank value (a date that is not NULL-able)


def blank_value(field: models.Field):
    if field.null:
        return None
    if isinstance(field, models.JSONField):
        return field.get_default()
    if isinstance(field, (models.CharField, models.TextField, models.FileField)):
        return ""
    if isinstance(field, models.BooleanField):
        return False
    return KEEP


def _model(entry: ModelClassification) -> type[models.Model]:
    return apps.get_model(entry.label)


def subject_rows(entry: ModelClassification, *, customer_ids, addresses: frozenset[str]):
    """The rows of ``entry``'s model that belong to these customers (a queryset)."""
    model = _model(entry)
    if callable(entry.subject):
        return entry.subject(list(customer_ids), addresses)
    return model._base_manager.filter(**{f"{entry.subject}__in": list(customer_ids)})


def customer_entries() -> list[ModelClassification]:
    return [entry for entry in registered() if entry.subject is not None]


def contact_addresses(*, customer_ids) -> frozenset[str]:
    """Every email address held in the customers' rows (current, former, given in a
    claim): the outbox rows addressed to any of them are the persons' correspondence."""
    found: set[str] = set()
    for entry in customer_entries():
        if callable(entry.subject):
            continue
        model = _model(entry)
        names = [
            name
            for name, category in entry.fields.items()
            if category == DataCategory.CONTACT
            and isinstance(model._meta.get_field(name), models.EmailField)
        ]
        if not names:
            continue
        rows = subject_rows(entry, customer_ids=customer_ids, addresses=frozenset())
        for values in rows.values_list(*names):
            found.update(v.strip().lower() for v in values if v)
        history = _history_model(model)
        if history is not None:
            pks = rows.values_list("pk", flat=True)
            for values in history.objects.filter(id__in=pks).values_list(*names):
                found.update(v.strip().lower() for v in values if v)
    return frozenset(found)


def _history_model(model):
    manager = getattr(model, "history", None)
    return getattr(manager, "model", None) if manager is not None else None


def _field_files(model, names: Iterable[str], rows) -> set[str]:
    """Stored names of the files the rows' file fields (and JSON attachment lists) hold."""
    found: set[str] = set()
    held = {f.name: f for f in model._meta.concrete_fields}
    names = [n for n in names if n in held]
    file_fields = [n for n in names if isinstance(held[n], models.FileField)]
    if file_fields:
        for values in rows.values_list(*file_fields):
            found.update(v for v in values if v)
    if "attachments" in names and isinstance(held["attachments"], models.JSONField):
        for items in rows.values_list("attachments", flat=True):
            found.update(item.get("name") for item in items or [] if item.get("name"))
    return found


def _values(model, names: Iterable[str], entry: ModelClassification) -> dict:
    """Column -> new value; a callable replacement is given the row's pk as an expression
    (a unique placeholder built by the database, one statement for every row)."""
    values = {}
    for name in names:
        field = model._meta.get_field(name)
        replacement = entry.replacements.get(name)
        if callable(replacement):
            values[field.attname] = replacement(models.F("pk"))
        elif replacement is not None:
            values[field.attname] = replacement
        else:
            value = blank_value(field)
            if value is not KEEP:
                values[field.attname] = value
    return values


def ledger_erasable(model) -> frozenset[str]:
    """The columns ``ledger_erase_personal`` may blank in ``model``'s table: on PostgreSQL
    the database's own list (``homeshop_privacy_ledgererasable``, written by migrations),
    elsewhere the model's ``ledger_erasable`` (SQLite protects nothing)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name FROM homeshop_privacy_ledgererasable WHERE table_name = %s",
                [model._meta.db_table],
            )
            return frozenset(row[0] for row in cursor.fetchall())
    return frozenset(getattr(getattr(model, "instance_type", model), "ledger_erasable", ()))


def _ledger_erase(model, rows, names: list[str], *, reason: str) -> int:
    """Blank the evidence of protected rows through ``ledger_erase_personal`` (logged)."""
    refused = set(names) - ledger_erasable(model)
    if refused:
        raise TypeError(f"{model.__name__}: {sorted(refused)} are not erasable evidence")
    attnames = {n: model._meta.get_field(n).attname for n in names}
    erased = 0
    for row in rows.values("pk", *attnames.values()).iterator(chunk_size=500):
        held = [n for n, a in attnames.items() if row[a] not in (None, "")]
        if held:
            ledger_erase_personal(model=model, pk=row["pk"], columns=held, reason=reason)
            erased += 1
    return erased


def _history_scrub(model, entry, names, pks: list, *, reason: str) -> int:
    history = _history_model(model)
    if history is None or not pks:
        return 0
    held = {f.name for f in history._meta.concrete_fields}
    names = [n for n in names if n in held]
    if not names:
        return 0
    rows = history.objects.filter(id__in=pks)
    if ledger_erasable(history):
        return _ledger_erase(history, rows, names, reason=reason)
    fixed = {}
    for name in names:
        field = history._meta.get_field(name)
        replacement = entry.replacements.get(name)
        # A per-row placeholder is for the live table's uniqueness; history has none.
        value = blank_value(field) if replacement is None or callable(replacement) else replacement
        if value is not KEEP:
            fixed[field.attname] = value
    if fixed and "history_change_reason" in held:
        # Staff's reasons may quote the person ("paused: waiting for <name>'s receipt"):
        # the reason goes with the fields; who changed what and when stays.
        fixed["history_change_reason"] = None
    return rows.update(**fixed) if fixed else 0


def _admin_log_scrub(model, pks: list) -> int:
    if not pks or not apps.is_installed("django.contrib.admin"):
        return 0
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    entries = LogEntry.objects.filter(
        content_type=content_type, object_id__in=[str(pk) for pk in pks]
    )
    # The change message names each row added, changed or deleted through an inline by its
    # text (an address: city and street): that text goes too; what was done stays.
    for pk, message in entries.exclude(change_message="").values_list("pk", "change_message"):
        scrubbed = _change_message_scrubbed(message)
        if scrubbed != message:
            LogEntry.objects.filter(pk=pk).update(change_message=scrubbed)
    return entries.update(object_repr=f"{model._meta.model_name} #anonymised")


def _change_message_scrubbed(message: str) -> str:
    """Django's JSON change message without the rows' texts (``"object"``); a message in
    free text (not Django's JSON) may quote anything and goes whole."""
    try:
        items = json.loads(message)
    except ValueError:
        return ""
    if not isinstance(items, list):
        return ""
    for item in items:
        for detail in item.values() if isinstance(item, dict) else ():
            if isinstance(detail, dict) and "object" in detail:
                detail["object"] = "#anonymised"
    return json.dumps(items)


def _files_delete_on_commit(names: set[str]) -> None:
    if not names:
        return
    from .private_files import private_storage

    def delete():
        storage = private_storage()
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("anonymise.file_delete_failed name=%s", name)

    transaction.on_commit(delete)


def subject_anonymise(*, customer_ids, addresses: frozenset[str], reason: str) -> Counter:
    """Erase these customers from every classified model; returns rows changed per model.

    Set-based (one statement per table for any number of customers, one logged call per
    protected row). Run inside the caller's transaction, customers locked
    (``accounts.services.customers_anonymise``). Idempotent: a second run finds nothing
    left to erase.
    """
    rows = {
        entry.label: list(
            subject_rows(entry, customer_ids=customer_ids, addresses=addresses).values_list(
                "pk", flat=True
            )
        )
        for entry in customer_entries()
    }
    return rows_anonymise(rows=rows, reason=reason)


def _path_model(model, path: str):
    """The model a ``a__b`` lookup path of ``model`` leads to (None: not a relation path)."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - FieldDoesNotExist, or a reverse name
            return None
        if not field.is_relation:
            return None
        model = field.related_model
    return model


def record_rows(*, label: str, pks) -> dict[str, list[int]]:
    """The rows that belong to these records of ``label`` the way the field classification
    ties rows to a customer: the records themselves, and the rows of every classified
    model whose subject path runs through ``label`` (a claim's deadline changes, files and
    answer, when the claim has no customer to follow). For ``rows_anonymise``."""
    root = next((entry for entry in customer_entries() if entry.label == label), None)
    if root is None or callable(root.subject):
        raise ValueError(f"{label} is not tied to a customer by a path")
    root_model = _model(root)
    pks = list(pks)
    found = {label: pks}
    for entry in customer_entries():
        if entry.label == label or callable(entry.subject):
            continue
        suffix = "__" + root.subject
        if not entry.subject.endswith(suffix):
            continue
        prefix = entry.subject[: -len(suffix)]
        model = _model(entry)
        if _path_model(model, prefix) is not root_model:
            continue
        found[entry.label] = list(
            model._base_manager.filter(**{f"{prefix}__in": pks}).values_list("pk", flat=True)
        )
    return found


def rows_anonymise(*, rows: dict[str, list[int]], reason: str) -> Counter:
    """Erase these rows (model label -> pks) as ``subject_anonymise`` erases a customer's:
    their personal fields, the same fields in every history version, protected evidence
    through ``ledger_erase_personal``, their files, the admin log's text about them.
    Labels not classified as a person's rows are refused."""
    entries = {entry.label: entry for entry in customer_entries()}
    unknown = set(rows) - set(entries)
    if unknown:
        raise ValueError(f"not a person's rows: {sorted(unknown)}")
    counts: Counter = Counter()
    files: set[str] = set()
    for label, pks in rows.items():
        entry = entries[label]
        pks = list(pks)
        if not pks:
            continue
        model = _model(entry)
        records = model._base_manager.filter(pk__in=pks)
        personal = [n for n in entry.personal() if n in entry.fields]
        files |= _field_files(model, personal, records)
        history = _history_model(model)
        if history is not None:
            files |= _field_files(history, personal, history.objects.filter(id__in=pks))
        names = entry.erased()
        if entry.erase == "delete":
            counts[entry.label] += len(pks)
            records.delete()
        elif names and ledger_erasable(model):
            counts[entry.label] += _ledger_erase(model, records, names, reason=reason)
        else:
            values = _values(model, names, entry)
            counts[entry.label] += records.update(**values) if values else 0
        counts[f"{entry.label} (history)"] += _history_scrub(
            model, entry, names, pks, reason=reason
        )
        counts["admin log"] += _admin_log_scrub(model, pks)
        if entry.quoted_by_messages is not None:
            counts["homeshop_privacy.outboundmessage (quoting)"] += _quoting_messages_empty(
                entry.quoted_by_messages(pks)
            )
    _files_delete_on_commit(files)
    counts["files"] += len(files)
    return +counts


def _quoting_messages_empty(keys) -> int:
    """Emails to someone else that quote the erased rows (``quoted_by_messages``): unsent
    ones stop, and their text goes; the row (who was told of what, when) stays."""
    from . import outbox
    from .models import OutboundMessage

    quoting = OutboundMessage.objects.filter(
        pk__in=list(OutboundMessage.objects.filter(keys).values_list("pk", flat=True))
    )
    outbox.messages_stop(quoting, why="quoted person anonymised (4.1)")
    # erasure (4.1): the outbox's history holds no bodies
    return quoting.exclude(body_text="", body_html="").update(body_text="", body_html="")
