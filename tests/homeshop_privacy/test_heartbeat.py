"""Nothing stops silently (issue 9 §6): stale heartbeats and failing outbox messages show on
the admin index, the officers are emailed once per outage through a path that needs no
worker, and /health/ reports each part for monitoring without leaking anything."""

import json
import logging
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from homeshop_privacy import heartbeat
from homeshop_privacy.models import Heartbeat, OperationsOutage, OutboundMessage
from homeshop_privacy.tasks import worker_heartbeat
from homeshop_privacy.timestamps import ALMATY

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def monitor_on(settings):
    settings.OPS_MONITOR = True
    settings.HEARTBEAT_MAX_AGE = 300
    settings.OPS_ALERT_RETRY = 600


def _beats(*, beat_age: int, worker_age: int):
    heartbeat.heartbeat_record(kind="beat", at=timezone.now() - timedelta(seconds=beat_age))
    heartbeat.heartbeat_record(kind="worker", at=timezone.now() - timedelta(seconds=worker_age))


def _failed_message():
    return OutboundMessage.objects.create(
        reason="test",
        object_key="tests:1",
        recipient="customer@example.kz",
        subject="s",
        body_text="b",
        message_id="<failed@homeshop.kz>",
        status=OutboundMessage.Status.FAILED,
        attempts=8,
    )


