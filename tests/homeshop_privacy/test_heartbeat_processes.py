"""Issue 9 §6 with the real processes: a Celery beat and a worker on Redis write their
heartbeats into the test database; when beat is stopped, both go stale (nothing is
scheduled any more) and the admin index says so and emails the officers once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from homeshop_privacy import heartbeat
from homeshop_privacy.models import Heartbeat

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def celery_process(tmp_path):
    started = []

    def start(*args: str) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        env.update(
            DATABASE_URL=_database_url(),
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            HOMESHOP_VAR_DIR=str(tmp_path),
            HEARTBEAT_INTERVAL="2",
            DJANGO_SETTINGS_MODULE="homeshop_privacy.settings",
        )
        log = open(tmp_path / f"{args[0]}-{len(started)}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "homeshop_privacy", *args, "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((proc, log))
        return proc

    yield start
    for proc, log in started:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _seen(kind):
    return Heartbeat.objects.filter(kind=kind).values_list("seen_at", flat=True).first()


def test_beat_and_worker_heartbeats_and_the_alarm_when_beat_stops(
    celery_process, client, officer, settings
):
    started = timezone.now()
    celery_process(
        "worker", "--concurrency=1", "--pool=solo", "--without-gossip", "--without-mingle"
    )
    beat = celery_process("beat")

    _wait_for(lambda: (_seen("beat") or started) > started, 90, "beat's heartbeat")
    # The worker's heartbeat keeps advancing: it runs what beat schedules, not only its start.
    worker_seen = []

    def worker_advanced_twice():
        seen = _seen("worker")
        if seen is not None and (not worker_seen or seen > worker_seen[-1]):
            worker_seen.append(seen)
        return len(worker_seen) >= 3

    _wait_for(worker_advanced_twice, 90, "the worker's heartbeat to advance twice")
    settings.OPS_MONITOR = True
    settings.HEARTBEAT_MAX_AGE = 6
    assert heartbeat.operations_problems() == []

    stop(beat)
    _wait_for(
        lambda: {p.code for p in heartbeat.operations_problems()} == {"beat", "worker"},
        60,
        "both heartbeats to go stale once beat stopped",
    )
    client.force_login(officer)
    first = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.get(reverse("admin:index"))

    assert "Celery beat last reported" in first
    assert "No Celery worker has run a scheduled task" in first
    assert len(mail.outbox) == 1
