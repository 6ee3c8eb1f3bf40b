"""The incident page: status and the regulator's date first, the filing, the document,
and incidents due today or overdue standing out in the list and on the admin index."""

import datetime as dt

import pytest
from django.urls import reverse

from disclosures import services
from disclosures.models import BreachFiling, BreachIncident
from tests.disclosures.conftest import ALMATY, NOW
from tests.disclosures.test_breach_clock import complete, record
from tests.disclosures.test_breaches import admin_breach_form


@pytest.fixture
def due_today(officer):
    # Detected yesterday (Tuesday 24 Nov): due the end of today, Wednesday 25 Nov.
    return record(officer, dt.datetime(2026, 11, 24, 16, 0, tzinfo=ALMATY), **complete())


@pytest.fixture
def overdue(officer):
    return record(officer, dt.datetime(2026, 11, 23, 10, 0, tzinfo=ALMATY), reference="BR-OLD")


def change_url(incident):
    return reverse("admin:disclosures_breachincident_change", args=[incident.pk])


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Status and the regulator", "due today", "Detected", "→ Assessed"]),
        ("ru", ["Статус и уведомление регулятора", "Срок сегодня", "Обнаружен", "→ Оценён"]),
        ("kk", ["Мәртебе және реттеушіге хабарлау", "Мерзімі бүгін", "Анықталды", "→ Бағаланды"]),
    ],
)
def test_the_incident_page_shows_status_date_and_actions_in_each_language(
    client, officer, due_today, language, words
):
    client.force_login(officer)
    page = client.get(change_url(due_today), HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    for word in words:
        assert word.lower() in html.lower(), word


def test_status_is_changed_from_its_page(client, officer, due_today):
    client.force_login(officer)
    url = reverse("admin:disclosures_breachincident_status", args=[due_today.pk])
    assert client.get(url, {"to": "assessed"}).status_code == 200
    refused = client.post(url, {"to": "closed", "reason": ""})
    assert refused.status_code == 200  # not an allowed choice: the form says so
    due_today.refresh_from_db()
    assert due_today.status == BreachIncident.Status.DETECTED
    response = client.post(url, {"to": "assessed", "reason": ""})
    assert response.status_code == 302
    due_today.refresh_from_db()
    assert due_today.status == BreachIncident.Status.ASSESSED


def test_the_filing_is_recorded_from_its_page_and_refused_while_incomplete(
    client, officer, due_today, overdue
):
    client.force_login(officer)
    incomplete = reverse("admin:disclosures_breachincident_file", args=[overdue.pk])
    page = client.post(incomplete, {"reference": "REG-1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "still lacks" in page.content.decode()
    assert not BreachFiling.objects.exists()
    url = reverse("admin:disclosures_breachincident_file", args=[due_today.pk])
    assert client.post(url, {"reference": "REG-2026-15"}).status_code == 302
    filing = BreachFiling.objects.get()
    assert (filing.incident, filing.filed_by, filing.filed_late) == (due_today, officer, False)
    page = client.get(change_url(due_today), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "reference REG-2026-15" in page
    # Frozen: what was filed is shown read-only.
    assert 'name="people_estimate"' not in page


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_filing_document_downloads_as_a_pdf(client, officer, due_today, language):
    services.breach_file(incident=due_today, actor=officer, reference="REG-9")
    client.force_login(officer)
    url = reverse("admin:disclosures_breachincident_filing_document", args=[due_today.pk, language])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"-filing-{language}.pdf" in response["Content-Disposition"]


def test_an_unknown_document_language_is_not_found(client, officer, due_today):
    client.force_login(officer)
    url = reverse("admin:disclosures_breachincident_filing_document", args=[due_today.pk, "de"])
    assert client.get(url).status_code == 404


def test_due_today_and_overdue_stand_out_in_the_list_and_on_the_index(
    client, officer, due_today, overdue
):
    later = record(officer, NOW - dt.timedelta(hours=1), reference="BR-NEW")
    client.force_login(officer)
    listing = client.get(
        reverse("admin:disclosures_breachincident_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'class="breach-due overdue"' in listing and 'class="breach-due today"' in listing
    assert 'class="breach-due later"' in listing
    filtered = client.get(
        reverse("admin:disclosures_breachincident_changelist"), {"regulator": "overdue"}
    )
    assert [i.reference for i in filtered.context["cl"].result_list] == ["BR-OLD"]
    index = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "BR-OLD" in index and "OVERDUE" in index
    assert "BR-1" in index and "by the end of today" in index
    assert later.reference not in index


def test_the_index_banner_is_not_shown_to_support(client, support_agent, overdue):
    client.force_login(support_agent)
    index = client.get(reverse("admin:index")).content.decode()
    assert "BR-OLD" not in index


def test_the_severity_definitions_are_shown_in_the_form(client, officer):
    client.force_login(officer)
    page = client.get(
        reverse("admin:disclosures_breachincident_add"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Critical: payment or identity data" in page
    assert "Low: little data of few people" in page


def test_an_incident_added_in_the_admin_gets_its_regulator_date(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("admin:disclosures_breachincident_add"),
        admin_breach_form(
            kind="unauthorised_disclosure", severity="high", source="customer_report"
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = BreachIncident.objects.get()
    assert (incident.kind, incident.severity, incident.source) == (
        "unauthorised_disclosure",
        "high",
        "customer_report",
    )
    assert incident.regulator_due_on == dt.date(2026, 11, 26)
