"""Chain the register and the breach notices; protect them with the ledger triggers.

Issue 9 §2. Replaces the triggers of 0003 and 0006 (which let ``TRUNCATE`` through) by
those of ``homeshop_privacy.append_only.protect_sql``; back-fills the chains in order
(entries per recipient, then each entry's lines and void from its hash, notices per
incident); protects revoked written permissions and the history of the register, of
written permissions and of breach incidents; lets retention erase the free-text notes
and reasons through ``ledger_erase_personal``.
"""

from django.db import migrations

from homeshop_privacy.append_only import erasable_sql, protect_sql, unprotect_sql
from homeshop_privacy.ledger import backfill

OLD = (
    "disclosures_disclosure",
    "disclosures_disclosureline",
    "disclosures_disclosurevoid",
    "disclosures_breachaffected",
    "disclosures_breachnotice",
)
OLD_TRIGGERS = (
    "".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n" for table in OLD)
    + "DROP FUNCTION IF EXISTS disclosures_refuse_change();\n"
)

APPEND_ONLY = (
    *OLD,
    "disclosures_historicaldisclosure",
    "disclosures_historicaldisclosureline",
    "disclosures_historicaldisclosurevoid",
    "disclosures_historicalwrittenpermission",
    "disclosures_historicalbreachincident",
)

PROTECT = (
    "".join(protect_sql(table) for table in APPEND_ONLY)
    # 5.3.2: a permission may be corrected until it is revoked; then it is a record.
    + protect_sql("disclosures_writtenpermission", when="OLD.revoked_at IS NOT NULL")
    + erasable_sql("disclosures_disclosure", ("note",))
    + erasable_sql("disclosures_historicaldisclosure", ("note",))
    + erasable_sql("disclosures_disclosurevoid", ("reason",))
    + erasable_sql("disclosures_historicaldisclosurevoid", ("reason",))
)
UNPROTECT = "".join(
    unprotect_sql(table) for table in (*APPEND_ONLY, "disclosures_writtenpermission")
)


def forward(apps, schema_editor):
    from disclosures import models

    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(OLD_TRIGGERS, params=None)
    entries = backfill(apps.get_model("disclosures", "Disclosure"), models.Disclosure.ledger_chain)
    backfill(
        apps.get_model("disclosures", "DisclosureLine"),
        models.DisclosureLine.ledger_chain,
        anchors=entries,
    )
    backfill(
        apps.get_model("disclosures", "DisclosureVoid"),
        models.DisclosureVoid.ledger_chain,
        anchors=entries,
    )
    backfill(apps.get_model("disclosures", "BreachNotice"), models.BreachNotice.ledger_chain)
    if postgres:
        schema_editor.execute(PROTECT, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNPROTECT, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosures", "0011_register_and_notices_hash_chain"),
        ("homeshop_privacy", "0011_ledger_protection"),
    ]

    operations = [migrations.RunPython(forward, backward)]
