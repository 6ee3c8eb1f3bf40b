"""Load the seed privacy policy as version 1.

The text is the copy in ``consents/policy_texts/v1.ru.md`` (taken from the published
policy; the migration never reads outside the repository). Version 1 is recorded as
published and in force from 1 January 2026, 00:00 Asia/Almaty: the policy the site
already showed when this system started keeping the consent ledger.
"""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import migrations

TEXT_PATH = Path(__file__).resolve().parent.parent / "policy_texts" / "v1.ru.md"
EFFECTIVE_FROM = datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Almaty"))


def load(apps, schema_editor):
    PolicyVersion = apps.get_model("consents", "PolicyVersion")
    if PolicyVersion.objects.filter(label="1").exists():
        return
    PolicyVersion.objects.create(
        label="1",
        text_ru=TEXT_PATH.read_text(encoding="utf-8").strip() + "\n",
        change_summary="Первая версия: политика, опубликованная на Homeshop.kz.",
        is_material=False,
        published_at=EFFECTIVE_FROM,
        effective_from=EFFECTIVE_FROM,
        created_at=EFFECTIVE_FROM,
    )


class Migration(migrations.Migration):
    dependencies = [("consents", "0003_append_only_triggers")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
