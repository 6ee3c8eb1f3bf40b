"""A breach's status moves only along its transitions; the filing is gated and frozen."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from disclosures import services
from disclosures.models import BreachFiling, BreachIncident
from homeshop_privacy.append_only import ImmutableRecordError
from homeshop_privacy.errors import DomainError
from tests.disclosures.conftest import NOW
from tests.disclosures.test_breach_clock import complete, record

S = BreachIncident.Status


@pytest.fixture
def incident(officer):
    return record(officer, NOW - dt.timedelta(hours=3))


def _status(incident):
    incident.refresh_from_db()
    return incident.status


def test_a_new_incident_is_detected_and_needs_kind_and_severity_to_be_assessed(officer, incident):
    assert incident.status == S.DETECTED
    with pytest.raises(DomainError, match="kind and the severity"):
        services.breach_status_change(incident=incident, actor=officer, to=S.ASSESSED)
    assert _status(incident) == S.DETECTED
    incident.kind, incident.severity = BreachIncident.Kind.LOSS, BreachIncident.Severity.HIGH
    services.breach_save(incident=incident, actor=officer, reason="assessed")
    services.breach_status_change(incident=incident, actor=officer, to=S.ASSESSED)
    assert _status(incident) == S.ASSESSED


def test_the_whole_path_to_closed_with_history(officer):
    incident = record(officer, NOW - dt.timedelta(hours=3), **complete())
    for to in (S.ASSESSED, S.NOTIFYING, S.NOTIFIED, S.CLOSED):
        services.breach_status_change(incident=incident, actor=officer, to=to)
        assert _status(incident) == to
    reasons = list(incident.history.values_list("history_change_reason", flat=True))
    assert [r for r in reasons if r.startswith("status:")] == [
        "status: closed",
        "status: notified",
        "status: notifying",
        "status: assessed",
    ]
    assert all(h.history_user_id == officer.pk for h in incident.history.all())


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ((), S.NOTIFYING),  # detected → notifying skips the assessment
        ((), S.NOT_A_BREACH),
        ((), S.CLOSED),
        ((S.ASSESSED,), S.NOTIFIED),
        ((S.ASSESSED,), S.DETECTED),
        ((S.ASSESSED, S.NOTIFYING), S.CLOSED),
        ((S.ASSESSED, S.NOTIFYING, S.NOTIFIED, S.CLOSED), S.NOTIFYING),
    ],
)
def test_transitions_not_in_the_table_are_refused(officer, path, refused):
    incident = record(officer, NOW - dt.timedelta(hours=3), **complete())
    for to in path:
        services.breach_status_change(incident=incident, actor=officer, to=to)
    before = incident.history.count()
    with pytest.raises(DomainError, match="cannot become"):
        services.breach_status_change(incident=incident, actor=officer, to=refused)
    assert _status(incident) == (path[-1] if path else S.DETECTED)
    assert incident.history.count() == before


def test_not_a_breach_names_who_decided_and_why_and_is_final(officer):
    incident = record(officer, NOW - dt.timedelta(hours=3), **complete())
    services.breach_status_change(incident=incident, actor=officer, to=S.ASSESSED)
    with pytest.raises(DomainError):
        services.breach_status_change(incident=incident, actor=officer, to=S.NOT_A_BREACH)
    assert _status(incident) == S.ASSESSED
    services.breach_status_change(
        incident=incident,
        actor=officer,
        to=S.NOT_A_BREACH,
        reason="The laptop's disk was encrypted.",
    )
    incident.refresh_from_db()
    assert (incident.status, incident.decided_by, incident.decision_reason) == (
        S.NOT_A_BREACH,
        officer,
        "The laptop's disk was encrypted.",
    )
    with pytest.raises(DomainError):
        services.breach_status_change(incident=incident, actor=officer, to=S.NOTIFYING)


def test_the_database_refuses_an_undecided_not_a_breach(incident):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        BreachIncident.objects.filter(pk=incident.pk).update(
            status=S.NOT_A_BREACH, kind="loss", severity="low"
        )


def test_starting_the_notification_of_an_assessed_incident_makes_it_notifying(officer, customer):

    incident = record(officer, NOW - dt.timedelta(hours=3), **complete())
    services.breach_status_change(incident=incident, actor=officer, to=S.ASSESSED)
    services.breach_add_affected(incident=incident, customer_ids=[customer.pk], actor=officer)
    services.breach_notification_start(incident=incident, actor=officer)
    assert _status(incident) == S.NOTIFYING


# --- filing -----------------------------------------------------------------------------------


def test_filing_is_refused_until_the_content_is_complete(officer, incident):
    with pytest.raises(DomainError) as refused:
        services.breach_file(incident=incident, actor=officer, reference="REG-1")
    message = refused.value.messages[0]
    for missing in (
        "the categories of people",
        "the approximate number of people",
        "the likely consequences",
        "the measures taken",
        "the person responsible for processing",
        "their contacts",
    ):
        assert missing in message
    assert not BreachFiling.objects.exists()


def test_filing_records_who_when_what_and_on_time(officer):
    incident = record(officer, NOW - dt.timedelta(hours=3), **complete())
    filing = services.breach_file(incident=incident, actor=officer, reference="REG-2026-15")
    filing.refresh_from_db()
    assert (filing.filed_by, filing.reference, filing.filed_at) == (officer, "REG-2026-15", NOW)
    assert (filing.due_on, filing.filed_late) == (dt.date(2026, 11, 26), False)
    assert "A. Seitkali" in filing.text_ru and "dpo@homeshop.example" in filing.text_kk
    assert "Уведомление о нарушении безопасности персональных данных" in filing.text_ru
    assert "Дербес деректер қауіпсіздігінің бұзылуы туралы хабарлама" in filing.text_kk
    assert filing.content["people_estimate"] == 120
    with pytest.raises(DomainError, match="already filed"):
        services.breach_file(incident=incident, actor=officer, reference="REG-2")


def test_a_filing_after_the_due_day_is_late_and_stays_late(officer):
    # Detected Monday 23 Nov: due the end of Tuesday 24 Nov; filed today, 25 Nov.
    incident = record(officer, dt.datetime(2026, 11, 23, 10, 0, tzinfo=NOW.tzinfo), **complete())
    filing = services.breach_file(incident=incident, actor=officer, reference="REG-3")
    assert filing.filed_late is True
    with pytest.raises(ImmutableRecordError), transaction.atomic():
        filing.filed_late = False
        filing.save()
    filing.refresh_from_db()
    assert filing.filed_late is True


def test_filed_content_cannot_change(officer):
    incident = record(officer, NOW - dt.timedelta(hours=3), **complete())
    services.breach_file(incident=incident, actor=officer, reference="REG-4")
    incident.refresh_from_db()
    incident.people_estimate = 5
    with pytest.raises(DomainError, match="filed with the regulator"):
        services.breach_save(incident=incident, actor=officer, reason="edited")
    incident.refresh_from_db()
    assert incident.people_estimate == 120
    # What is not in the filing (the remediation continues) may still be written.
    incident.remediation_notes = "Couriers trained; manifests are now digital only."
    services.breach_save(incident=incident, actor=officer, reason="edited")
    incident.refresh_from_db()
    assert incident.remediation_notes.startswith("Couriers trained")


def test_the_filing_keeps_the_remediation_it_stated(officer):
    incident = record(
        officer, NOW - dt.timedelta(hours=3), **complete(remediation_notes="Planned: training.")
    )
    services.breach_file(incident=incident, actor=officer, reference="REG-5")
    assert incident.filing.content["remediation_notes"] == "Planned: training.", (
        "what was sent is kept with the filing"
    )


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_a_filing(officer):
    incident = record(officer, NOW - dt.timedelta(hours=3), **complete())
    filing = services.breach_file(incident=incident, actor=officer, reference="REG-6")
    for sql in (
        "UPDATE disclosures_breachfiling SET filed_late = true WHERE id = %s",
        "UPDATE disclosures_breachfiling SET text_ru = 'x' WHERE id = %s",
        "DELETE FROM disclosures_breachfiling WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [filing.pk])
    filing.refresh_from_db()
    assert (filing.filed_late, filing.reference) == (False, "REG-6")


def test_a_not_a_breach_is_not_filed(officer):
    incident = record(officer, NOW - dt.timedelta(hours=3), **complete())
    services.breach_status_change(incident=incident, actor=officer, to=S.ASSESSED)
    services.breach_status_change(
        incident=incident, actor=officer, to=S.NOT_A_BREACH, reason="A false alarm."
    )
    with pytest.raises(DomainError, match="not filed"):
        services.breach_file(incident=incident, actor=officer, reference="REG-7")
