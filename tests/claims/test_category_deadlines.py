"""Attack review, finding 2: a claim's due date cannot be moved later through its category
(6.2; the rule of issue 9 §3 for pauses and extensions)."""

from datetime import date

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimCategory, ClaimDeadlineChange
from homeshop_privacy.errors import DomainError

from .factories import ClaimCategoryFactory, almaty, register

pytestmark = pytest.mark.django_db


def _category_form(category, **changes):
    data = {
        "code": category.code,
        "name": category.name,
        "name_kk": category.name_kk,
        "name_en": category.name_en,
        "term_days": category.term_days,
        "term_unit": category.term_unit,
        "answer_template_ru": category.answer_template_ru,
        "answer_template_kk": category.answer_template_kk,
        "answer_template_en": category.answer_template_en,
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_support_agent_cannot_change_a_categorys_term(client, support_agent):
    category = ClaimCategoryFactory(code="short", term_days=10)
    client.force_login(support_agent)
    url = reverse("admin:claims_claimcategory_change", args=[category.pk])
    assert client.get(url).status_code == 200  # reading stays allowed
    response = client.post(url, _category_form(category, term_days=30))
    assert response.status_code == 403
    category.refresh_from_db()
    assert category.term_days == 10


def test_support_agent_cannot_add_a_category(client, support_agent):
    client.force_login(support_agent)
    response = client.post(
        reverse("admin:claims_claimcategory_add"),
        _category_form(ClaimCategory(code="new", name="Новая", term_days=30)),
    )
    assert response.status_code == 403
    assert not ClaimCategory.objects.filter(code="new").exists()


def test_officer_may_still_change_a_categorys_term(client, officer):
    category = ClaimCategoryFactory(code="short", term_days=10)
    client.force_login(officer)
    url = reverse("admin:claims_claimcategory_change", args=[category.pk])
    assert client.post(url, _category_form(category, term_days=15)).status_code == 302
    category.refresh_from_db()
    assert category.term_days == 15


def _overdue_claim(time_machine, assignee):
    short = ClaimCategoryFactory(code="short", term_days=10)
    claim = register(category=short, received_at=almaty(2026, 11, 2, 10, 0), assignee=assignee)
    assert claim.due_on == date(2026, 11, 12)
    time_machine.move_to("2026-11-20T06:00:00+00:00", tick=False)  # 8 days overdue
    return claim


@pytest.mark.parametrize("role", ["support_agent", "officer"])
def test_category_change_cannot_move_an_overdue_claims_due_date_later(
    request, client, time_machine, role
):
    actor = request.getfixturevalue(role)
    claim = _overdue_claim(time_machine, actor)
    longer = ClaimCategoryFactory(code="long", term_days=30)
    client.force_login(actor)
    response = client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        {
            "category": longer.pk,
            "assignee": actor.pk,
            "internal_notes": "",
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
            "deadline_changes-TOTAL_FORMS": "0",
            "deadline_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "12" in str(response.context["adminform"].form.errors["category"])
    claim.refresh_from_db()
    assert (claim.category.code, claim.due_on, claim.term_days) == ("short", date(2026, 11, 12), 10)
    assert not ClaimDeadlineChange.objects.filter(claim=claim).exists()


def test_service_refuses_a_later_due_date_for_an_overdue_claim(officer, time_machine):
    claim = _overdue_claim(time_machine, officer)
    longer = ClaimCategoryFactory(code="long", term_days=30)
    with pytest.raises(DomainError):
        services.claim_update(
            claim=claim, actor=officer, assignee=officer, internal_notes="", category=longer
        )
    claim.refresh_from_db()
    assert claim.due_on == date(2026, 11, 12)


def test_category_change_of_a_claim_not_yet_due_still_moves_its_term(officer, time_machine):
    short = ClaimCategoryFactory(code="short", term_days=10)
    claim = register(category=short, received_at=almaty(2026, 11, 2, 10, 0), assignee=officer)
    time_machine.move_to("2026-11-05T06:00:00+00:00", tick=False)
    longer = ClaimCategoryFactory(code="long", term_days=30)
    services.claim_update(
        claim=claim, actor=officer, assignee=officer, internal_notes="", category=longer
    )
    claim.refresh_from_db()
    assert (claim.status, claim.due_on) == (Claim.Status.RECEIVED, date(2026, 12, 2))


def test_a_calendar_change_cannot_move_an_overdue_claims_due_date_later(officer):
    # Re-attack review: days off entered after the due date moved an overdue claim's date
    # past today, and its late answer was then recorded as on time.
    import time_machine

    from homeshop_privacy.models import CalendarOverride

    claim = register(received_at=almaty(2026, 11, 2, 10, 0))  # due Wed 2 Dec 2026
    with time_machine.travel(almaty(2026, 12, 7, 10, 0), tick=False):
        for day in (2, 3, 4):
            CalendarOverride.objects.create(
                day=date(2026, 12, day), kind=CalendarOverride.Kind.DAY_OFF, note="decree"
            )
        claim.refresh_from_db()
        assert claim.due_on == date(2026, 12, 2)
        assert not ClaimDeadlineChange.objects.filter(claim=claim).exists()


def test_a_calendar_change_still_moves_a_claim_not_yet_due(officer):
    import time_machine

    from homeshop_privacy.models import CalendarOverride

    claim = register(received_at=almaty(2026, 11, 2, 10, 0))  # due Wed 2 Dec 2026
    with time_machine.travel(almaty(2026, 12, 1, 10, 0), tick=False):
        CalendarOverride.objects.create(
            day=date(2026, 12, 2), kind=CalendarOverride.Kind.DAY_OFF, note="decree"
        )
    claim.refresh_from_db()
    assert claim.due_on == date(2026, 12, 3)
