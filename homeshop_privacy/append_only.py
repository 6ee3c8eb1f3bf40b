"""Legal records that are written once (STYLE: a filing is append-only).

Consent events, disclosures, voids, breach notices: saving over an existing row,
deleting one, and queryset ``update``/``delete``/``bulk_update`` all raise
``ImmutableRecordError``. A correction is a new row.

In PostgreSQL (issue 9 §2) every legal table also carries two triggers calling
``ledger_refuse_change()`` (installed by ``protect_sql`` in the apps' migrations): a row
trigger refusing ``UPDATE``/``DELETE`` (for a claim answer once sent, a written permission
once revoked: a ``WHEN`` condition) and a statement trigger refusing ``TRUNCATE``. The
application runs as a role that owns no table (``manage.py db_grant_app_role``), so it
can neither ``ALTER TABLE … DISABLE TRIGGER`` nor set ``session_replication_role``.

Two ways through, both only for the tables' owner (or a superuser), never for the
application role:

- ``TRUNCATE`` passes when the session setting ``homeshop.ledger_flush`` is ``on``: the
  test suite sets it (``tests/conftest.py``) for the flush between transactional tests.
  The application role has no ``TRUNCATE`` privilege at all, whatever it sets.
- ``UPDATE`` passes inside ``ledger_erase_personal(table, id, columns, reason)``, a
  ``SECURITY DEFINER`` function owned by the owner and the only one the application may
  execute: it blanks allowed evidence columns of one row (listed per table in
  ``homeshop_privacy_ledgererasable``), forgets their salts and writes a
  ``LedgerErasure`` row. Retention (4.1) erases personal evidence through it.
"""

from django.db import connection, models, transaction


class ImmutableRecordError(TypeError):
    """An attempt to change or delete a row of an append-only legal record (a bug, not input)."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError(f"{self.model.__name__} rows are never updated.")

    def delete(self):
        raise ImmutableRecordError(f"{self.model.__name__} rows are never deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableRecordError(f"{self.model.__name__} rows are never updated.")

    update.queryset_only = True
    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(
                f"{type(self).__name__} {self.pk} is append-only: a wrong entry is corrected "
                "by a new entry, never edited."
            )
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(
            f"{type(self).__name__} {self.pk} is append-only: delete refused."
        )


# --- PostgreSQL protection (issue 9 §2) ----------------------------------------------------


def protect_sql(table: str, *, when: str = "") -> str:
    """SQL installing the row and TRUNCATE triggers of one legal table.

    ``when`` (SQL over ``OLD``) limits the row trigger to rows that became records, e.g.
    ``OLD.status = 'sent'``; without it every row is protected and the application role
    gets only SELECT and INSERT on the table (``db_grant_app_role`` reads it from here).
    """
    condition = f"WHEN ({when}) " if when else ""
    return f"""
DROP TRIGGER IF EXISTS {table}_ledger_row ON {table};
CREATE TRIGGER {table}_ledger_row
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW {condition}EXECUTE FUNCTION ledger_refuse_change();
DROP TRIGGER IF EXISTS {table}_ledger_truncate ON {table};
CREATE TRIGGER {table}_ledger_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
"""


def unprotect_sql(table: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_ledger_row ON {table};\n"
        f"DROP TRIGGER IF EXISTS {table}_ledger_truncate ON {table};\n"
    )


def erasable_sql(table: str, columns) -> str:
    """SQL allowing ``ledger_erase_personal`` to blank these evidence columns of ``table``."""
    values = ", ".join(f"('{table}', '{column}')" for column in columns)
    return (
        "INSERT INTO homeshop_privacy_ledgererasable (table_name, column_name) "
        f"VALUES {values} ON CONFLICT DO NOTHING;\n"
    )


def ledger_erase_personal(*, model: type[models.Model], pk: int, columns, reason: str) -> int:
    """Blank the evidence ``columns`` of one legal record and log it; returns the log row id.

    The one way to change a protected row (retention, 4.1). On PostgreSQL it is the
    database function of the same name; on SQLite (development) the same steps in Python.
    """
    table, columns = model._meta.db_table, list(columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ledger_erase_personal(%s, %s, %s::text[], %s)",
                [table, pk, columns, reason],
            )
            return cursor.fetchone()[0]
    return _erase_in_python(model=model, pk=pk, columns=columns, reason=reason)


@transaction.atomic
def _erase_in_python(*, model, pk, columns, reason) -> int:
    from .models import LedgerErasure

    if not (reason or "").strip() or not columns:
        raise ValueError("ledger_erase_personal: give the columns and the reason")
    # A history model's erasable columns are its tracked model's (``instance_type``), as
    # the migrations list both tables on PostgreSQL.
    allowed = set(getattr(getattr(model, "instance_type", model), "ledger_erasable", ()))
    if not set(columns) <= allowed:
        raise ImmutableRecordError(f"{model.__name__}: {columns} are not erasable evidence")
    row = models.QuerySet(model).filter(pk=pk)
    values = {}
    for name in columns:
        field = model._meta.get_field(name)
        values[field.attname] = None if field.null else ""
    if any(f.attname == "chain_evidence" for f in model._meta.concrete_fields):
        evidence = dict(row.values_list("chain_evidence", flat=True).get() or {})
        for name in columns:
            if name in evidence:
                evidence[name] = ":" + evidence[name].split(":", 1)[-1]
        values["chain_evidence"] = evidence
    if row.update(**values) != 1:  # a plain QuerySet: the one allowed update
        raise model.DoesNotExist(f"{model.__name__} {pk}")
    return LedgerErasure.objects.create(
        table_name=model._meta.db_table,
        row_id=pk,
        columns=columns,
        reason=reason[:255],
        database_role="sqlite",
    ).pk
