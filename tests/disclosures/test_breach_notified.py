"""5.4.4: an incident being notified becomes "notified" by itself once every affected
customer's notice is written and none is still waiting to be sent; with history."""

import datetime as dt

import pytest

from disclosures import services, tasks
from disclosures.models import BreachIncident
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.tasks import outbox_send_chunk
from tests.disclosures.conftest import NOW
from tests.disclosures.test_breach_clock import complete, record
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
Status = BreachIncident.Status


def _notifying(officer, monkeypatch, django_capture_on_commit_callbacks):
    incident = record(officer, NOW - dt.timedelta(hours=3), **complete())
    services.breach_status_change(incident=incident, actor=officer, to=Status.ASSESSED)
    customers = [CustomerFactory(), CustomerFactory()]
    services.breach_add_affected(incident=incident, customer_ids=[c.pk for c in customers])
    published = []
    monkeypatch.setattr(outbox_send_chunk, "delay", lambda *args: published.append(args))
    with django_capture_on_commit_callbacks(execute=False):
        services.breach_notification_start(incident=incident, actor=officer)
    incident.refresh_from_db()
    assert incident.status == Status.NOTIFYING
    return incident, customers, published


def test_notified_once_every_notice_is_sent_with_history(
    officer, monkeypatch, django_capture_on_commit_callbacks
):
    incident, customers, published = _notifying(
        officer, monkeypatch, django_capture_on_commit_callbacks
    )
    tasks.breach_notify_sweep()  # nothing written yet: still notifying
    incident.refresh_from_db()
    assert incident.status == Status.NOTIFYING

    tasks.breach_notify(incident.pk)  # written, not sent
    tasks.breach_notify_sweep()
    incident.refresh_from_db()
    assert incident.status == Status.NOTIFYING

    for args in published:
        outbox_send_chunk.run(*args)
    assert OutboundMessage.objects.filter(status="sent").count() == 2
    first = OutboundMessage.objects.filter(recipient=customers[0].email)
    first.update(status="retrying", sent_at=None)
    tasks.breach_notify_sweep()
    incident.refresh_from_db()
    assert incident.status == Status.NOTIFYING  # one still waits for a retry

    first.update(status="failed")
    tasks.breach_notify_sweep()
    incident.refresh_from_db()
    assert incident.status == Status.NOTIFIED
    last = incident.history.order_by("-history_id").first()
    assert last.status == Status.NOTIFIED and "notified" in last.history_change_reason

    tasks.breach_notify_sweep()  # once only
    assert incident.history.filter(status=Status.NOTIFIED).count() == 1


def test_an_incident_not_yet_notifying_is_left_alone(officer):
    incident = record(officer, NOW - dt.timedelta(hours=3), **complete())
    tasks.breach_notify_sweep()
    incident.refresh_from_db()
    assert incident.status == Status.DETECTED
