"""Breaches of personal data (5.4.4): the incident, the customers affected, the notices."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.classification import is_personal
from accounts.models import User
from accounts.selectors import customer_ids_by_email, email_key
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked

from ..models import (
    BreachIncident,
)
from .breach_clock import breach_regulator_due_apply
from .breach_workflow import (
    FILED_FIELDS,
    breach_content_frozen_check,
)
from .common import _clean_categories


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
    **details,
) -> BreachIncident:
    """5.4.4: record a loss or unlawful disclosure of personal data.

    ``details`` are the other fields of the incident (kind, severity, source, what the
    filing states); the regulator's date is computed and stored here (art. 25 p.2).
    """
    unknown = set(details) - set(FILED_FIELDS)
    if unknown:
        raise TypeError(f"breach_record() got unexpected arguments: {sorted(unknown)}")
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
        **details,
    )
    _discovered_check(incident)
    breach_regulator_due_apply(incident)
    validate(incident)
    return save_tracked(incident, actor=actor, reason="breach recorded")


def _discovered_check(incident: BreachIncident) -> None:
    if incident.discovered_at is None or timezone.is_naive(incident.discovered_at):
        raise DomainError({"discovered_at": _("Give the moment of detection with its zone.")})
    if incident.discovered_at > timezone.now() + timedelta(minutes=5):
        raise DomainError({"discovered_at": _("An incident cannot be detected in the future.")})


@transaction.atomic
def breach_save(*, incident: BreachIncident, actor: User | None, reason: str) -> BreachIncident:
    """Record or correct an incident edited as a whole (the admin form).

    The same rules as ``breach_record``; what customers are told is frozen once the
    first of them was told, what the regulator was told once it was filed. The
    regulator's date follows a corrected moment of detection until the filing.
    """
    _discovered_check(incident)
    if incident.pk:
        stored = BreachIncident.objects.select_for_update().get(pk=incident.pk)
        frozen = ("notice_ru", "notice_kk", "notice_en", "categories")
        if stored.notification_started_at and any(
            getattr(stored, f) != getattr(incident, f) for f in frozen
        ):
            raise DomainError(_("Customers are being told already: the notice cannot change."))
        breach_content_frozen_check(stored=stored, edited=incident)
        if stored.discovered_at != incident.discovered_at or incident.regulator_due_on is None:
            breach_regulator_due_apply(incident)
    else:
        if incident.recorded_by_id is None:
            incident.recorded_by = actor
        breach_regulator_due_apply(incident)
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
