"""Real processes for the large-mailing fault tests: a private Redis, an SMTP sink, workers.

- ``PrivateRedis``: a ``redis-server`` of the test's own on a free port (never the shared
  one), without persistence, so a restart loses every queued task as a crash would.
- ``SmtpSink``: an aiosmtpd server on a free port that records every delivered email
  (recipient, Message-ID) and can refuse the first N sessions (421) or messages (451).
- ``Workers``: ``celery worker -B`` processes on the test database, the private broker and
  the sink; beat runs the sweepers every second, so the test publishes nothing itself:
  what recovers after a fault is the system's own machinery.
- ``Deadline``: the explicit time limit of a test; every wait draws from it.
"""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def wait_for(self, predicate, what: str, poll: float = 0.2):
        while time.monotonic() < self.end:
            if predicate():
                return
            time.sleep(poll)
        raise AssertionError(f"over the test's time limit ({self.seconds} s) waiting for {what}")


class PrivateRedis:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("the private redis-server did not start")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # a crash: whatever was queued is gone
            self.proc.wait(timeout=20)

    def restart(self):
        self.stop()
        self.start()


class _Handler:
    def __init__(self, refuse_sessions: int, refuse_messages: int):
        self.refuse_sessions = refuse_sessions
        self.refuse_messages = refuse_messages
        self.lock = threading.Lock()
        self.delivered: list[tuple[str, str]] = []  # (recipient, Message-ID)
        self.refused = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            if self.refuse_sessions > 0:
                self.refuse_sessions -= 1
                self.refused += 1
                return "421 4.3.2 Service not available, try later"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse_messages > 0:
                self.refuse_messages -= 1
                self.refused += 1
                return "451 4.3.0 Temporary failure, try later"
        text = envelope.content.decode("utf-8", "replace")
        found = re.search(r"^Message-ID:\s*(\S+)", text, re.MULTILINE | re.IGNORECASE)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.delivered.append((rcpt.lower(), found.group(1) if found else ""))
        await asyncio.sleep(0)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, refuse_sessions: int = 0, refuse_messages: int = 0):
        self.port = free_port()
        self.handler = _Handler(refuse_sessions, refuse_messages)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    @property
    def delivered(self) -> list[tuple[str, str]]:
        with self.handler.lock:
            return list(self.handler.delivered)

    def per_recipient(self) -> Counter:
        return Counter(rcpt for rcpt, _mid in self.delivered)


def database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


class Workers:
    def __init__(self, workdir: Path, broker_url: str, smtp_port: int, **extra_env: str):
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        self.env.update(
            DATABASE_URL=database_url(),
            CELERY_BROKER_URL=broker_url,
            EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
            HOMESHOP_VAR_DIR=str(workdir),
            DJANGO_SETTINGS_MODULE="homeshop_privacy.settings",
            OUTBOX_SWEEP_SECONDS="1",
            BREACH_NOTIFY_SWEEP_SECONDS="1",
            MAILING_SWEEP_GRACE_SECONDS="4",
            OUTBOX_RETRY_BASE_SECONDS="1",
            OPS_MONITOR="false",
        )
        self.env.update(extra_env)
        self.started: list[tuple[subprocess.Popen, object]] = []

    def start(self, *, beat: bool = True) -> subprocess.Popen:
        log = open(self.workdir / f"worker-{len(self.started)}.log", "w")  # noqa: SIM115
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "homeshop_privacy",
            "worker",
            # Both queues, as `make run` does: breach fan-outs go to "mailings".
            "--queues=celery,mailings",
            "--concurrency=1",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            f"--hostname=test{len(self.started)}@%h",
        ]
        if beat:
            args += ["-B", f"--schedule={self.workdir / f'beat-{len(self.started)}'}"]
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((proc, log))
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen):
        """SIGKILL the worker and every process it started (pool, beat)."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)

    def stop_all(self):
        for proc, log in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            log.close()
