"""Breach affected lists and notices are append-only in the database too (PostgreSQL only).

Reuses the function of 0003; a notice is the proof that a customer was told (5.4.4).
"""

from django.db import migrations

TABLES = ("disclosures_breachaffected", "disclosures_breachnotice")

FORWARD = "".join(
    f"""
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION disclosures_refuse_change();
"""
    for table in TABLES
)
BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n" for table in TABLES)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0005_breaches")]

    operations = [migrations.RunPython(forward, backward)]
