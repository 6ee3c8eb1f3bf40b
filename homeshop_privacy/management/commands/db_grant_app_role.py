"""Grant the application's database role row-level rights only (issue 9 §2; PostgreSQL).

Run after ``migrate``, as the tables' owner, whenever a migration added a table:

    manage.py migrate                      # as the owner (DATABASE_URL of the owner)
    manage.py db_grant_app_role homeshop_app

The application then runs with the role's own ``DATABASE_URL``. The role gets, in the
public schema: ``SELECT, INSERT, UPDATE, DELETE`` on ordinary tables; ``SELECT, INSERT``
only on append-only legal tables (every table whose ledger row trigger has no ``WHEN``
condition, read from the database); ``SELECT`` on ``django_migrations`` and the list of
erasable columns; the sequences; and ``EXECUTE`` on ``ledger_erase_personal`` only. Never
``TRUNCATE``, ``REFERENCES``, ``TRIGGER`` or ownership, so it cannot empty a table, alter it,
disable a trigger, or set ``session_replication_role`` (a superuser's right).
Idempotent: every right is revoked and granted again.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

READ_ONLY = ("django_migrations", "homeshop_privacy_ledgererasable")

APPEND_ONLY_TABLES_SQL = """
SELECT DISTINCT c.relname
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
WHERE p.proname = 'ledger_refuse_change'
  AND n.nspname = current_schema()
  AND (t.tgtype & 1) = 1      -- row trigger
  AND (t.tgtype & 16) = 16    -- on UPDATE
  AND t.tgqual IS NULL        -- for every row, not only once sent / revoked
"""


def append_only_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(APPEND_ONLY_TABLES_SQL)
        return {row[0] for row in cursor.fetchall()}


def all_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


class Command(BaseCommand):
    help = "Grant a database role the row-level rights the application needs, and no more."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the application's database role (must exist)")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"No database role {role}: CREATE ROLE it first.")
            if found[0]:
                raise CommandError(f"{role} is a superuser: it would bypass every grant.")
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND pg_has_role(%s, c.relowner, 'USAGE')",
                [role],
            )
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"{role} owns (or is a member of the owner of) tables: run the "
                    "application as a role that owns nothing."
                )
        legal = append_only_tables()
        tables = all_tables()
        counts = {"full": 0, "append-only": 0, "read-only": 0}
        quote = connection.ops.quote_name
        who = quote(role)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"GRANT USAGE ON SCHEMA {quote(self._schema())} TO {who}")
            for table in tables:
                name = quote(table)
                cursor.execute(f"REVOKE ALL ON TABLE {name} FROM {who}")
                if table in READ_ONLY:
                    rights, kind = "SELECT", "read-only"
                elif table in legal:
                    rights, kind = "SELECT, INSERT", "append-only"
                else:
                    rights, kind = "SELECT, INSERT, UPDATE, DELETE", "full"
                cursor.execute(f"GRANT {rights} ON TABLE {name} TO {who}")
                counts[kind] += 1
            cursor.execute(
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quote(self._schema())} TO {who}"
            )
            cursor.execute(
                "GRANT EXECUTE ON FUNCTION ledger_erase_personal(text, bigint, text[], text)"
                f" TO {who}"
            )
        self.stdout.write(
            f"{role}: {counts['full']} tables read-write, {counts['append-only']} legal tables "
            f"SELECT/INSERT only, {counts['read-only']} read-only; EXECUTE on "
            "ledger_erase_personal."
        )

    @staticmethod
    def _schema() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            return cursor.fetchone()[0]
