"""6.2 due dates on Kazakhstan's calendar.

Every expected date below was counted by hand: day 1 is the day after receipt (Civil
Code of RK art. 175), day N is the last day, and a non-working last day moves the end
to the next working day (art. 174). Holidays are those of the Law "On holidays in the
Republic of Kazakhstan"; a holiday that falls on a weekend gives the next working day off
(Labour Code art. 85); since 2022 only 16 December is Independence Day.
"""

from datetime import date, datetime

import pytest
from django.utils import translation

from homeshop_privacy.calendar import KZ_TZ, DayKind, day_status, local_date, term_deadline
from homeshop_privacy.models import CalendarOverride


def almaty(*args) -> datetime:
    return datetime(*args, tzinfo=KZ_TZ)


@pytest.mark.django_db
def test_plain_weekday_is_the_thirtieth_day():
    # Received Mon 2 Nov 2026; day 30 = Wed 2 Dec 2026, an ordinary working day.
    deadline = term_deadline(received=almaty(2026, 11, 2, 10, 0))
    assert deadline.due_on == date(2026, 12, 2)
    assert not deadline.moved
    assert deadline.explanation() == ""


@pytest.mark.django_db
def test_thirtieth_day_on_a_saturday_moves_to_monday():
    # Received Thu 1 Oct 2026; day 30 = Sat 31 Oct; Sun 1 Nov; Mon 2 Nov is working.
    deadline = term_deadline(received=almaty(2026, 10, 1, 12, 0))
    assert deadline.last_day == date(2026, 10, 31)
    assert deadline.due_on == date(2026, 11, 2)
    with translation.override("en"):
        assert deadline.explanation() == (
            "31 October is a Saturday, 1 November is a Sunday → 2 November"
        )


@pytest.mark.django_db
def test_thirtieth_day_on_independence_day_moves_to_the_seventeenth():
    # Received Mon 16 Nov 2026; day 30 = Wed 16 Dec 2026, Independence Day; Thu 17 Dec has
    # been a working day since 2022 (the second Independence Day was abolished).
    deadline = term_deadline(received=almaty(2026, 11, 16, 9, 0))
    assert deadline.due_on == date(2026, 12, 17)
    assert [s.kind for s in deadline.skipped] == [DayKind.HOLIDAY]
    with translation.override("en"):
        assert deadline.explanation() == (
            "16 December is a public holiday (Independence Day) → 17 December"
        )


@pytest.mark.django_db
def test_term_ending_in_the_nauryz_run_moves_past_the_moved_days_off():
    # Received Thu 19 Feb 2026. 2026 is not a leap year: 20–28 Feb are days 1–9,
    # 1–21 Mar days 10–30, so day 30 = Sat 21 Mar 2026. Nauryz is 21–23 Mar; 21 (Sat) and
    # 22 (Sun) fall on the weekend, so Tue 24 and Wed 25 Mar are days off in their place.
    # The first working day is Thu 26 Mar 2026.
    deadline = term_deadline(received=almaty(2026, 2, 19, 15, 0))
    assert deadline.last_day == date(2026, 3, 21)
    assert deadline.due_on == date(2026, 3, 26)
    assert [s.day.day for s in deadline.skipped] == [21, 22, 23, 24, 25]
    with translation.override("en"):
        assert deadline.explanation() == (
            "21 March is a public holiday (Nauryz), 22 March is a public holiday (Nauryz), "
            "23 March is a public holiday (Nauryz), 24 March is a day off in place of Nauryz, "
            "25 March is a day off in place of Nauryz → 26 March"
        )


@pytest.mark.django_db
def test_term_across_new_year_skips_the_holidays_and_the_weekend():
    # Received Tue 2 Dec 2025; Dec 2025 has 31 days, so day 29 = 31 Dec and day 30 =
    # Thu 1 Jan 2026 (New Year); Fri 2 Jan (New Year), Sat 3, Sun 4; Mon 5 Jan 2026.
    deadline = term_deadline(received=almaty(2025, 12, 2, 11, 0))
    assert deadline.last_day == date(2026, 1, 1)
    assert deadline.due_on == date(2026, 1, 5)


