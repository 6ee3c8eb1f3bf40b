"""The regulator's clock of a breach (Law 94-V art. 25 p.2): one working day from detection.

``regulator_due_on`` is the end of the next Kazakhstan working day after the Almaty date
of ``discovered_at`` (the term starts the day after detection, Civil Code art. 175; a
last day that is not a working day moves to the next one, art. 174), from the project's
calendar (``homeshop_privacy.calendar``: weekends, holidays, moved days off, officer
overrides). It is stored when the incident is recorded, recomputed (with history) only
when an officer changes the calendar for a day in the window before filing, and frozen
once filed. The officers are reminded the morning of the due day and alerted each
morning after it passed, once per incident per day, through the outbox.
"""

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from homeshop_privacy import roles
from homeshop_privacy.calendar import KZ_TZ, local_date, term_deadline
from homeshop_privacy.history import save_tracked
from homeshop_privacy.outbox import message_enqueue, object_key
from homeshop_privacy.timestamps import display_date

from ..models import BreachFiling, BreachIncident
from ..selectors import breaches_owed_to_regulator

logger = logging.getLogger(__name__)

#: Art. 25 p.2: "within one working day of detecting it".
REGULATOR_TERM_DAYS = 1
REASON_DUE = "disclosures.breach_regulator_due"
REASON_OVERDUE = "disclosures.breach_regulator_overdue"
#: Incidents that no longer owe the regulator anything: no reminder, no recompute.
NOTHING_OWED = (BreachIncident.Status.NOT_A_BREACH,)


def _today() -> date:
    return local_date(timezone.now())


def breach_regulator_due_apply(incident: BreachIncident) -> None:
    """Set ``regulator_due_on`` and the days it stepped over; the caller saves."""
    deadline = term_deadline(received=incident.discovered_at, term_days=REGULATOR_TERM_DAYS)
    incident.regulator_due_on = deadline.due_on
    incident.regulator_due_moved_because = deadline.skipped_as_json()


@transaction.atomic
def breach_regulator_due_recompute(*, around: date, actor: User | None, reason: str) -> int:
    """The calendar changed on ``around``: recompute the unfiled incidents it can affect.

    As for claims (6.2), an incident already overdue today stays overdue: a day off
    entered afterwards cannot turn a late filing into one on time. Returns how many
    incidents' dates changed.
    """
    candidates = (
        BreachIncident.objects.select_for_update()
        .filter(~Exists(BreachFiling.objects.filter(incident=OuterRef("pk"))))
        .filter(regulator_due_on__gte=around - timedelta(days=60))
        .filter(discovered_at__lt=datetime.combine(around, datetime.min.time(), tzinfo=KZ_TZ))
        .exclude(status__in=NOTHING_OWED)
    )
    changed, today = 0, _today()
    for incident in candidates.order_by("pk"):
        before = incident.regulator_due_on
        breach_regulator_due_apply(incident)
        if incident.regulator_due_on == before:
            continue
        if today > before and incident.regulator_due_on > before:
            logger.info("disclosures.breach_recompute_kept_overdue incident=%s", incident.pk)
            continue
        save_tracked(
            incident,
            actor=actor,
            reason=f"regulator's date recomputed {before.isoformat()} -> "
            f"{incident.regulator_due_on.isoformat()}: {reason}",
        )
        changed += 1
    return changed


# --- reminders and escalation ---------------------------------------------------------------


def breach_officers() -> list[User]:
    """Who is reminded of an incident due to the regulator (issue 13's fallback too)."""
    return roles.officers()


def _officer_message(*, incident: BreachIncident, user: User, kind: str, today: date) -> bool:
    with translation.override(user.language):
        context = {
            "reference": incident.reference,
            "title": incident.title,
            "due": display_date(incident.regulator_due_on),
            "discovered": display_date(local_date(incident.discovered_at)),
            "link": settings.SITE_URL
            + reverse("admin:disclosures_breachincident_change", args=[incident.pk]),
        }
        if kind == "overdue":
            subject = gettext("OVERDUE: breach %(reference)s was to be filed by %(due)s") % context
            lead = (
                gettext(
                    "Breach %(reference)s, detected on %(discovered)s, was to be filed with "
                    "the authorised body by the end of %(due)s (Law 94-V art. 25 p.2) and is "
                    "not filed yet."
                )
                % context
            )
        else:
            subject = gettext("Breach %(reference)s: file with the regulator today") % context
            lead = (
                gettext(
                    "Breach %(reference)s, detected on %(discovered)s, must be filed with the "
                    "authorised body by the end of today, %(due)s (Law 94-V art. 25 p.2)."
                )
                % context
            )
        body = f"{lead}\n\n{incident.title}\n\n{context['link']}\n"
    _row, created = message_enqueue(
        reason=REASON_OVERDUE if kind == "overdue" else REASON_DUE,
        key=object_key(incident, kind, today.isoformat()),
        recipient=user.email,
        subject=subject,
        body_text=body,
        language=user.language,
    )
    return created


@transaction.atomic
def breach_reminders_send(*, incident_id: int, today: date | None = None) -> int:
    """What is due today for one incident; run twice the same day, it sends nothing new."""
    today = today or _today()
    incident = (
        BreachIncident.objects.filter(pk=incident_id, filing__isnull=True)
        .exclude(status__in=NOTHING_OWED)
        .first()
    )
    if incident is None or incident.regulator_due_on is None:
        return 0
    if today == incident.regulator_due_on:
        kind = "due-today"
    elif today > incident.regulator_due_on:
        kind = "overdue"
    else:
        return 0
    return sum(
        _officer_message(incident=incident, user=officer, kind=kind, today=today)
        for officer in breach_officers()
    )


def breaches_reminders_sweep(*, today: date | None = None) -> int:
    """The morning sweep: each incident due today or overdue, in its own transaction."""
    today = today or _today()
    sent = 0
    for incident_id in breaches_owed_to_regulator(today=today).values_list("pk", flat=True):
        try:
            sent += breach_reminders_send(incident_id=incident_id, today=today)
        except Exception:  # noqa: BLE001 - one bad row must not stop the others
            logger.exception("disclosures.breach_reminder_failed incident=%s", incident_id)
    logger.info("disclosures.breach_sweep day=%s new_messages=%s", today, sent)
    return sent
