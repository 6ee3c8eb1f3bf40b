"""Issue 14: the claims dashboard reads kept tallies, never the whole table, and its
figures stay exactly those of a full recount through every change of a claim."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import selectors, services
from claims.models import Claim, ClaimTally
from homeshop_privacy.calendar import KZ_TZ
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import CalendarOverride
from tests.factories import StaffFactory

from .factories import ClaimCategoryFactory, almaty, approved_and_sent, register

pytestmark = pytest.mark.django_db


def recount(today: date) -> selectors.Dashboard:
    """The dashboard counted claim by claim, as the list's due-date views filter them."""
    claims = list(Claim.objects.all())
    open_ = [c for c in claims if c.status in Claim.OPEN_STATUSES]
    running = [c for c in open_ if c.paused_on is None]
    since = today - timedelta(days=selectors.ON_TIME_WINDOW_DAYS)
    answered = [
        c
        for c in claims
        if c.answered_at is not None and c.answered_at.astimezone(KZ_TZ).date() >= since
    ]
    return selectors.Dashboard(
        open=len(open_),
        due_this_week=sum(today <= c.due_on <= today + timedelta(days=7) for c in running),
        due_today=sum(c.due_on == today for c in running),
        overdue=sum(c.due_on < today for c in running),
        answered_recently=len(answered),
        answered_on_time=sum(bool(c.answered_on_time) for c in answered),
    )


def kept() -> dict:
    return {(t.kind, t.day): t.claims for t in ClaimTally.objects.all()}


def assert_exact(today: date) -> selectors.Dashboard:
    dashboard = selectors.claims_dashboard(today=today)
    assert dashboard == recount(today)
    assert kept() == selectors.claim_tallies_counted()
    assert all(claims > 0 for claims in kept().values())  # emptied days leave the table
    return dashboard


def test_dashboard_equals_a_full_recount_through_every_kind_of_change(officer, time_machine):
    time_machine.move_to(almaty(2026, 11, 25, 10, 0), tick=False)
    today = date(2026, 11, 25)
    category = ClaimCategoryFactory(code="dash", term_days=30)
    shorter = ClaimCategoryFactory(code="dash-short", term_days=10)

    due_today = register(category=category, received_at=almaty(2026, 10, 26, 10, 0))
    overdue = register(category=category, received_at=almaty(2026, 10, 1, 10, 0))
    later = [register(category=category, received_at=almaty(2026, 11, d, 10, 0)) for d in (2, 20)]
    assert due_today.due_on == today and overdue.due_on < today
    first = assert_exact(today)
    assert (first.open, first.due_today, first.overdue) == (4, 1, 1)

    services.claim_review_start(claim=later[0], actor=officer)
    assert_exact(today)
    services.claim_pause(claim=later[0], actor=officer, reason="Ждём документы")
    paused = assert_exact(today)
    assert paused.open == 4 and paused.due_this_week == 1  # a paused claim is not due
    time_machine.move_to(almaty(2026, 11, 27, 10, 0), tick=False)
    today = date(2026, 11, 27)
    services.claim_resume(claim=later[0], actor=officer, reason="Документы получены")
    assert_exact(today)
    services.claim_extend(claim=later[1], actor=officer, days=5, reason="Экспертиза")
    assert_exact(today)
    # A shorter category moves the due date (a recompute).
    services.claim_update(
        claim=later[1], actor=officer, assignee=officer, internal_notes="", category=shorter
    )
    assert_exact(today)

    # Answers: one on time, one late (the overdue claim), one closed afterwards.
    approved_and_sent(later[0], author=officer)
    approved_and_sent(overdue, author=officer)
    answered = assert_exact(today)
    assert (answered.answered_recently, answered.answered_on_time) == (2, 1)
    services.claim_close(claim=later[0], actor=officer, outcome=Claim.Outcome.SETTLED)
    assert_exact(today)

    # The calendar changes: a day off moves a claim not yet due (claims_deadlines_recompute).
    before = Claim.objects.get(pk=later[1].pk).due_on
    CalendarOverride.objects.create(day=before, kind=CalendarOverride.Kind.DAY_OFF, note="decree")
    assert Claim.objects.get(pk=later[1].pk).due_on > before
    assert_exact(today)

    # Days pass: the same tallies give today's tiles (nothing is written at midnight).
    for day in (today + timedelta(days=n) for n in (1, 10, 40, 120)):
        assert_exact(day)


def test_a_refused_change_moves_no_tally(officer, time_machine):
    time_machine.move_to(almaty(2026, 12, 7, 10, 0), tick=False)
    claim = register(received_at=almaty(2026, 11, 2, 10, 0))  # due 2 Dec: overdue
    before = kept()
    with pytest.raises(DomainError):
        services.claim_pause(claim=claim, actor=officer, reason="Поздно")
    assert kept() == before
    assert_exact(date(2026, 12, 7))


def test_rebuild_counts_the_claims_again(officer, time_machine):
    time_machine.move_to(almaty(2026, 11, 25, 10, 0), tick=False)
    claims = [register(received_at=almaty(2026, 11, d, 10, 0)) for d in (2, 3, 3)]
    approved_and_sent(claims[0], author=officer)
    expected = kept()
    ClaimTally.objects.all().delete()
    assert selectors.claims_dashboard(today=date(2026, 11, 25)).open == 0
    assert services.claim_tallies_rebuild() == len(expected)
    assert kept() == expected
    assert_exact(date(2026, 11, 25))


def test_dashboard_is_one_query_however_many_claims(time_machine, django_assert_num_queries):
    time_machine.move_to(almaty(2026, 11, 25, 10, 0), tick=False)
    agent = StaffFactory()
    for day in range(1, 25):
        register(received_at=almaty(2026, 11, day, 10, 0), assignee=agent)
    with django_assert_num_queries(1):
        dashboard = selectors.claims_dashboard(today=date(2026, 11, 25))
    assert dashboard.open == 24
    with CaptureQueriesContext(connection) as ctx:
        selectors.claims_dashboard(today=date(2026, 11, 25))
    assert 'claims_claim"' not in ctx.captured_queries[0]["sql"]  # not the claims table
