"""6.2: pauses and extensions change the stored due date only through the services."""

from datetime import date

import pytest
import time_machine

from claims import services
from claims.models import ClaimDeadlineChange
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import CalendarOverride

from .factories import almaty, register


@pytest.mark.django_db
def test_pause_and_resume_add_the_paused_days_to_the_term(officer, time_machine):
    # Received Mon 2 Nov 2026, due Wed 2 Dec. Paused 10 Nov, resumed 17 Nov: 7 days are
    # added, day 37 = Wed 9 Dec 2026, a working day.
    claim = register(received_at=almaty(2026, 11, 2, 10, 0))
    time_machine.move_to("2026-11-17T06:00:00+00:00", tick=False)
    services.claim_pause(
        claim=claim, actor=officer, reason="Ждём копию чека", on=date(2026, 11, 10)
    )
    claim.refresh_from_db()
    assert claim.due_on == date(2026, 12, 2)
    services.claim_resume(claim=claim, actor=officer, reason="Чек получен", on=date(2026, 11, 17))
    claim.refresh_from_db()
    assert claim.paused_on is None
    assert claim.due_on == date(2026, 12, 9)
    changes = list(claim.deadline_changes.values_list("kind", "reason", "days", "actor"))
    assert changes == [
        ("pause", "Ждём копию чека", 0, officer.pk),
        ("resume", "Чек получен", 7, officer.pk),
    ]
    # Both appear in the claim's own history, attributed to the officer.
    reasons = [h.history_change_reason for h in claim.history.filter(history_user=officer)]
    assert "resumed: Чек получен" in reasons
    assert "paused: Ждём копию чека" in reasons


@pytest.mark.django_db
def test_extension_moves_the_due_date_past_a_non_working_day(officer, time_machine):
    # Due Wed 2 Dec 2026; +14 days = Wed 16 Dec, Independence Day, so Thu 17 Dec.
    time_machine.move_to("2026-11-25T06:00:00+00:00", tick=False)  # before the due date
    claim = register(received_at=almaty(2026, 11, 2, 10, 0))
    services.claim_extend(claim=claim, actor=officer, days=14, reason="Экспертиза товара")
    claim.refresh_from_db()
    assert claim.due_on == date(2026, 12, 17)
    change = claim.deadline_changes.get()
    assert (change.due_before, change.due_after) == (date(2026, 12, 2), date(2026, 12, 17))


@pytest.mark.django_db
def test_extension_without_a_reason_is_refused(officer):
    claim = register()
    with pytest.raises(DomainError):
        services.claim_extend(claim=claim, actor=officer, days=5, reason="  ")
    claim.refresh_from_db()
    assert claim.due_on == date(2026, 12, 2)
    assert not ClaimDeadlineChange.objects.exists()


@pytest.mark.django_db
# Before the due date: an overdue claim keeps its date whatever the calendar says.
@time_machine.travel("2026-11-20T06:00:00+00:00", tick=False)
def test_a_day_off_added_by_an_officer_moves_open_claims(officer):
    claim = register(received_at=almaty(2026, 11, 2, 10, 0))  # due Wed 2 Dec 2026
    CalendarOverride.objects.create(
        day=date(2026, 12, 2), kind=CalendarOverride.Kind.DAY_OFF, note="Постановление №1"
    )
    claim.refresh_from_db()
    assert claim.due_on == date(2026, 12, 3)
    assert claim.deadline_changes.get().kind == "recompute"


@pytest.mark.django_db
# Before the due date: an overdue claim keeps its date whatever the calendar says.
@time_machine.travel("2026-11-20T06:00:00+00:00", tick=False)
def test_officer_adding_a_day_off_in_the_admin_is_named_on_the_moved_claims(client, officer):
    claim = register(received_at=almaty(2026, 11, 2, 10, 0))  # due Wed 2 Dec 2026
    client.force_login(officer)
    response = client.post(
        "/admin/homeshop_privacy/calendaroverride/add/",
        {"day": "02.12.2026", "kind": "day_off", "note": "Постановление №2"},
    )
    assert response.status_code == 302
    change = claim.deadline_changes.get()
    assert (change.due_after, change.actor) == (date(2026, 12, 3), officer)
    assert change.reason == "Изменён календарь на 2 декабря 2026 г.: Постановление №2"


@pytest.mark.django_db
# Before the due date: an overdue claim keeps its date whatever the calendar says.
@time_machine.travel("2026-11-20T06:00:00+00:00", tick=False)
def test_a_day_off_moved_to_another_date_gives_the_first_date_back(officer):
    # Entered on 2 Dec by mistake, then corrected to 4 Dec: the claim due on 2 Dec
    # (moved to 3 Dec by the mistake) is due on 2 Dec again.
    claim = register(received_at=almaty(2026, 11, 2, 10, 0))
    override = CalendarOverride.objects.create(
        day=date(2026, 12, 2), kind=CalendarOverride.Kind.DAY_OFF, note="Постановление №3"
    )
    claim.refresh_from_db()
    assert claim.due_on == date(2026, 12, 3)
    override.day = date(2026, 12, 4)
    override.save()
    claim.refresh_from_db()
    assert claim.due_on == date(2026, 12, 2)
    assert [c.due_after for c in claim.deadline_changes.all()] == [
        date(2026, 12, 3),
        date(2026, 12, 2),
    ]


@pytest.mark.django_db
def test_an_overdue_claim_cannot_be_paused_or_extended_after_the_fact(officer, time_machine):
    # Due Wed 2 Dec 2026. On 4 Dec it is late; a pause or an extension dated now would
    # move the due date and let the answer count as on time.
    claim = register(received_at=almaty(2026, 11, 2, 10, 0))
    time_machine.move_to("2026-12-04T06:00:00+00:00", tick=False)
    with pytest.raises(DomainError, match="2 декабря 2026"):
        services.claim_pause(claim=claim, actor=officer, reason="ждём документы")
    with pytest.raises(DomainError, match="2 декабря 2026"):
        services.claim_extend(claim=claim, actor=officer, days=10, reason="экспертиза")
    claim.refresh_from_db()
    assert (claim.due_on, claim.paused_on) == (date(2026, 12, 2), None)
    assert not ClaimDeadlineChange.objects.exists()


@pytest.mark.django_db
def test_a_claim_can_still_be_paused_or_extended_on_its_last_day(officer, time_machine):
    claim = register(received_at=almaty(2026, 11, 2, 10, 0))
    time_machine.move_to("2026-12-02T06:00:00+00:00", tick=False)
    services.claim_extend(claim=claim, actor=officer, days=1, reason="экспертиза")
    services.claim_pause(claim=claim, actor=officer, reason="ждём документы")
    claim.refresh_from_db()
    assert (claim.due_on, claim.paused_on) == (date(2026, 12, 3), date(2026, 12, 2))
