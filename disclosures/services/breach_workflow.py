"""A breach's status and its filing with the regulator (5.4.4, Law 94-V art. 25 p.2).

The status moves only here (``breach_status_change``), along
``BreachIncident.TRANSITIONS``: detected → assessed → not a breach (who decided, why) |
notifying → notified → closed. The filing (``breach_file``) is refused until the content
the law and the ministry's rules ask for is complete; it is written once (the database
refuses to change it), with what was sent and whether it was late, and the incident's
reportable content is frozen from then on (``breach_content_frozen_check``).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from homeshop_privacy.calendar import local_date
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked
from homeshop_privacy.timestamps import display_date, display_datetime

from ..models import BreachFiling, BreachIncident
from .breach_clock import breach_regulator_due_apply
from .common import _category_labels

Status = BreachIncident.Status

#: What the filing states: frozen, with the filing, once it is made.
FILED_FIELDS = (
    "title",
    "description",
    "kind",
    "severity",
    "source",
    "discovered_at",
    "occurred_at",
    "occurred_until",
    "categories",
    "people_estimate",
    "people_categories",
    "consequences",
    "containment_notes",
    "remediation_notes",
    "responsible_name",
    "responsible_contacts",
)
#: Frozen once filed; the remediation goes on afterwards (the filing keeps what it said).
FROZEN_ONCE_FILED = tuple(f for f in FILED_FIELDS if f != "remediation_notes")
#: The languages of the filing document (the authority works in Russian and Kazakh).
FILING_LANGUAGES = ("ru", "kk")


def _locked(incident: BreachIncident) -> BreachIncident:
    return BreachIncident.objects.select_for_update().get(pk=incident.pk)


def _move(incident: BreachIncident, *, to: str, actor: User | None, why: str = "") -> None:
    """The one place a status changes; the caller holds the row's lock and saves."""
    allowed = BreachIncident.TRANSITIONS.get(incident.status, ())
    if to not in allowed:
        raise DomainError(
            _("An incident that is “%(from)s” cannot become “%(to)s”.")
            % {"from": incident.get_status_display(), "to": Status(to).label}
        )
    if to == Status.ASSESSED and not (incident.kind and incident.severity):
        raise DomainError(_("Give the kind and the severity of the incident to assess it."))
    if to == Status.NOT_A_BREACH:
        if not why.strip():
            raise DomainError({"decision_reason": _("Say why this is not a breach.")})
        if actor is None:
            raise DomainError(_("The decision that this is not a breach names who took it."))
        incident.decided_by = actor
        incident.decision_reason = why.strip()
    incident.status = to
    incident.status_changed_at = timezone.now()


@transaction.atomic
def breach_status_change(
    *, incident: BreachIncident, actor: User | None, to: str, reason: str = ""
) -> BreachIncident:
    """Move the incident to ``to`` if its status allows it; history keeps who and when."""
    incident = _locked(incident)
    _move(incident, to=to, actor=actor, why=reason)
    validate(incident)
    note = f"status: {to}"
    if reason.strip() and to != Status.NOT_A_BREACH:
        note += f" ({reason.strip()[:200]})"
    return save_tracked(incident, actor=actor, reason=note)


def breach_status_advance_on_notification(incident: BreachIncident, actor: User | None) -> None:
    """An assessed incident whose customers are being told is "notifying" (locked caller)."""
    if incident.status == Status.ASSESSED:
        _move(incident, to=Status.NOTIFYING, actor=actor)
        save_tracked(incident, actor=actor, reason=f"status: {Status.NOTIFYING}")


def breaches_notified_sweep() -> int:
    """5.4.4: an incident being notified becomes "notified" once every affected
    customer's notice is written and none is still waiting to be sent (a failed one is
    final: the officer retries it or reaches the customer otherwise). Each move is its
    own transaction under the incident's lock, rechecked there; history says why."""
    from ..selectors import breach_incidents_fully_notified

    moved = 0
    for incident_id in breach_incidents_fully_notified().values_list("pk", flat=True):
        with transaction.atomic():
            incident = (
                breach_incidents_fully_notified().select_for_update().filter(pk=incident_id).first()
            )
            if incident is None:
                continue
            _move(incident, to=Status.NOTIFIED, actor=None)
            save_tracked(
                incident,
                actor=None,
                reason=f"status: {Status.NOTIFIED} (every affected customer's notice sent)",
            )
            moved += 1
    return moved


