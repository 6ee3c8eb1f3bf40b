"""Sent claim answers become chained, protected legal records (issue 9 §2; 6.2).

Back-fills the chain of answers already sent (per claim, in sending order), refuses any
change or deletion of a sent answer and of the answers' history in the database, and
lets retention erase the answer text and address through ``ledger_erase_personal``.
"""

from django.db import migrations

from homeshop_privacy.append_only import erasable_sql, protect_sql, unprotect_sql
from homeshop_privacy.ledger import backfill

PROTECT = (
    protect_sql("claims_claimanswer", when="OLD.status = 'sent'")
    + protect_sql("claims_historicalclaimanswer")
    + erasable_sql("claims_claimanswer", ("body", "sent_by_email_to"))
    + erasable_sql("claims_historicalclaimanswer", ("body", "sent_by_email_to"))
)
UNPROTECT = unprotect_sql("claims_claimanswer") + unprotect_sql("claims_historicalclaimanswer")


def forward(apps, schema_editor):
    from claims.models import ClaimAnswer

    backfill(apps.get_model("claims", "ClaimAnswer"), ClaimAnswer.ledger_chain)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PROTECT, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNPROTECT, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0003_answer_hash_chain"),
        ("homeshop_privacy", "0011_ledger_protection"),
    ]

    operations = [migrations.RunPython(forward, backward)]
