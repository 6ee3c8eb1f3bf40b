"""Issue 14: the claims list, in each of its filters and searches, runs as many queries
with more claims, and a filtered list keeps the list's order (open claims first, each side
by due date) whichever index reads it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import services
from claims.models import Claim
from tests.factories import StaffFactory

from .factories import ClaimCategoryFactory, almaty, approved_and_sent, register

pytestmark = pytest.mark.django_db

LIST = reverse("admin:claims_claim_changelist")


def claims_of_every_kind(officer, *, n: int) -> list[Claim]:
    """``n`` claims in each state the list's filters tell apart."""
    category = ClaimCategoryFactory(code="queries", term_days=30)
    made = []
    for i in range(n):
        due_today = register(category=category, received_at=almaty(2026, 10, 26, 9, i))
        overdue = register(category=category, received_at=almaty(2026, 10, 1, 9, i))
        later = register(
            category=category,
            received_at=almaty(2026, 11, 20, 9, i),
            channel=Claim.Channel.POST,
            assignee=officer,
        )
        paused = register(category=category, received_at=almaty(2026, 11, 10, 9, i))
        services.claim_pause(claim=paused, actor=officer, reason="Ждём документы")
        answered = register(category=category, received_at=almaty(2026, 11, 3, 9, i))
        approved_and_sent(answered, author=officer)
        closed = register(category=category, received_at=almaty(2026, 11, 4, 9, i))
        approved_and_sent(closed, author=officer)
        services.claim_close(claim=closed, actor=officer, outcome=Claim.Outcome.SETTLED)
        made += [due_today, overdue, later, paused, answered, closed]
    return made


def urls(officer, category) -> list[str]:
    return [
        LIST,
        f"{LIST}?status__exact=received",
        f"{LIST}?status__exact=answered",
        f"{LIST}?status__in=received,in_review",
        f"{LIST}?status__in=received,closed",
        f"{LIST}?outcome__exact=settled",
        f"{LIST}?channel__exact=post",
        f"{LIST}?category__id__exact={category.pk}",
        f"{LIST}?assignee__id__exact={officer.pk}",
        *(f"{LIST}?due={due}" for due in ("overdue", "today", "week", "paused")),
        f"{LIST}?q=aigerim@example.kz",
        f"{LIST}?q=Айгерим",
        f"{LIST}?q=PR-2611-ZZZZZ",
        f"{LIST}?p=2",
    ]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_each_filter_and_search_runs_as_many_queries_with_more_claims(
    client, officer, time_machine, django_assert_max_num_queries, monkeypatch
):
    from claims.admin import ClaimAdmin

    monkeypatch.setattr(ClaimAdmin, "list_per_page", 4)  # a second page with few claims
    time_machine.move_to(almaty(2026, 11, 25, 10, 0), tick=False)
    client.force_login(officer)
    claims_of_every_kind(officer, n=1)
    category = ClaimCategoryFactory(code="queries")
    before = {url: _count(client, url) for url in urls(officer, category)}
    claims_of_every_kind(officer, n=3)
    StaffFactory()  # one more person in the assignee filter's choices
    for url, queries in before.items():
        with django_assert_max_num_queries(queries, info=url):
            response = client.get(url)
        assert response.status_code == 200


def test_a_filtered_list_keeps_the_lists_order(client, officer, time_machine):
    time_machine.move_to(almaty(2026, 11, 25, 10, 0), tick=False)
    claims_of_every_kind(officer, n=2)
    client.force_login(officer)
    everything = [c.pk for c in client.get(LIST).context["cl"].result_list]
    assert len(everything) == 12
    statuses = dict(Claim.objects.values_list("pk", "status"))
    assert [statuses[pk] in Claim.OPEN_STATUSES for pk in everything] == [True] * 8 + [False] * 4
    category = ClaimCategoryFactory(code="queries")
    for url in urls(officer, category)[1:13]:
        shown = [c.pk for c in client.get(url).context["cl"].result_list]
        assert shown, url
        # The rows a filter shows, in the very order of the whole list.
        assert shown == [pk for pk in everything if pk in set(shown)], url


@pytest.mark.parametrize("at_most", [1, 1000])
def test_a_word_search_lists_every_match_however_many(client, officer, monkeypatch, at_most):
    """A few matches are listed by their ids, more by the search itself: the same claims."""
    from claims import admin as claims_admin

    monkeypatch.setattr(claims_admin, "SEARCH_IDS_AT_MOST", at_most)
    wanted = [register(subject=f"Возврат телевизора {n}") for n in range(3)]
    register(subject="Доставка")
    client.force_login(officer)
    response = client.get(LIST, {"q": "телевизор"})
    assert sorted(c.pk for c in response.context["cl"].result_list) == sorted(c.pk for c in wanted)
