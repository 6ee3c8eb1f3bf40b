"""Reminders before the due date and escalation after it (Celery beat sweep)."""

import threading
from datetime import date

import pytest
from django.db import connection

from claims import services
from claims.tasks import claim_reminders, claims_reminders_sweep
from homeshop_privacy import roles
from homeshop_privacy.models import OutboundMessage
from tests.factories import StaffFactory

from .factories import almaty, register

# Received Mon 2 Nov 2026: due Wed 2 Dec 2026 (a plain working day).
RECEIVED = almaty(2026, 11, 2, 10, 0)
DUE = date(2026, 12, 2)


def day(n: int) -> date:
    """The day ``n`` days before the due date (negative: after it)."""
    return date.fromordinal(DUE.toordinal() - n)


@pytest.mark.django_db
def test_sweep_run_twice_the_same_day_sends_each_reminder_once(support_agent, deliver):
    claim = register(received_at=RECEIVED, assignee=support_agent)
    assert services.claims_reminders_sweep(today=day(3)) == 1
    assert services.claims_reminders_sweep(today=day(3)) == 0
    sent = deliver()
    reminders = [m for m in sent if m.to == [support_agent.email]]
    assert len(reminders) == 1
    assert claim.reference in reminders[0].subject


@pytest.mark.django_db
def test_assignee_is_reminded_seven_three_one_days_before_and_on_the_day(support_agent):
    register(received_at=RECEIVED, assignee=support_agent)
    sent_on = [n for n in range(10, -1, -1) if services.claims_reminders_sweep(today=day(n))]
    assert sent_on == [7, 3, 1, 0]
    keys = sorted(
        OutboundMessage.objects.filter(reason="claims.reminder").values_list(
            "object_key", flat=True
        )
    )
    assert [key.split(":", 2)[2] for key in keys] == [
        "due-0:2026-12-02",
        "due-1:2026-12-01",
        "due-3:2026-11-29",
        "due-7:2026-11-25",
    ]


@pytest.mark.django_db
def test_escalation_to_officers_only_after_the_due_date(support_agent, officer):
    register(received_at=RECEIVED, assignee=support_agent)
    services.claims_reminders_sweep(today=DUE)
    assert not OutboundMessage.objects.filter(reason="claims.escalation").exists()
    services.claims_reminders_sweep(today=day(-1))
    services.claims_reminders_sweep(today=day(-2))
    escalations = OutboundMessage.objects.filter(reason="claims.escalation")
    assert sorted(escalations.values_list("recipient", "object_key")) == [
        (
            officer.email,
            f"claims.claim:{escalations[0].object_key.split(':')[1]}:overdue:2026-12-03",
        ),
        (
            officer.email,
            f"claims.claim:{escalations[0].object_key.split(':')[1]}:overdue:2026-12-04",
        ),
    ]


@pytest.mark.django_db
def test_unassigned_claim_reminds_the_officers_daily(officer, auditor):
    register(received_at=RECEIVED)
    services.claims_reminders_sweep(today=date(2026, 11, 10))
    services.claims_reminders_sweep(today=date(2026, 11, 11))
    recipients = OutboundMessage.objects.filter(reason="claims.reminder").values_list(
        "recipient", flat=True
    )
    assert list(recipients) == [officer.email, officer.email]


@pytest.mark.django_db
def test_paused_or_answered_claims_are_not_reminded(officer, time_machine):
    paused = register(received_at=RECEIVED, assignee=officer)
    time_machine.move_to("2026-11-20T06:00:00+00:00", tick=False)
    services.claim_pause(claim=paused, actor=officer, reason="docs", on=date(2026, 11, 20))
    assert services.claims_reminders_sweep(today=day(-3)) == 0


@pytest.mark.django_db
def test_reminder_is_in_the_staff_members_language_with_an_admin_link(settings, deliver):
    settings.SITE_URL = "https://privacy.homeshop.kz"
    agent = StaffFactory(role=roles.SUPPORT_AGENT, language="kk")
    claim = register(received_at=RECEIVED, assignee=agent)
    services.claims_reminders_sweep(today=day(1))
    (message,) = [m for m in deliver() if m.to == [agent.email]]
    link = f"https://privacy.homeshop.kz/admin/claims/claim/{claim.pk}/change/"
    assert link in message.body
    assert "1 күн" in message.subject
    assert "02.12.2026" in message.subject


@pytest.mark.django_db
def test_reassignment_reminder_goes_to_the_new_assignee(support_agent, officer):
    claim = register(received_at=RECEIVED, assignee=support_agent)
    services.claim_reminders_send(claim_id=claim.pk, today=day(1))
    services.claim_update(claim=claim, actor=officer, assignee=officer, internal_notes="")
    services.claim_reminders_send(claim_id=claim.pk, today=day(1))
    recipients = set(
        OutboundMessage.objects.filter(reason="claims.reminder").values_list("recipient", flat=True)
    )
    assert recipients == {support_agent.email, officer.email}


