"""Benchmark of the breach fan-out (5.4.4; issues 10 and 14). Not a test: figures only.

In a throwaway database (``test_<name>``): an incident with ``--customers`` affected
customers (100,000 by default, generated in SQL). Reports

- the time to write every notice (outbox rows, their history, the chained notice rows),
  set-based, before any send starts (target: under 10 s for 100,000);
- the broker messages the whole fan-out publishes (one per chunk, not one per email);
- emails per second delivered to a local SMTP sink (aiosmtpd, in this process) by one and
  by two real Celery workers (``--send`` emails each, on a private ``redis-server``), each
  as a ratio to a plain loop of Django's ``send_mail`` over the same number of emails in
  one process (a new SMTP connection per email, as ``send_mail`` does).
"""

import logging
import os
import platform
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings, setup_test_environment
from django.utils import timezone


def _customers_sql(count: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_customer
                (first_name, last_name, phone, email, preferred_language, created_at, updated_at)
            SELECT 'Клиент' || n, 'Тестов', '+7708' || lpad(n::text, 7, '0'),
                   'bench' || n || '@bench.homeshop.kz',
                   (ARRAY['ru', 'kk', 'en'])[1 + n %% 3], now(), now()
            FROM generate_series(1, %s) AS n
            """,
            [count],
        )


class Command(BaseCommand):
    help = "Breach fan-out: write time, broker messages, emails/s with 1 and 2 workers."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=100_000)
        parser.add_argument("--send", type=int, default=3_000, help="emails per throughput run")

    def handle(self, *args, customers, send, **options):
        if connection.vendor != "postgresql" or not shutil.which("redis-server"):
            self.stdout.write("bench_breach needs PostgreSQL and redis-server; skipped.")
            return
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        workdir = Path(tempfile.mkdtemp(prefix="bench-breach-"))
        try:
            self._run(customers, send, workdir)
        finally:
            connection.close()
            connection.creation.destroy_test_db(old_name, verbosity=0)
            shutil.rmtree(workdir, ignore_errors=True)

    def _run(self, customers: int, send: int, workdir: Path) -> None:
        from disclosures import services as disclosures
        from homeshop_privacy import fanout
        from homeshop_privacy.models import Mailing, OutboundMessage
        from homeshop_privacy.tasks import outbox_send_chunk
        from tests.mailing_processes import PrivateRedis, SmtpSink

        out = self.stdout.write
        machine = platform.processor() or platform.machine()
        out(
            f"breach fan-out bench: {customers:,} affected customers, {machine}, "
            f"{os.cpu_count()} cores, PostgreSQL, {timezone.now():%Y-%m-%d %H:%M} UTC"
        )
        _customers_sql(customers)
        incident = disclosures.breach_record(
            actor=None,
            reference="BENCH-1",
            title="Bench incident",
            description="Generated for the benchmark.",
            discovered_at=timezone.now() - timedelta(hours=1),
            categories=["contact"],
            notice_ru="Тестовое уведомление.",
            notice_kk="Сынақ хабарламасы.",
            notice_en="A test notice.",
        )
        from accounts.models import Customer

        added = disclosures.breach_affected_add_query(
            incident=incident, customers=Customer.objects.all(), actor=None
        )
        out(f"affected rows written: {added:,}")

        started = time.perf_counter()
        run = disclosures.breach_notices_write(incident=incident, time_budget=10**6)
        write_s = time.perf_counter() - started
        assert run.rest is None
        mailing = disclosures.breach_mailing(incident=incident)
        mailing.refresh_from_db()
        chunks = fanout.mailing_chunks_due(mailing_id=mailing.pk, limit=10**9)
        out(
            f"notices written: {mailing.written:,} in {write_s:.2f} s "
            f"({mailing.written / write_s:,.0f}/s; target < 10 s for 100,000)"
        )
        out(
            f"broker messages for the whole fan-out: {len(chunks)} chunk messages + 1 writer "
            f"task ({settings.MAILING_CHUNK_SIZE} emails per chunk, one SMTP connection each)"
        )

        sink = SmtpSink()
        sink.start()
        redis = PrivateRedis(workdir)
        redis.start()
        try:
            baseline = self._send_mail_loop(sink, send)
            out(f"plain send_mail loop, one process: {baseline:,.0f} emails/s")
            for count in (1, 2):
                rate = self._workers_rate(
                    count, send, chunks, mailing, sink, redis, workdir, outbox_send_chunk
                )
                out(
                    f"{count} worker(s): {rate:,.0f} emails/s = {rate / baseline:.2f}x "
                    "the send_mail loop"
                )
                chunks = fanout.mailing_chunks_due(mailing_id=mailing.pk, limit=10**9)
        finally:
            sink.stop()
            redis.stop()
        sent = Mailing.objects.get(pk=mailing.pk).sent
        dup = OutboundMessage.objects.filter(mailing=mailing, possible_duplicates__gt=0).count()
        out(f"sent by the workers: {sent:,}; possibly duplicated: {dup}")

    def _send_mail_loop(self, sink, count: int) -> float:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=sink.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
        ):
            started = time.perf_counter()
            for n in range(count):
                send_mail(
                    "Homeshop.kz: инцидент",
                    "Здравствуйте! Тестовое уведомление.",
                    settings.DEFAULT_FROM_EMAIL,
                    [f"loop{n}@bench.homeshop.kz"],
                )
            return count / (time.perf_counter() - started)

    def _workers_rate(self, count, send, chunks, mailing, sink, redis, workdir, task) -> float:
        from homeshop_privacy.celery import app
        from homeshop_privacy.models import Mailing
        from tests.mailing_processes import Workers

        workers = Workers(workdir, redis.url, sink.port, MAILING_SWEEP_GRACE_SECONDS="3600")
        for _ in range(count):
            workers.start(beat=False)
        time.sleep(8)  # the workers start (Django, Celery) before the clock does
        try:
            size = settings.MAILING_CHUNK_SIZE
            wanted = chunks[: max(send // size, 1)]
            before = Mailing.objects.get(pk=mailing.pk).sent
            target = before + sum(1 for _ in wanted) * size
            with app.connection_for_write(redis.url) as conn:
                started = time.perf_counter()
                for mailing_id, first_id, last_id in wanted:
                    task.apply_async((mailing_id, first_id, last_id), connection=conn)
            deadline = time.monotonic() + 900
            while Mailing.objects.get(pk=mailing.pk).sent < target:
                if time.monotonic() > deadline:
                    raise RuntimeError("the workers did not finish within 15 minutes")
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            return (target - before) / elapsed
        finally:
            workers.stop_all()
