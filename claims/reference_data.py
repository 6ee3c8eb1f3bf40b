"""Reference data every installation holds: the data-subject request types of the Law
94-V (issue 11), as claim categories with their terms.

The data migration ``0009_seed_data_subject_request_types`` wrote them once (it keeps its
own frozen copy, as migrations should). A flush (as between transactional tests) empties
every table and then sends ``post_migrate``; ``request_types_ensure`` puts back the
types that are missing. A type an officer changed (its term, names or templates) is never
overwritten: only a missing code is created.
"""

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


def request_types_ensure() -> int:
    """Create the request types that are missing; returns how many were created."""
    from .models import ClaimCategory

    created = 0
    for code, days, unit, ru, kk, en in TYPES:
        _category, new = ClaimCategory.objects.get_or_create(
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
        created += new
    return created


def request_types_on_migrate(sender, using="default", **kwargs):
    """The request types are back after a flush (issue 11)."""
    if using != "default":
        return
    request_types_ensure()
