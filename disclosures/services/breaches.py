"""Breaches of personal data (5.4.4): the incident, the customers affected, the notices."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.classification import is_personal
from accounts.models import Customer, User
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked

from ..models import (
    BreachIncident,
)
from .common import _clean_categories, _in_chunks


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
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    found: dict[str, int] = {}
    for chunk in _in_chunks(wanted):
        found.update(
            Customer.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "pk")
        )
    unknown = [e for e in wanted if e not in found]
    if unknown:
        raise DomainError(
            _("No customers with these emails: %(list)s.") % {"list": ", ".join(unknown[:20])}
        )
    return [found[e] for e in wanted]
