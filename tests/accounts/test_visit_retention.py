from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts import services
from accounts.models import VisitEvent
from accounts.tasks import visit_events_purge
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


def test_purge_is_scheduled_and_its_task_runs(settings):
    assert settings.CELERY_BEAT_SCHEDULE["visit-events-purge"]["task"] == visit_events_purge.name
    VisitEventFactory(occurred_at=NOW - timedelta(days=10_000))
    assert visit_events_purge.run() == 1
