"""4.1 (issue 11): the retention rule for claimants without a customer account, whose
closed claims are anonymised when the claims term after closing has run out (rule
``claims_without_account``, process in ``claims.retention``). Frozen copy: the running
code holds its own in ``homeshop_privacy.retention_defaults``."""

from django.db import migrations

RULES = [
    (
        "claims_without_account",
        "claims",
        "claim_closed",
        3 * 365,
        "anonymise",
        "6.3 and Civil Code art. 178, Law 94-V art. 12 p.2: a claim may be needed in court "
        "for the three-year limitation period after it closes; then nothing justifies "
        "keeping the claimant's data. A claimant without a customer account is anonymised "
        "on the claim itself, as a customer's claims are with the customer: name, email, "
        "phone, address, the claim's text, notes and files, the answer's text and address "
        "(its hash chain still verifies), the claim's emails, in every table and its "
        "history. The register keeps the reference, dates, category, status and outcome.",
    ),
]


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("homeshop_privacy", "RetentionRule")
    for code, category, event, days, action, reason in RULES:
        RetentionRule.objects.get_or_create(
            code=code,
            defaults={
                "category": category,
                "event": event,
                "keep_days": days,
                "action": action,
                "legal_reason": reason,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("homeshop_privacy", "0022_calendar_confirmation")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