@pytest.mark.django_db
def test_receipt_counts_on_the_almaty_date_not_the_utc_date():
    # 00:30 on Thu 1 Oct 2026 in Almaty (UTC+5) is 19:30 UTC on Wed 30 Sep: the UTC date
    # is the day before. The term runs from the Almaty date: day 30 = Sat 31 Oct → Mon
    # 2 Nov. Counting from the UTC date would give Fri 30 Oct, a working day.
    received = datetime.fromisoformat("2026-09-30T19:30:00+00:00")
    assert local_date(received) == date(2026, 10, 1)
    assert term_deadline(received=received).due_on == date(2026, 11, 2)


@pytest.mark.django_db
def test_late_evening_receipt_in_almaty_counts_on_that_day():
    # 23:30 on Wed 30 Sep 2026 in Almaty is 18:30 UTC the same day: day 30 = Fri 30 Oct.
    received = almaty(2026, 9, 30, 23, 30)
    assert term_deadline(received=received).due_on == date(2026, 10, 30)


@pytest.mark.django_db
def test_ten_day_term():
    # A 10-day category: received Mon 2 Nov 2026; day 10 = Thu 12 Nov 2026, working.
    deadline = term_deadline(received=almaty(2026, 11, 2, 10, 0), term_days=10)
    assert deadline.due_on == date(2026, 11, 12)


@pytest.mark.django_db
def test_weekend_made_a_working_day_by_decree_ends_the_term():
    # Decree of 2024: Fri 3 Jan 2025 is a day off, Sun 5 Jan 2025 a working day in its
    # place. Received Wed 4 Dec 2024: day 30 = Fri 3 Jan (day off), Sat 4 Jan; Sun 5 Jan
    # is the working day.
    deadline = term_deadline(received=almaty(2024, 12, 4, 10, 0))
    assert deadline.due_on == date(2025, 1, 5)
    assert deadline.skipped[0].kind == DayKind.MOVED_DAY_OFF
    with translation.override("en"):
        assert deadline.explanation() == (
            "3 January is a day off moved from 5 January, 4 January is a Saturday → 5 January"
        )


@pytest.mark.django_db
def test_officer_added_day_off_moves_the_deadline():
    # Plain case above (due Wed 2 Dec 2026) with a one-off day off on that Wednesday.
    CalendarOverride.objects.create(
        day=date(2026, 12, 2), kind=CalendarOverride.Kind.DAY_OFF, note="Decree No. 1"
    )
    deadline = term_deadline(received=almaty(2026, 11, 2, 10, 0))
    assert deadline.due_on == date(2026, 12, 3)
    with translation.override("en"):
        assert deadline.explanation() == "2 December is a day off (Decree No. 1) → 3 December"


@pytest.mark.django_db
def test_officer_added_working_saturday_ends_the_term_there():
    # Day 30 = Sat 31 Oct 2026 (see above), declared a working day by an officer.
    CalendarOverride.objects.create(
        day=date(2026, 10, 31), kind=CalendarOverride.Kind.WORKING_DAY, note="Decree No. 2"
    )
    assert term_deadline(received=almaty(2026, 10, 1, 12, 0)).due_on == date(2026, 10, 31)


@pytest.mark.django_db
def test_reason_is_given_in_russian():
    deadline = term_deadline(received=almaty(2026, 10, 1, 12, 0))
    with translation.override("ru"):
        assert deadline.explanation() == "31 октября — суббота, 1 ноября — воскресенье → 2 ноября"


@pytest.mark.django_db
def test_holiday_is_named_in_kazakh():
    with translation.override("kk"):
        assert day_status(date(2026, 12, 16)).reason() == (
            "16 желтоқсан — мереке күні (Тәуелсіздік күні)"
        )


def test_naive_moment_is_refused():
    with pytest.raises(ValueError):
        local_date(datetime(2026, 10, 1, 0, 30))