@pytest.mark.django_db
def test_beat_task_and_per_claim_task_use_todays_almaty_date(support_agent, time_machine):
    claim = register(received_at=RECEIVED, assignee=support_agent)
    # 20:00 UTC on 30 Nov is 01:00 on 1 Dec in Almaty: one day before the due date.
    time_machine.move_to("2026-11-30T20:00:00+00:00", tick=False)
    assert claims_reminders_sweep() == 1
    assert claim_reminders(claim.pk) == 0
    reminder = OutboundMessage.objects.get(reason="claims.reminder")
    assert reminder.object_key.endswith("due-1:2026-12-01")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_sweeping_at_once_send_nothing_twice(officer):
    agents = [StaffFactory(role=roles.SUPPORT_AGENT) for _ in range(3)]
    for agent in agents:
        register(received_at=RECEIVED, assignee=agent)
    register(received_at=RECEIVED)  # unassigned: reminds the officer
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            results.append(services.claims_reminders_sweep(today=day(-1)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # 4 escalations (overdue, to the officer) + 1 unassigned reminder, written once in all.
    assert sum(results) == 5
    assert OutboundMessage.objects.count() == 4 + 1 + 4  # + the 4 acknowledgements
    assert OutboundMessage.objects.filter(reason="claims.escalation").count() == 4


@pytest.mark.django_db
def test_claim_of_a_deactivated_assignee_reminds_the_officers(support_agent, officer):
    # The assignee left: somebody must still hear of the claim, every day.
    register(received_at=RECEIVED, assignee=support_agent)
    support_agent.is_active = False
    support_agent.save()
    services.claims_reminders_sweep(today=date(2026, 11, 10))
    services.claims_reminders_sweep(today=day(3))
    reminders = OutboundMessage.objects.filter(reason="claims.reminder").order_by("pk")
    assert [(m.recipient, m.object_key.split(":", 2)[2]) for m in reminders] == [
        (officer.email, "unassigned:2026-11-10"),
        (officer.email, "unassigned:2026-11-29"),
    ]


@pytest.mark.django_db
def test_a_shorter_category_term_reminds_the_assignee_at_once(
    support_agent, officer, monkeypatch, django_capture_on_commit_callbacks, time_machine
):
    # Received 2 Nov, due 2 Dec. On 11 Nov it turns out to be a 10-day consumer claim:
    # due 12 Nov, tomorrow, and the assignee hears of it now, not at the next sweep.
    from claims import tasks

    from .factories import ClaimCategoryFactory

    monkeypatch.setattr(tasks.claim_reminders, "delay", tasks.claim_reminders)
    claim = register(received_at=RECEIVED, assignee=support_agent)
    time_machine.move_to("2026-11-11T06:00:00+00:00", tick=False)
    consumer = ClaimCategoryFactory(code="consumer-late", term_days=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_update(
            claim=claim, actor=officer, assignee=support_agent, internal_notes="", category=consumer
        )
    reminder = OutboundMessage.objects.get(reason="claims.reminder")
    assert reminder.recipient == support_agent.email
    assert reminder.object_key.endswith("due-1:2026-11-11")


def _sweep_queries(django_assert_max_num_queries, today, limit):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(limit):
        sent = services.claims_reminders_sweep(today=today)
    return sent, len(ctx.captured_queries)


@pytest.mark.django_db
def test_sweep_runs_a_constant_number_of_queries_per_batch(
    support_agent, officer, monkeypatch, django_assert_max_num_queries
):
    """Issue 14: officers read once; per batch one read of claims, one of outbox keys and
    the bulk insert with history, however many claims the batch holds."""
    second = StaffFactory(role=roles.COMPLIANCE_OFFICER)
    for _ in range(2):
        register(received_at=RECEIVED, assignee=support_agent)  # due in 3 days: a reminder
    register(received_at=RECEIVED)  # no assignee: both officers, daily
    sent, few = _sweep_queries(django_assert_max_num_queries, day(3), 12)
    assert sent == 4
    for _ in range(10):
        register(received_at=RECEIVED, assignee=support_agent)
    register(received_at=RECEIVED)
    sent, many = _sweep_queries(django_assert_max_num_queries, day(3), 12)
    assert sent == 10 + 2  # the earlier ones were sent already
    assert many == few  # 15 claims, one batch: the same queries as 3
    emails = set(
        OutboundMessage.objects.filter(reason="claims.reminder").values_list("recipient", flat=True)
    )
    assert emails == {support_agent.email, officer.email, second.email}
    # A batch of two claims: the claims are read, and the rows written, once per batch.
    monkeypatch.setattr(services, "SWEEP_BATCH", 2)
    sent, per_two = _sweep_queries(django_assert_max_num_queries, day(1), 60)
    assert sent == 12 + 2 * 2
    assert per_two <= few + (15 // 2 + 1) * (few - 1)


@pytest.mark.django_db
def test_sweep_batch_that_fails_is_retried_claim_by_claim(support_agent, monkeypatch):
    """A broken batch does not stop the sweep: its claims go one by one (each on its own)."""
    first = register(received_at=RECEIVED, assignee=support_agent)
    second = register(received_at=RECEIVED, assignee=support_agent)

    def broken(drafts):
        raise RuntimeError("bulk insert refused")

    monkeypatch.setattr(services, "messages_enqueue_many", broken)
    assert services.claims_reminders_sweep(today=day(3)) == 2
    keys = set(OutboundMessage.objects.values_list("object_key", flat=True))
    assert {key.split(":")[1] for key in keys if key.startswith("claims.claim")} == {
        str(first.pk),
        str(second.pk),
    }
