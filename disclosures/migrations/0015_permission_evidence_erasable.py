"""4.1 (issue 11): a written permission's evidence — its scope in words, the document's
reference, the scan and a revocation's reason — may be blanked by ``ledger_erase_personal``
when the customer is anonymised, also once the permission is revoked (a record) and in its
history (append-only). The facts stay: who, to whom, which categories, signed, valid until,
revoked when."""

from django.db import migrations

from homeshop_privacy.append_only import erasable_sql

COLUMNS = ("scope", "document_reference", "scan", "revocation_reason")
TABLES = ("disclosures_writtenpermission", "disclosures_historicalwrittenpermission")

FORWARD = "".join(erasable_sql(table, COLUMNS) for table in TABLES)
BACKWARD = (
    "DELETE FROM homeshop_privacy_ledgererasable WHERE table_name IN "
    "('disclosures_writtenpermission', 'disclosures_historicalwrittenpermission');"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0014_register_reference_index")]

    operations = [migrations.RunPython(forward, backward)]
