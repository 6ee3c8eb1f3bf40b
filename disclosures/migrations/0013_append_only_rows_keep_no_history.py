"""Append-only rows keep no history (issue 15 item 9): a register entry, its lines and
its voids never change (append_only.py and the ledger triggers refuse it), so their
history tables only repeated each row once more — 10,000 history rows for a
10,000-line manifest. Who recorded an entry and when stay on the entry itself
(``recorded_by``, ``recorded_at``).

The rows of ``homeshop_privacy_ledgererasable`` naming the dropped history tables stay
(that table is append-only too); they name no table any more and allow nothing.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("disclosures", "0012_register_ledger_protection"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="historicaldisclosureline",
            name="customer",
        ),
        migrations.RemoveField(
            model_name="historicaldisclosureline",
            name="disclosure",
        ),
        migrations.RemoveField(
            model_name="historicaldisclosureline",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicaldisclosureline",
            name="order",
        ),
        migrations.RemoveField(
            model_name="historicaldisclosureline",
            name="permission",
        ),
        migrations.RemoveField(
            model_name="historicaldisclosurevoid",
            name="disclosure",
        ),
        migrations.RemoveField(
            model_name="historicaldisclosurevoid",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicaldisclosurevoid",
            name="voided_by",
        ),
        migrations.DeleteModel(
            name="HistoricalDisclosure",
        ),
        migrations.DeleteModel(
            name="HistoricalDisclosureLine",
        ),
        migrations.DeleteModel(
            name="HistoricalDisclosureVoid",
        ),
    ]
