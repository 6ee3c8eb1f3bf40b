from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts import services
from accounts.models import VisitEvent
from accounts.tasks import visit_events_purge
from homeshop_privacy.models import RetentionRule
from tests.factories import VisitEventFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))


def test_purge_deletes_only_events_older_than_the_retention_period(settings):
    settings.VISIT_EVENT_RETENTION_DAYS = 180
    old = VisitEventFactory.create_batch(5, occurred_at=NOW - timedelta(days=181))
    edge = VisitEventFactory(occurred_at=NOW - timedelta(days=180))
    fresh = VisitEventFactory(occurred_at=NOW - timedelta(days=1))
    assert services.visit_events_purge(now=NOW, batch_size=2) == len(old)
    assert set(VisitEvent.objects.values_list("pk", flat=True)) == {edge.pk, fresh.pk}


def test_purge_is_scheduled_through_the_retention_rule_and_its_task_runs(settings):
    # Issue 11: the nightly retention run applies the ``visit_events`` rule; the task
    # stays for a manual purge, with the same term.
    assert (
        settings.CELERY_BEAT_SCHEDULE["retention-run"]["task"] == "homeshop_privacy.retention_run"
    )
    assert "visit-events-purge" not in settings.CELERY_BEAT_SCHEDULE
    VisitEventFactory(occurred_at=NOW - timedelta(days=10_000))
    assert visit_events_purge.run() == 1


def test_the_purge_follows_the_term_officers_set_on_the_rule():
    RetentionRule.objects.filter(code="visit_events").update(keep_days=400)
    kept = VisitEventFactory(occurred_at=NOW - timedelta(days=300))
    old = VisitEventFactory(occurred_at=NOW - timedelta(days=401))
    assert services.visit_events_purge(now=NOW) == 1
    assert set(VisitEvent.objects.values_list("pk", flat=True)) == {kept.pk}
    assert not VisitEvent.objects.filter(pk=old.pk).exists()
