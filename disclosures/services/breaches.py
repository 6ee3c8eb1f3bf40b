"""Breaches of personal data (5.4.4): the incident, the customers affected, the notices."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.classification import is_personal
from accounts.models import Customer, User
from accounts.selectors import customer_ids_by_email, email_key
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked

from ..models import (
    BreachAffected,
    BreachIncident,
    BreachNotice,
    Disclosure,
    DisclosureLine,
)
from .common import _category_labels, _clean_categories, _in_chunks

BREACH_REASON = "disclosures.breach_notice"


def breach_categories_check(categories: Iterable[str]) -> list[str]:
    """5.4.4 concerns personal data: the cleaned categories, or a refusal (for forms too)."""
    categories = _clean_categories(categories)
    if not any(is_personal(c) for c in categories):
        raise DomainError(
            {"categories": _("Clause 5.4.4 concerns personal data: name a personal category.")}
        )
    return categories


@transaction.atomic
def breach_record(
    *,
    actor: User | None,
    reference: str,
    title: str,
    description: str,
    discovered_at: datetime,
    categories: Iterable[str],
    notice_ru: str,
    notice_kk: str = "",
    notice_en: str = "",
    occurred_at: datetime | None = None,
) -> BreachIncident:
    """5.4.4: record a loss or unlawful disclosure of personal data."""
    categories = breach_categories_check(categories)
    incident = BreachIncident(
        reference=(reference or "").strip(),
        title=(title or "").strip(),
        description=(description or "").strip(),
        discovered_at=discovered_at,
        occurred_at=occurred_at,
        categories=categories,
        notice_ru=(notice_ru or "").strip(),
        notice_kk=(notice_kk or "").strip(),
        notice_en=(notice_en or "").strip(),
        recorded_by=actor,
    )
    validate(incident)
    return save_tracked(incident, actor=actor, reason="breach recorded")


@transaction.atomic
def breach_save(*, incident: BreachIncident, actor: User | None, reason: str) -> BreachIncident:
    """Record or correct an incident edited as a whole (the admin form).

    The same rules as ``breach_record``; what customers are told is frozen once the
    first of them was told.
    """
    if incident.pk:
        stored = BreachIncident.objects.select_for_update().get(pk=incident.pk)
        frozen = ("notice_ru", "notice_kk", "notice_en", "categories")
        if stored.notification_started_at and any(
            getattr(stored, f) != getattr(incident, f) for f in frozen
        ):
            raise DomainError(_("Customers are being told already: the notice cannot change."))
    elif incident.recorded_by_id is None:
        incident.recorded_by = actor
    incident.categories = breach_categories_check(incident.categories)
    validate(incident)
    return save_tracked(incident, actor=actor, reason=reason)


def breach_customer_ids_by_email(*, emails: Iterable[str]) -> list[int]:
    """Customer ids for a pasted list of emails (any case); an unknown one is refused."""
    wanted = list(dict.fromkeys(email_key(e) for e in emails if e.strip()))
    found = customer_ids_by_email(emails=wanted)
    unknown = [e for e in wanted if e not in found]
    if unknown:
        raise DomainError(
            _("No customers with these emails: %(list)s.") % {"list": ", ".join(unknown[:20])}
        )
    return [found[e] for e in wanted]


@transaction.atomic
def breach_add_affected(
    *, incident: BreachIncident, customer_ids: Iterable[int], actor: User | None = None
) -> int:
    """Add customers to the incident's affected list; those already on it are skipped.

    Returns how many were added. Adding after the notification started is allowed: the
    next notification run tells the newcomers, and only them.
    """
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    known: set[int] = set()
    for chunk in _in_chunks(ids):
        known.update(Customer.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise DomainError(
            _("No customers with ids: %(list)s.") % {"list": ", ".join(map(str, unknown[:20]))}
        )
    before = BreachAffected.objects.filter(incident=incident).count()
    BreachAffected.objects.bulk_create(
        (BreachAffected(incident=incident, customer_id=i, added_by=actor) for i in ids),
        ignore_conflicts=True,
        batch_size=5_000,
    )
    added = BreachAffected.objects.filter(incident=incident).count() - before
    if added and incident.notification_started_at is not None:
        _breach_dispatch(incident)
    return added


def breach_add_affected_from_disclosure(
    *, incident: BreachIncident, disclosure: Disclosure, actor: User | None = None
) -> int:
    """Everyone named in a register entry (e.g. a lost courier manifest) is affected."""
    return breach_add_affected(
        incident=incident,
        actor=actor,
        customer_ids=DisclosureLine.objects.filter(disclosure=disclosure).values_list(
            "customer_id", flat=True
        ),
    )


def _breach_dispatch(incident: BreachIncident) -> None:
    from ..tasks import breach_notify

    transaction.on_commit(lambda: breach_notify.delay(incident.pk), robust=True)


@transaction.atomic
def breach_notification_start(*, incident: BreachIncident, actor: User | None) -> BreachIncident:
    """Start (or resume) telling every affected customer; each is told exactly once."""
    incident = BreachIncident.objects.select_for_update().get(pk=incident.pk)
    if incident.notification_started_at is None:
        incident.notification_started_at = timezone.now()
        save_tracked(incident, actor=actor, reason="breach notification started")
    _breach_dispatch(incident)
    return incident


@transaction.atomic
def breach_notify_customers(*, incident: BreachIncident, customer_ids: list[int]) -> int:
    """Write the notice of each affected customer in ``customer_ids`` not yet told.

    Each notice row and its outbox email are written together; the unique (incident,
    customer) notice and the outbox key make a repeated or concurrent run a no-op.
    Returns how many customers were newly notified.
    """
    from django.template.loader import render_to_string
    from django.utils import translation

    from homeshop_privacy.outbox import message_enqueue, object_key

    # The incident is the head of its notices' hash chain: one run at a time writes them,
    # so the "not yet told" below stays true until this transaction commits.
    BreachIncident.objects.select_for_update().filter(pk=incident.pk).values_list("pk").first()
    customers = (
        Customer.objects.filter(
            pk__in=customer_ids,
            breaches_affecting__incident=incident,
        )
        .exclude(breach_notices__incident=incident)
        .order_by("pk")
    )
    notices, newly_told = [], 0
    for customer in customers:
        language = customer.preferred_language
        with translation.override(language):
            context = {
                "customer": customer,
                "incident": incident,
                "notice": incident.notice_for(language),
                "categories": _category_labels(incident.categories),
            }
            subject = str(_("Homeshop.kz: an incident concerning your personal data"))
            body = render_to_string("disclosures/email/breach_notice.txt", context)
        message, created = message_enqueue(
            reason=BREACH_REASON,
            key=object_key(incident, "notice"),
            recipient=customer.email,
            subject=subject,
            body_text=body,
            language=language,
        )
        notices.append(BreachNotice(incident=incident, customer=customer, message=message))
        # Only one run writes a customer's email; a concurrent run waited for the
        # incident's lock above and finds the notice already there.
        newly_told += created
    BreachNotice.objects.bulk_create(notices)
    return newly_told