def breach_content_frozen_check(*, stored: BreachIncident, edited: BreachIncident) -> None:
    """Art. 25 p.2: once filed, what the regulator was told cannot change."""
    if not stored.is_filed:
        return
    changed = [f for f in FROZEN_ONCE_FILED if getattr(stored, f) != getattr(edited, f)]
    if changed:
        names = ", ".join(str(BreachIncident._meta.get_field(f).verbose_name) for f in changed)
        raise DomainError(
            _("The incident was filed with the regulator: %(fields)s can no longer change.")
            % {"fields": names}
        )


def breach_filing_missing(incident: BreachIncident) -> list[str]:
    """What the filing still lacks, in words (empty when it can be filed)."""
    missing = []
    if not incident.description.strip():
        missing.append(_("what happened"))
    if not incident.kind:
        missing.append(_("the kind of breach"))
    if not incident.categories:
        missing.append(_("the data categories concerned"))
    if not incident.people_categories.strip():
        missing.append(_("the categories of people"))
    if incident.people_estimate is None:
        missing.append(_("the approximate number of people"))
    if not incident.consequences.strip():
        missing.append(_("the likely consequences"))
    if not incident.containment_notes.strip():
        missing.append(_("the measures taken"))
    if not incident.responsible_name.strip():
        missing.append(_("the person responsible for processing"))
    if not incident.responsible_contacts.strip():
        missing.append(_("their contacts"))
    return missing


def _content(incident: BreachIncident) -> dict:
    """The facts of the filing, as stored with it (JSON)."""
    values = {}
    for name in FILED_FIELDS:
        value = getattr(incident, name)
        values[name] = value.isoformat() if isinstance(value, datetime) else value
    return values


def breach_filing_text(*, incident: BreachIncident, language: str) -> str:
    """The notification to the authorised body, in ``language`` (Russian or Kazakh)."""
    with translation.override(language):
        context = {
            "incident": incident,
            "kind": incident.get_kind_display() if incident.kind else "—",
            "severity": incident.get_severity_display() if incident.severity else "—",
            "source": incident.get_source_display(),
            "discovered": display_datetime(incident.discovered_at),
            "occurred_from": display_datetime(incident.occurred_at) or _("unknown"),
            "occurred_until": display_datetime(incident.occurred_until) or _("unknown"),
            "categories": _category_labels(incident.categories) or "—",
            "people_estimate": incident.people_estimate
            if incident.people_estimate is not None
            else "—",
            "due": display_date(incident.regulator_due_on) if incident.regulator_due_on else "—",
        }
        return render_to_string("disclosures/breach_filing.txt", context)


@transaction.atomic
def breach_file(
    *,
    incident: BreachIncident,
    actor: User,
    reference: str,
    filed_at: datetime | None = None,
) -> BreachFiling:
    """Art. 25 p.2: record that the incident was filed with the authorised body.

    Refused while the content is incomplete; written once, with the text in Russian and
    Kazakh and whether it was late (after the end of ``regulator_due_on`` in Almaty).
    """
    incident = _locked(incident)
    if BreachFiling.objects.filter(incident=incident).exists():
        raise DomainError(_("This incident was already filed with the regulator."))
    if incident.status == Status.NOT_A_BREACH:
        raise DomainError(_("An incident decided not to be a breach is not filed."))
    missing = breach_filing_missing(incident)
    if missing:
        raise DomainError(
            _("The filing cannot be made yet; it still lacks: %(list)s.")
            % {"list": ", ".join(missing)}
        )
    reference = (reference or "").strip()
    if not reference:
        raise DomainError({"reference": _("Give the reference the regulator gave the filing.")})
    filed_at = filed_at or timezone.now()
    if incident.regulator_due_on is None:  # recorded before the clock existed
        breach_regulator_due_apply(incident)
    if timezone.is_naive(filed_at):
        raise DomainError({"filed_at": _("Give the time of the filing with its zone.")})
    if filed_at > timezone.now() + timedelta(minutes=5):
        raise DomainError({"filed_at": _("A filing cannot be recorded in advance.")})
    if filed_at < incident.discovered_at:
        raise DomainError({"filed_at": _("A filing cannot precede the detection.")})
    filing = BreachFiling(
        incident=incident,
        filed_at=filed_at,
        filed_by=actor,
        reference=reference,
        text_ru=breach_filing_text(incident=incident, language="ru"),
        text_kk=breach_filing_text(incident=incident, language="kk"),
        content=_content(incident),
        due_on=incident.regulator_due_on,
        filed_late=local_date(filed_at) > incident.regulator_due_on,
    )
    validate(filing, exclude=["incident"])
    filing.save()
    # The incident's history says when and by whom it was filed.
    save_tracked(incident, actor=actor, reason=f"filed with the regulator ({reference[:50]})")
    return filing
