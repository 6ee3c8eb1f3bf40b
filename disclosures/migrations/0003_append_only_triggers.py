"""Make the disclosure register append-only in the database too (PostgreSQL only).

The models refuse updates and deletes already; the triggers also stop raw SQL, a shell
session or another program from rewriting who received a customer's data (1.3). A
wrong entry is voided by a new row. On SQLite (local development) this does nothing.
"""

from django.db import migrations

TABLES = ("disclosures_disclosure", "disclosures_disclosureline", "disclosures_disclosurevoid")

FORWARD = """
CREATE OR REPLACE FUNCTION disclosures_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION disclosures_refuse_change();
"""
    for table in TABLES
)

BACKWARD = (
    "".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n" for table in TABLES)
    + "DROP FUNCTION IF EXISTS disclosures_refuse_change();\n"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0002_register")]

    operations = [migrations.RunPython(forward, backward)]
