"""Chain the consent ledger and protect it with the project's ledger triggers (issue 9 §2).

Replaces the triggers of 0003 (which let ``TRUNCATE`` through) by those of
``homeshop_privacy.append_only.protect_sql`` (row and ``TRUNCATE`` triggers), back-fills
the hash chain of existing events per customer in order, and lets retention erase the
evidence columns through ``ledger_erase_personal``. The history of policy versions
becomes append-only too.
"""

from django.db import migrations

from homeshop_privacy.append_only import erasable_sql, protect_sql, unprotect_sql
from homeshop_privacy.ledger import backfill

OLD_TRIGGERS = """
DROP TRIGGER IF EXISTS consents_policyversion_published_frozen ON consents_policyversion;
DROP TRIGGER IF EXISTS consents_consentwording_append_only ON consents_consentwording;
DROP TRIGGER IF EXISTS consents_consentevent_append_only ON consents_consentevent;
DROP FUNCTION IF EXISTS consents_refuse_change();
"""

PROTECT = (
    protect_sql("consents_consentevent")
    + protect_sql("consents_consentwording")
    + protect_sql("consents_policyversion", when="OLD.published_at IS NOT NULL")
    + protect_sql("consents_historicalpolicyversion")
    + erasable_sql("consents_consentevent", ("ip_address", "user_agent", "note"))
)

UNPROTECT = "".join(
    unprotect_sql(t)
    for t in (
        "consents_consentevent",
        "consents_consentwording",
        "consents_policyversion",
        "consents_historicalpolicyversion",
    )
)


def forward(apps, schema_editor):
    from consents.models import ConsentEvent

    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(OLD_TRIGGERS, params=None)
    backfill(apps.get_model("consents", "ConsentEvent"), ConsentEvent.ledger_chain)
    if postgres:
        schema_editor.execute(PROTECT, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNPROTECT, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0006_consent_event_hash_chain"),
        ("homeshop_privacy", "0011_ledger_protection"),
    ]

    operations = [migrations.RunPython(forward, backward)]
