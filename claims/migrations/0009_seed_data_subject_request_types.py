"""Issue 11: the four data-subject request types of the Law 94-V "On personal data and
their protection", as claim categories with their terms."""

from django.db import migrations

# (code, term_days, term_unit, ru, kk, en)
TYPES = [
    # art. 25 p.2: documents confirming inaccurate data -> rectified within 1 working day.
    (
        "dsr-rectification",
        1,
        "working",
        "Исправление персональных данных по документам",
        "Құжаттар бойынша дербес деректерді түзету",
        "Rectification of personal data on documents",
    ),
    # art. 25 p.2: unlawful processing confirmed -> data destroyed within 1 working day.
    (
        "dsr-destruction",
        1,
        "working",
        "Уничтожение данных после подтверждения незаконной обработки",
        "Заңсыз өңдеу расталғаннан кейін деректерді жою",
        "Destruction after confirmed unlawful processing",
    ),
    # art. 8 p.7: consent withdrawn -> processing stopped within 15 working days at most
    # (the system stops at once; the consent register proves when).
    (
        "dsr-stop-processing",
        15,
        "working",
        "Прекращение обработки после отзыва согласия",
        "Келісім кері қайтарылғаннан кейін өңдеуді тоқтату",
        "Stopping processing after a consent withdrawal",
    ),
    # The Law sets no term for access: 30 calendar days by default (6.2), configurable.
    (
        "dsr-access",
        30,
        "calendar",
        "Доступ к своим персональным данным",
        "Өз дербес деректеріне қол жеткізу",
        "Access to one's personal data",
    ),
]


def seed(apps, schema_editor):
    ClaimCategory = apps.get_model("claims", "ClaimCategory")
    for code, days, unit, ru, kk, en in TYPES:
        ClaimCategory.objects.get_or_create(
            code=code,
            defaults={
                "term_days": days,
                "term_unit": unit,
                "needs_identity_check": True,
                "name": ru,
                "name_kk": kk,
                "name_en": en,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_data_subject_request_terms_and_identity"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
