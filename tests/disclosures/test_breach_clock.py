"""Law 94-V art. 25 p.2: the regulator is told within one working day of detection.

``regulator_due_on`` is the end of the next Kazakhstan working day after the Almaty date
of the detection, stored at recording, recomputed when an officer changes the calendar
before the filing and frozen once filed; the officers are reminded once a day.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from disclosures import services
from disclosures.models import BreachIncident
from homeshop_privacy.models import CalendarOverride, OutboundMessage
from tests.disclosures.conftest import NOW

ALMATY = ZoneInfo("Asia/Almaty")
UTC = dt.UTC


def record(officer, discovered_at, reference="BR-1", **details):
    return services.breach_record(
        actor=officer,
        reference=reference,
        title="Lost courier manifest",
        description="The courier lost a printed manifest.",
        discovered_at=discovered_at,
        categories=["identity", "contact", "address"],
        notice_ru="Курьер утерял список доставок.",
        **details,
    )


def complete(**overrides):
    details = {
        "kind": BreachIncident.Kind.LOSS,
        "severity": BreachIncident.Severity.MEDIUM,
        "people_categories": "Customers of the marketplace",
        "people_estimate": 120,
        "consequences": "Unwanted calls to the customers named on the manifest.",
        "containment_notes": "The courier's copies were recalled; printing stopped.",
        "responsible_name": "A. Seitkali, data protection officer",
        "responsible_contacts": "+7 727 000 00 00, dpo@homeshop.example",
    }
    return {**details, **overrides}


@pytest.mark.parametrize(
    ("discovered_at", "due_on"),
    [
        # Monday 09:00 → the end of Tuesday.
        (dt.datetime(2026, 6, 1, 9, 0, tzinfo=ALMATY), dt.date(2026, 6, 2)),
        # Friday afternoon → Saturday and Sunday are stepped over: Monday.
        (dt.datetime(2026, 6, 5, 15, 0, tzinfo=ALMATY), dt.date(2026, 6, 8)),
        # Saturday → Monday, a working day.
        (dt.datetime(2026, 6, 6, 11, 0, tzinfo=ALMATY), dt.date(2026, 6, 8)),
    ],
    ids=["monday", "friday", "saturday"],
)
def test_due_the_next_working_day_across_a_weekend(officer, discovered_at, due_on):
    incident = record(officer, discovered_at)
    incident.refresh_from_db()
    assert incident.regulator_due_on == due_on


def test_friday_evening_before_nauryz_steps_over_holidays_and_moved_days_off(officer):
    # 2026: Sat 21 and Sun 22 March are Nauryz, Mon 23 too; Tue 24 and Wed 25 are the days
    # off moved from the weekend holidays. Detected Friday 20 March at 19:40: Thursday 26.
    incident = record(officer, dt.datetime(2026, 3, 20, 19, 40, tzinfo=ALMATY))
    incident.refresh_from_db()
    assert incident.regulator_due_on == dt.date(2026, 3, 26)
    kinds = [day["kind"] for day in incident.regulator_due_moved_because]
    assert kinds == ["holiday", "holiday", "holiday", "moved_day_off", "moved_day_off"]
    with translation.override("en"):
        assert incident.regulator_due_explanation == (
            "21 March is a public holiday (Nauryz), 22 March is a public holiday (Nauryz), "
            "23 March is a public holiday (Nauryz), 24 March is a day off in place of Nauryz, "
            "25 March is a day off in place of Nauryz → 26 March"
        )
    with translation.override("ru"):
        assert incident.regulator_due_explanation.endswith("→ 26 марта")


def test_late_evening_in_almaty_counts_by_the_almaty_date(officer):
    # Monday 23:50 in Almaty: the term starts on Tuesday, due the end of Tuesday.
    late = record(officer, dt.datetime(2026, 6, 1, 23, 50, tzinfo=ALMATY), reference="BR-1")
    # Monday 21:30 UTC is already Tuesday 02:30 in Almaty: due the end of Wednesday,
    # though the UTC date is still Monday.
    utc_evening = record(officer, dt.datetime(2026, 6, 1, 21, 30, tzinfo=UTC), reference="BR-2")
    assert late.regulator_due_on == dt.date(2026, 6, 2)
    assert utc_evening.regulator_due_on == dt.date(2026, 6, 3)


def test_a_corrected_detection_moves_the_date_before_filing(officer):
    incident = record(officer, dt.datetime(2026, 6, 1, 9, 0, tzinfo=ALMATY))
    incident.discovered_at = dt.datetime(2026, 6, 5, 9, 0, tzinfo=ALMATY)
    services.breach_save(incident=incident, actor=officer, reason="edited in admin")
    incident.refresh_from_db()
    assert incident.regulator_due_on == dt.date(2026, 6, 8)


# --- the calendar changes -----------------------------------------------------------------


def test_a_day_off_decreed_in_the_window_moves_the_unfiled_date_with_history(officer):
    # Detected Wednesday 25 Nov (today): due Thursday 26 Nov, until an officer makes it a
    # day off by decree; then Friday 27 Nov, and the history says why.
    incident = record(officer, NOW - dt.timedelta(hours=1))
    assert incident.regulator_due_on == dt.date(2026, 11, 26)
    CalendarOverride.objects.create(
        day=dt.date(2026, 11, 26), kind=CalendarOverride.Kind.DAY_OFF, note="decree 123"
    )
    incident.refresh_from_db()
    assert incident.regulator_due_on == dt.date(2026, 11, 27)
    latest = incident.history.first()
    assert latest.regulator_due_on == dt.date(2026, 11, 27)
    assert "2026-11-26 -> 2026-11-27" in latest.history_change_reason
    assert "decree 123" in latest.history_change_reason
    assert incident.history.filter(regulator_due_on=dt.date(2026, 11, 26)).exists()


def test_a_filed_incident_keeps_its_date_whatever_the_calendar_says(officer):
    incident = record(officer, NOW - dt.timedelta(hours=1), **complete())
    services.breach_file(incident=incident, actor=officer, reference="REG-77")
    versions = incident.history.count()
    CalendarOverride.objects.create(
        day=dt.date(2026, 11, 26), kind=CalendarOverride.Kind.DAY_OFF, note="decree 123"
    )
    incident.refresh_from_db()
    assert incident.regulator_due_on == dt.date(2026, 11, 26)
    assert incident.filing.due_on == dt.date(2026, 11, 26)
    assert incident.history.count() == versions


def test_a_day_outside_the_window_changes_nothing(officer):
    incident = record(officer, NOW - dt.timedelta(hours=1))
    versions = incident.history.count()
    CalendarOverride.objects.create(
        day=dt.date(2026, 11, 30), kind=CalendarOverride.Kind.DAY_OFF, note="decree 124"
    )
    incident.refresh_from_db()
    assert incident.regulator_due_on == dt.date(2026, 11, 26)
    assert incident.history.count() == versions


def test_an_overdue_incident_is_not_made_on_time_by_a_later_day_off(officer):
    # Detected Monday 23 Nov: due Tuesday 24 Nov, overdue today (25 Nov). A day off
    # entered now for the 24th does not turn a late filing into one on time.
    incident = record(officer, dt.datetime(2026, 11, 23, 10, 0, tzinfo=ALMATY))
    CalendarOverride.objects.create(
        day=dt.date(2026, 11, 24), kind=CalendarOverride.Kind.DAY_OFF, note="decree 125"
    )
    incident.refresh_from_db()
    assert incident.regulator_due_on == dt.date(2026, 11, 24)


# --- reminders ------------------------------------------------------------------------------


def _reminders():
    return OutboundMessage.objects.filter(
        reason__in=[services.breach_clock.REASON_DUE, services.breach_clock.REASON_OVERDUE]
    )


def test_reminder_the_morning_of_the_due_day_and_escalation_after_once_a_day(officer):
    from homeshop_privacy import roles
    from tests.factories import StaffFactory

    second = StaffFactory(role=roles.COMPLIANCE_OFFICER)
    incident = record(officer, NOW - dt.timedelta(hours=1))  # due 26 Nov
    assert services.breaches_reminders_sweep(today=dt.date(2026, 11, 25)) == 0
    assert services.breaches_reminders_sweep(today=dt.date(2026, 11, 26)) == 2
    assert services.breaches_reminders_sweep(today=dt.date(2026, 11, 26)) == 0
    due = _reminders().filter(reason=services.breach_clock.REASON_DUE)
    assert sorted(due.values_list("recipient", flat=True)) == sorted([officer.email, second.email])
    assert all("BR-1" in m.subject for m in due)
    # Passed: one escalation per officer per day.
    assert services.breaches_reminders_sweep(today=dt.date(2026, 11, 27)) == 2
    assert services.breaches_reminders_sweep(today=dt.date(2026, 11, 27)) == 0
    assert services.breaches_reminders_sweep(today=dt.date(2026, 11, 30)) == 2
    overdue = _reminders().filter(reason=services.breach_clock.REASON_OVERDUE)
    assert overdue.count() == 4
    assert all("BR-1" in m.subject for m in overdue)
    assert not {m.subject for m in overdue} & {m.subject for m in due}
    assert {m.object_key for m in overdue} == {
        f"disclosures.breachincident:{incident.pk}:overdue:{day}"
        for day in ("2026-11-27", "2026-11-30")
    }


def test_no_reminder_once_filed_or_decided_not_a_breach(officer):
    filed = record(officer, NOW - dt.timedelta(hours=1), reference="BR-1", **complete())
    services.breach_file(incident=filed, actor=officer, reference="REG-1")
    dismissed = record(
        officer,
        NOW - dt.timedelta(hours=1),
        reference="BR-2",
        kind=BreachIncident.Kind.UNAUTHORISED_ACCESS,
        severity=BreachIncident.Severity.LOW,
    )
    services.breach_status_change(incident=dismissed, actor=officer, to="assessed")
    services.breach_status_change(
        incident=dismissed, actor=officer, to="not_a_breach", reason="The data were encrypted."
    )
    assert services.breaches_reminders_sweep(today=dt.date(2026, 11, 26)) == 0
    assert services.breaches_reminders_sweep(today=dt.date(2026, 11, 27)) == 0
