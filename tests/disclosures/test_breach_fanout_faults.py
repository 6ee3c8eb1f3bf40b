"""5.4.4: one notice per affected customer whatever happens (issue 10's fault test).

A fan-out of a few thousand customers against real processes: Celery workers with their
beat (the sweepers every second) on a private ``redis-server`` the test starts on a free
port, and a local SMTP sink. The worker is SIGKILLed twice mid-send and restarted; Redis
is killed once (everything queued is lost) and restarted. The test publishes nothing: the
beat's sweepers find what was lost. After the faults clear every affected customer has
exactly one sent notice; the only duplicates are messages in flight at a kill, resent with
the same Message-ID and counted as possibly duplicated on the incident.
"""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from accounts.models import Customer
from disclosures import selectors, services
from disclosures.models import BreachNotice
from homeshop_privacy.models import OutboundMessage
from tests.mailing_processes import Deadline, PrivateRedis, SmtpSink, Workers

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 2000
KILLS = 2


@pytest.fixture
def rig(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    sink = SmtpSink()
    sink.start()
    workers = Workers(tmp_path, redis.url, sink.port, MAILING_CHUNK_SIZE="100")
    yield redis, sink, workers
    workers.stop_all()
    sink.stop()
    redis.stop()


def test_workers_killed_twice_and_redis_restarted_every_customer_told_exactly_once(
    rig, officer, django_capture_on_commit_callbacks, capsys
):
    deadline = Deadline(240)
    redis, sink, workers = rig
    Customer.objects.bulk_create(
        Customer(
            first_name=f"Клиент{n}",
            last_name="Тестов",
            phone=f"+7705{n:07d}",
            email=f"fault{n}@example.kz",
            preferred_language=["ru", "kk", "en"][n % 3],
        )
        for n in range(CUSTOMERS)
    )
    incident = services.breach_record(
        actor=officer,
        reference="BR-FAULTS",
        title="Fault test",
        description="-",
        discovered_at=timezone.now() - dt.timedelta(hours=1),
        categories=["contact"],
        notice_ru="Текст уведомления.",
        notice_kk="Хабарлама мәтіні.",
        notice_en="The notice.",
    )
    services.breach_affected_add_query(
        incident=incident,
        customers=Customer.objects.filter(email__endswith="@example.kz"),
        actor=officer,
    )
    # Started in the database only: the beat's breach sweeper hands it to a worker.
    with django_capture_on_commit_callbacks(execute=False):
        services.breach_notification_start(incident=incident, actor=officer)

    def delivered() -> int:
        return len(sink.delivered)

    worker = workers.start()
    deadline.wait_for(lambda: delivered() >= 400, "the first 400 notices", poll=0.02)
    workers.kill(worker)  # kill 1, mid-chunk
    worker = workers.start()
    deadline.wait_for(lambda: delivered() >= 900, "900 notices", poll=0.02)
    redis.restart()  # every queued chunk is gone
    deadline.wait_for(lambda: delivered() >= 1400, "1,400 notices", poll=0.02)
    workers.kill(worker)  # kill 2
    workers.start()
    deadline.wait_for(
        lambda: selectors.breach_notification_progress(incident=incident)["sent"] == CUSTOMERS,
        "every notice to be sent",
    )

    emails = {f"fault{n}@example.kz" for n in range(CUSTOMERS)}
    per_recipient = sink.per_recipient()
    assert set(per_recipient) == emails  # nobody left out, nobody else mailed
    duplicates = sum(count - 1 for count in per_recipient.values())
    notices = BreachNotice.objects.filter(incident=incident)
    assert notices.count() == CUSTOMERS
    assert set(notices.values_list("message__status", flat=True)) == {"sent"}
    progress = selectors.breach_notification_progress(incident=incident)
    assert progress["written"] == progress["sent"] == progress["affected"] == CUSTOMERS
    assert progress["failed"] == 0
    # A duplicate only for a message in flight at a kill, counted, with its Message-ID.
    assert duplicates <= progress["possibly_duplicated"] <= KILLS
    rows = OutboundMessage.objects.filter(breach_notice__incident=incident)
    assert (
        sum(rows.values_list("possible_duplicates", flat=True)) == progress["possibly_duplicated"]
    )
    by_id = Counter(mid for _rcpt, mid in sink.delivered)
    assert set(by_id) == set(rows.values_list("message_id", flat=True))
    with capsys.disabled():
        print(
            f"\nfault test: {CUSTOMERS} customers, {KILLS} worker SIGKILLs, 1 Redis restart: "
            f"{len(sink.delivered)} emails delivered, {len(per_recipient)} customers told, "
            f"{duplicates} delivered twice, {progress['possibly_duplicated']} counted as "
            f"possibly duplicated, {progress['sent']} sent on the incident"
        )
