"""Issue 13: from 1 November the admin index asks an officer to confirm next year's
calendar (the package's days off and the overrides side by side) and records who did."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from homeshop_privacy import calendar
from homeshop_privacy.models import CalendarConfirmation, CalendarOverride

pytestmark = pytest.mark.django_db

YEAR_PAGE = reverse("admin:homeshop_privacy_calendaroverride_year", args=[2027])


def test_no_question_before_november():
    assert calendar.year_to_confirm(date(2026, 10, 31)) is None
    assert calendar.year_to_confirm(date(2026, 11, 1)) == 2027
    assert calendar.year_to_confirm(date(2026, 12, 31)) == 2027


def test_the_year_lists_package_days_off_and_overrides_side_by_side():
    CalendarOverride.objects.create(
        day=date(2027, 1, 8), kind=CalendarOverride.Kind.DAY_OFF, note="Постановление № 1"
    )
    rows = {row.day: row for row in calendar.year_review(2027)}
    assert date(2027, 1, 1) in rows  # New Year's Day, from the package
    assert not rows[date(2027, 1, 1)].working
    assert rows[date(2027, 1, 8)].override_note == "Постановление № 1"
    assert not rows[date(2027, 1, 8)].working
    assert date(2027, 1, 13) not in rows  # a plain Wednesday is not listed


@time_machine.travel("2026-11-02T06:00:00+05:00", tick=False)
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", "Никто ещё не подтвердил производственный календарь на 2027 год"),
        ("kk", "2027 жылғы жұмыс күндерінің күнтізбесін әлі ешкім растаған жоқ"),
        ("en", "Nobody has confirmed the working-day calendar of 2027 yet"),
    ],
)
def test_the_index_asks_until_an_officer_confirms(client, officer, language, words):
    client.force_login(officer)
    assert words in client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    page = client.get(YEAR_PAGE, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    response = client.post(YEAR_PAGE)
    assert response.status_code == 302
    confirmation = CalendarConfirmation.objects.get(year=2027)
    assert confirmation.confirmed_by == officer
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words not in index
    assert officer.email in index


@time_machine.travel("2026-10-20T06:00:00+05:00", tick=False)
def test_no_question_in_october(client, officer):
    client.force_login(officer)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "working-day calendar of" not in page


def test_an_auditor_reads_the_year_but_cannot_confirm(client, auditor):
    client.force_login(auditor)
    assert client.get(YEAR_PAGE).status_code == 200
    assert client.post(YEAR_PAGE).status_code == 403
    assert not CalendarConfirmation.objects.exists()


def test_a_support_agent_does_not_see_the_calendar(client, support_agent):
    client.force_login(support_agent)
    assert client.get(YEAR_PAGE).status_code == 403
