"""4.1 (issue 11): retention rules as data, applied by a daily run in batches."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Customer, VisitEvent
from homeshop_privacy import retention, roles
from homeshop_privacy.models import OutboundMessage, RetentionRule, RetentionRun
from homeshop_privacy.retention_admin import RetentionRuleForm
from homeshop_privacy.tasks import retention_run as retention_task
from tests.accounts.factories import SignedUpCustomerFactory
from tests.claims.factories import register
from tests.factories import CustomerFactory, OrderFactory, StaffFactory, VisitEventFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
LONG_AGO = NOW - timedelta(days=4 * 365)


def old_customer(**kwargs):
    customer = CustomerFactory(**kwargs)
    Customer.objects.filter(pk=customer.pk).update(created_at=LONG_AGO)
    return customer


def test_the_defaults_are_seeded_with_their_legal_reasons():
    rules = {rule.code: rule for rule in RetentionRule.objects.all()}
    assert {"customers_inactive", "visit_events", "outbox_bodies", "orders"} <= set(rules)
    assert rules["customers_inactive"].keep_days == 3 * 365
    assert "Civil Code art. 178" in rules["customers_inactive"].legal_reason
    assert rules["orders"].action == RetentionRule.Action.KEEP
    assert all(rule.legal_reason.strip() for rule in rules.values())
    # Every rule that acts has a process that carries it out.
    acting = [r.code for r in rules.values() if r.action != RetentionRule.Action.KEEP]
    assert [code for code in acting if retention.process(code) is None] == []


def test_a_run_anonymises_inactive_customers_only_and_counts_per_rule():
    due = [old_customer() for _ in range(3)]
    with_recent_order = old_customer()
    OrderFactory(customer=with_recent_order, placed_at=NOW - timedelta(days=10))
    recent = CustomerFactory()
    held = old_customer()
    register(customer=held)  # an open claim: legal hold

    assert retention.retention_plan(now=NOW)["customers_inactive"] == 3
    run = retention.retention_run(now=NOW, batch_size=2)

    assert run.status == RetentionRun.Status.DONE
    assert run.counts["customers_inactive"]["records"] == 3
    assert run.counts["customers_inactive"]["changed"]["accounts.customer"] == 3
    anonymised = set(
        Customer.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
    )
    assert anonymised == {c.pk for c in due}
    assert with_recent_order.pk not in anonymised and recent.pk not in anonymised
    assert held.pk not in anonymised


def test_a_second_run_finds_nothing_left_to_do():
    old_customer()
    retention.retention_run(now=NOW)
    again = retention.retention_run(now=NOW)
    assert again.counts["customers_inactive"]["records"] == 0
    assert retention.retention_plan(now=NOW)["customers_inactive"] == 0


def test_an_interrupted_run_is_marked_and_the_next_one_takes_up_what_is_due():
    stale = RetentionRun.objects.create()  # a worker died during this run
    old_customer()
    run = retention.retention_run(now=NOW)
    stale.refresh_from_db()
    assert stale.status == RetentionRun.Status.INTERRUPTED
    assert run.counts["customers_inactive"]["records"] == 1


def test_a_customer_who_signed_in_recently_is_not_due():
    customer = SignedUpCustomerFactory()
    Customer.objects.filter(pk=customer.pk).update(created_at=LONG_AGO)
    customer.user.last_login = NOW - timedelta(days=3)
    customer.user.save(update_fields=["last_login"])
    assert retention.retention_plan(now=NOW)["customers_inactive"] == 0


def test_a_rule_switched_off_is_not_applied():
    old_customer()
    RetentionRule.objects.filter(code="customers_inactive").update(is_active=False)
    run = retention.retention_run(now=NOW)
    assert "customers_inactive" not in run.counts
    assert not Customer.objects.filter(anonymised_at__isnull=False).exists()


def test_visit_events_and_email_bodies_follow_their_rules():
    old = VisitEventFactory(occurred_at=NOW - timedelta(days=181))
    fresh = VisitEventFactory(occurred_at=NOW - timedelta(days=2))
    sent_long_ago = OutboundMessage.objects.create(
        reason="test",
        object_key="t:1",
        recipient="a@example.kz",
        subject="Тема",
        body_text="Текст",
        message_id="<t1@homeshop.kz>",
        status=OutboundMessage.Status.SENT,
        attempts=1,
        sent_at=NOW - timedelta(days=400),
        attempt_started_at=NOW - timedelta(days=400),
        created_at=NOW - timedelta(days=400),
    )
    run = retention.retention_run(now=NOW)
    assert set(VisitEvent.objects.values_list("pk", flat=True)) == {fresh.pk}
    assert not VisitEvent.objects.filter(pk=old.pk).exists()
    sent_long_ago.refresh_from_db()
    assert (sent_long_ago.subject, sent_long_ago.body_text) == ("", "")
    assert sent_long_ago.status == OutboundMessage.Status.SENT  # the proof stays
    assert run.counts["visit_events"]["records"] == 1
    assert run.counts["outbox_bodies"]["records"] == 1


def test_the_daily_task_is_scheduled_and_runs():
    assert settings.CELERY_BEAT_SCHEDULE["retention-run"]["task"] == retention_task.name
    old_customer()
    result = retention_task.run()
    assert RetentionRun.objects.get(pk=result["run"]).status == RetentionRun.Status.DONE
    assert Customer.objects.filter(anonymised_at__isnull=False).count() == 1


def test_the_admin_shows_what_the_next_run_would_do(client):
    old_customer()
    old_customer()
    officer = StaffFactory(role=roles.COMPLIANCE_OFFICER)
    client.force_login(officer)
    response = client.get(reverse("admin:homeshop_privacy_retentionrule_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "customers_inactive" in html
    rule = RetentionRule.objects.get(code="customers_inactive")
    assert retention.rule_due_count(rule) == 2
    assert '<td class="field-due_at_next_run">2</td>' in html
    assert not Customer.objects.filter(anonymised_at__isnull=False).exists()  # dry


def test_an_acting_rule_needs_a_process_and_every_rule_a_reason():
    form = RetentionRuleForm(
        data={
            "code": "invented",
            "category": "orders",
            "event": "creation",
            "keep_days": "10",
            "action": "delete",
            "legal_reason": "  ",
        }
    )
    assert not form.is_valid()
    assert "legal_reason" in form.errors and "__all__" in form.errors


def test_officers_change_a_term_with_history(client):
    officer = StaffFactory(role=roles.COMPLIANCE_OFFICER)
    client.force_login(officer)
    rule = RetentionRule.objects.get(code="visit_events")
    url = reverse("admin:homeshop_privacy_retentionrule_change", args=[rule.pk])
    response = client.post(
        url,
        {
            "category": rule.category,
            "event": rule.event,
            "keep_days": "90",
            "action": rule.action,
            "legal_reason": rule.legal_reason,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.keep_days == 90
    assert rule.history.latest().history_user == officer


def test_the_rules_page_counts_what_is_due_up_to_its_cap(client, monkeypatch):
    """Issue 14: no exact count of millions on a page view; past the cap it says "N+"."""
    from homeshop_privacy import retention_admin

    monkeypatch.setattr(retention_admin, "DUE_COUNT_CAP", 2)
    for _ in range(3):
        old_customer()
    client.force_login(StaffFactory(role=roles.COMPLIANCE_OFFICER))
    html = client.get(reverse("admin:homeshop_privacy_retentionrule_changelist")).content.decode()
    rule = RetentionRule.objects.get(code="customers_inactive")
    assert retention.rule_due_count(rule) == 3
    assert retention.rule_due_count(rule, limit=2) == 3  # counted up to the cap + 1
    assert '<td class="field-due_at_next_run">2+</td>' in html