def _index(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_worker_heartbeat_task_records_the_worker():
    worker_heartbeat()

    assert Heartbeat.objects.get(kind="worker").seen_at > NOW


def test_fresh_heartbeats_and_no_failures_show_nothing(client, officer):
    _beats(beat_age=30, worker_age=30)

    page = _index(client, officer)

    assert "operations-banner" not in page
    assert mail.outbox == []
    assert not OperationsOutage.objects.exists()


def test_a_stopped_beat_shows_on_the_admin_index_and_officers_are_emailed_once(
    client, officer, auditor
):
    _beats(beat_age=11 * 60, worker_age=30)

    first = _index(client, officer)
    second = _index(client, auditor)

    for page in (first, second):
        assert "Celery beat last reported 11 minutes ago" in page
        assert "The compliance officers were emailed at" in page
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [officer.email]
    # The email speaks the office language (LANGUAGE_CODE), whoever opened the page.
    assert "Celery beat последний раз отметился 11 минут назад" in mail.outbox[0].body
    outage = OperationsOutage.objects.get()
    assert outage.problems == "beat"
    assert outage.notified_at is not None and outage.closed_at is None


def test_the_alarm_email_does_not_go_through_the_outbox(client, officer):
    # The outbox needs a worker to send: the alarm cannot wait for the part that stopped.
    _beats(beat_age=30, worker_age=20 * 60)

    _index(client, officer)

    assert len(mail.outbox) == 1
    assert not OutboundMessage.objects.exists()


def test_failing_outbox_messages_show_and_alert(client, officer):
    _beats(beat_age=30, worker_age=30)
    _failed_message()

    page = _index(client, officer)

    assert "1 email failed for good" in page
    assert len(mail.outbox) == 1
    assert "customer@example.kz" not in mail.outbox[0].body


def test_recovery_closes_the_outage_and_the_next_outage_alerts_again(client, officer):
    _beats(beat_age=30, worker_age=30 * 60)
    _index(client, officer)
    _beats(beat_age=30, worker_age=30)

    page = _index(client, officer)

    assert "operations-banner" not in page
    assert OperationsOutage.objects.get().closed_at is not None
    _beats(beat_age=30 * 60, worker_age=30)
    _index(client, officer)
    assert len(mail.outbox) == 2
    assert OperationsOutage.objects.filter(closed_at__isnull=True).count() == 1


def test_a_refused_alert_is_retried_later_not_on_every_page(client, officer, settings):
    settings.EMAIL_BACKEND = "tests.homeshop_privacy.failing_backend.RefusingBackend"
    _beats(beat_age=30 * 60, worker_age=30)

    page = _index(client, officer)
    _index(client, officer)

    assert "could not be emailed yet" in page
    outage = OperationsOutage.objects.get()
    assert outage.notified_at is None
    first_attempt = outage.notify_attempted_at
    assert first_attempt is not None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _index(client, officer)
    assert mail.outbox == []  # within OPS_ALERT_RETRY: not tried again
    heartbeat.operations_check(now=first_attempt + timedelta(seconds=601))
    assert len(mail.outbox) == 1
    assert OperationsOutage.objects.get().notified_at is not None


def test_customers_on_the_admin_login_page_see_no_banner(client):
    _beats(beat_age=30 * 60, worker_age=30)

    page = client.get(reverse("admin:login")).content.decode()

    assert "operations-banner" not in page


# --- the health endpoint ------------------------------------------------------------------


def _health(client):
    response = client.get("/health/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"
    return response, json.loads(response.content)


def test_health_is_200_with_every_check_named_when_all_is_well(client, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    _beats(beat_age=30, worker_age=30)

    response, body = _health(client)

    assert response.status_code == 200, body
    assert body == {
        "status": "ok",
        "checks": {
            "database": "OK",
            "broker": "OK",
            "privatefiles": "OK",
            "heartbeat:beat": "OK",
            "heartbeat:worker": "OK",
            "outbox": "OK",
        },
    }
    assert list(tmp_path.iterdir()) == []  # the private-files probe cleaned up after itself


def test_health_is_503_naming_a_stopped_worker_and_failed_emails(client, settings, tmp_path):
    # Was 500 (the package's default); unhealthy is "Service Unavailable", not a crash.
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    _beats(beat_age=30, worker_age=20 * 60)
    _failed_message()

    response, body = _health(client)

    assert response.status_code == 503
    assert body["status"] == "unhealthy"
    assert body["checks"]["heartbeat:beat"] == "OK"
    assert body["checks"]["heartbeat:worker"].startswith("Unavailable: last heartbeat 1")
    assert body["checks"]["outbox"] == "Unavailable: 1 failed messages"


def test_health_reports_a_broker_that_is_down_without_naming_it(client, settings, tmp_path):
    from homeshop_privacy.celery import app

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    _beats(beat_age=30, worker_age=30)
    old = app.conf.broker_write_url
    app.conf.broker_write_url = "redis://:s3cret-broker-password@127.0.0.1:1/0"
    try:
        response, body = _health(client)
    finally:
        app.conf.broker_write_url = old

    assert response.status_code == 503  # was 500, see above
    assert body["checks"]["broker"] == "Unavailable: broker unreachable"
    assert "s3cret" not in response.content.decode()


def test_health_leaks_no_secret_and_no_address(client, settings, tmp_path, officer):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    _beats(beat_age=30 * 60, worker_age=30 * 60)
    _failed_message()

    response, _ = _health(client)

    text = response.content.decode()
    for secret in (
        settings.SECRET_KEY,
        settings.CELERY_BROKER_URL,
        settings.DATABASES["default"]["NAME"],
        str(tmp_path),
        "customer@example.kz",
        officer.email,
    ):
        assert secret not in text


def test_polling_health_alerts_the_officers_once(client, settings, tmp_path, officer):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    _beats(beat_age=30 * 60, worker_age=30)

    _health(client)
    _health(client)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [officer.email]


def test_the_banner_and_the_email_speak_russian_and_kazakh(client, officer):
    _beats(beat_age=7 * 60, worker_age=30)
    client.force_login(officer)

    ru = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    kk = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="kk").content.decode()

    assert "Celery beat последний раз отметился 7 минут назад" in ru
    assert "Celery beat соңғы рет 7 минут бұрын белгі берді" in kk
    assert mail.outbox[0].subject == (
        "Homeshop, персональные данные: фоновая обработка требует внимания"
    )


def test_an_unhealthy_poll_logs_one_line_and_no_traceback(client, settings, tmp_path, caplog):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    _beats(beat_age=30, worker_age=20 * 60)

    response, _ = _health(client)

    assert response.status_code == 503
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and not r.name.startswith("homeshop_privacy.heartbeat")
    ]
    assert warnings == ["health.unhealthy checks=heartbeat:worker"]
    assert all(r.exc_info is None for r in caplog.records)


# --- start-up: beat and the workers come up after the web server (user review) ------------


def test_a_heartbeat_that_never_came_is_no_alarm_within_the_grace_period(client, officer):
    start = timezone.now()
    heartbeat.operations_check(now=start)  # the web server's first look: nothing yet

    problems, _ = heartbeat.operations_check(now=start + timedelta(seconds=299))
    page = _index(client, officer)

    assert problems == []
    assert "operations-banner" not in page
    assert mail.outbox == []
    assert not OperationsOutage.objects.exists()


def test_a_heartbeat_that_never_came_alarms_once_the_grace_period_is_over(officer):
    start = timezone.now()
    heartbeat.operations_check(now=start)
    heartbeat.heartbeat_record(kind="worker", at=start + timedelta(seconds=30))  # it came

    problems, alerted_at = heartbeat.operations_check(now=start + timedelta(seconds=301))

    assert [p.code for p in problems] == ["beat"]
    assert alerted_at is not None
    assert len(mail.outbox) == 1
    assert "Celery beat ещё ни разу не отметился" in mail.outbox[0].body
    assert OperationsOutage.objects.get().problems == "beat"


def test_the_grace_period_counts_from_the_first_look_of_any_process(officer):
    start = timezone.now()
    heartbeat.heartbeat_ages(now=start)  # reading ages records nothing
    heartbeat.operations_check(now=start)
    # A second web process (or a restart) looks later: it counts from the first look.
    heartbeat.operations_check(now=start + timedelta(seconds=200))

    problems, _ = heartbeat.operations_check(now=start + timedelta(seconds=301))

    assert {p.code for p in problems} == {"beat", "worker"}
    assert Heartbeat.objects.filter(seen_at__isnull=True, missing_since=start).count() == 2


def test_health_waits_out_the_grace_period_then_reports_a_missing_worker(
    client, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    heartbeat.heartbeat_record(kind="beat")

    response, body = _health(client)
    assert response.status_code == 200, body

    Heartbeat.objects.filter(kind="worker").update(
        missing_since=timezone.now() - timedelta(seconds=301)
    )
    response, body = _health(client)
    assert response.status_code == 503
    assert body["checks"]["heartbeat:worker"] == "Unavailable: no heartbeat yet"


@pytest.mark.parametrize(
    ("language", "beat", "worker"),
    [
        (
            "en",
            "Ask the operator to start the Celery scheduler (beat).",
            "Ask the operator to start a Celery worker.",
        ),
        (
            "ru",
            "Попросите администратора сервера запустить планировщик Celery (beat).",
            "Попросите администратора сервера запустить обработчик Celery (worker).",
        ),
        (
            "kk",
            "Сервер әкімшісінен Celery жоспарлаушысын (beat) іске қосуды сұраңыз.",
            "Сервер әкімшісінен Celery өңдеушісін (worker) іске қосуды сұраңыз.",
        ),
    ],
)
def test_the_banner_says_what_to_do(client, officer, language, beat, worker):
    _beats(beat_age=30 * 60, worker_age=30 * 60)
    client.force_login(officer)

    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert beat in page
    assert worker in page
    assert beat in mail.outbox[0].body or language != "ru"


@pytest.mark.parametrize(("language", "when"), [("en", "1:30 p.m."), ("ru", "30 ноября 2026")])
def test_the_banner_date_is_in_the_readers_language(client, officer, language, when):
    alerted = timezone.make_aware(datetime(2026, 11, 30, 13, 30), ALMATY)
    with time_machine.travel(alerted, tick=False):
        _beats(beat_age=30 * 60, worker_age=30)
        client.force_login(officer)
        page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)

    assert when in page.content.decode()
