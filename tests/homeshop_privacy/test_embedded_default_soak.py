"""The embedded default under load: worker, beat, web and a writer on one SQLite file.

What ``make run`` starts, started here as separate processes on a fresh SQLite database,
the filesystem Celery transport and the file email backend under a temporary
``HOMESHOP_VAR_DIR``: a Celery worker (two pool processes) and Celery beat (the outbox
sweep every few seconds), the web server, a writer process that registers customers and
puts promotions and acknowledgements into the outbox, and a thread that unsubscribes
customers through the one-click links of their promotions (4.3) while these are being
sent and reads pages. After ``SOAK_SECONDS`` the writers stop, the outbox drains, and:

- no process logged "database is locked" (nor any traceback);
- every row marked sent has exactly one email file, holding exactly that message;
- every email file belongs to a row marked sent (nothing delivered is recorded unsent
  or cancelled).

The subprocesses always run on SQLite, whatever DATABASE_URL the test run uses (CI's
PostgreSQL included): the environment they get names SQLite explicitly. Select it alone
with ``-m soak``; ``make test`` runs it (about two minutes with the migrations).
"""

import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.soak

ROOT = Path(__file__).resolve().parents[2]
SOAK_SECONDS = 60
WRITES_PER_SECOND = 6
MIN_MESSAGES = 200
#: Rows still waiting after the writers stop must be sent within this time.
DRAIN_SECONDS = 90
UNFINISHED = ("pending", "sending", "retrying")
LOCK_ERROR = "database is locked"
MESSAGE_ID = re.compile(rb"^Message-ID: *(<[^>\r\n]+>)", re.MULTILINE | re.IGNORECASE)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(var_dir: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTEST_VERSION", "EMAIL_URL", "PYTEST_CURRENT_TEST")
    }
    env.update(
        HOMESHOP_VAR_DIR=str(var_dir),
        # Forced, whatever the test run itself uses: this is the embedded default.
        DATABASE_URL=f"sqlite:///{var_dir / 'homeshop_privacy.sqlite3'}",
        CELERY_BROKER_URL="filesystem://localhost//",
        DJANGO_SETTINGS_MODULE="homeshop_privacy.settings",
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY="soak-test-only-key-4c1f0e6b9a2d7e3f5a8b",
        SITE_URL=f"http://127.0.0.1:{port}",
        OUTBOX_SWEEP_SECONDS="3",
        PYTHONUNBUFFERED="1",
    )
    return env


class Processes:
    """Starts subprocesses in their own process groups and stops them all at the end."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env = env
        self.logs = logs
        self.started: list[tuple[subprocess.Popen, object]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed in stop_all
        proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((proc, log))
        return proc

    def stop_all(self) -> None:
        for proc, _log in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, log in self.started:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            log.close()


def _rows(database: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(sql, params).fetchall()


def _poll(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _web_is_up(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/privacy-policy/", timeout=5)
    except (urllib.error.URLError, OSError):
        return False
    return True


# The header is folded: the link starts on the next line.
UNSUBSCRIBE_HEADER = re.compile(rb"^List-Unsubscribe:\s*<([^>\s]+)>", re.MULTILINE)


def _unsubscriber(mail_dir: Path, port: int, stop: threading.Event, done: dict) -> None:
    """Unsubscribes random customers through their promotions' one-click links (4.3),
    taken from the delivered emails: the outbox rows never hold them (issue 8 item 3)."""
    rng = random.Random(2026)
    while not stop.is_set():
        try:
            files = sorted(mail_dir.iterdir())[-200:] if mail_dir.is_dir() else []
            links = [
                link.decode()
                for path in files
                for link in UNSUBSCRIBE_HEADER.findall(path.read_bytes())
            ]
            if links:
                link = rng.choice(links)
                data = urllib.parse.urlencode({"List-Unsubscribe": "One-Click"}).encode()
                urllib.request.urlopen(link, data=data, timeout=30).read()
                done["unsubscribes"] += 1
            urllib.request.urlopen(f"http://127.0.0.1:{port}/privacy-policy/", timeout=30).read()
            done["pages"] += 1
        except (urllib.error.URLError, OSError) as exc:
            done["errors"].append(repr(exc))
        stop.wait(0.4)


def _mail_files(mail_dir: Path) -> dict[str, list[bytes]]:
    """Each email file and the Message-IDs it holds."""
    return {
        path.name: MESSAGE_ID.findall(path.read_bytes())
        for path in sorted(mail_dir.iterdir())
        if path.is_file()
    }


def test_worker_beat_web_and_writer_on_sqlite_for_a_minute(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    port = _free_port()
    env = _environment(var_dir, port)
    database = var_dir / "homeshop_privacy.sqlite3"
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr

    processes = Processes(env, tmp_path)
    unsubscribed = {"unsubscribes": 0, "pages": 0, "errors": []}
    stop = threading.Event()
    web_thread = threading.Thread(
        target=_unsubscriber, args=(var_dir / "mail", port, stop, unsubscribed), daemon=True
    )
    try:
        processes.start(
            "worker",
            "-m",
            "celery",
            "-A",
            "homeshop_privacy",
            "worker",
            "--queues=celery,mailings",
            "--concurrency=2",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        )
        processes.start(
            "beat",
            "-m",
            "celery",
            "-A",
            "homeshop_privacy",
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(var_dir / "celerybeat-schedule"),
        )
        processes.start("web", "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload")
        assert _poll(lambda: _web_is_up(port), timeout=90), "the web server did not start"

        writer = processes.start(
            "writer",
            "-m",
            "tests.homeshop_privacy.soak_writer",
            str(SOAK_SECONDS),
            str(WRITES_PER_SECOND),
        )
        web_thread.start()
        writer.wait(timeout=SOAK_SECONDS + 120)
        stop.set()
        web_thread.join(timeout=60)

        placeholders = ",".join("?" * len(UNFINISHED))
        drained = _poll(
            lambda: (
                not _rows(
                    database,
                    f"SELECT id FROM homeshop_privacy_outboundmessage "
                    f"WHERE status IN ({placeholders})",
                    UNFINISHED,
                )
            ),
            timeout=DRAIN_SECONDS,
        )
    finally:
        stop.set()
        processes.stop_all()

    logs = {path.name: path.read_text(errors="replace") for path in tmp_path.glob("*.log")}
    lock_errors = {name: text.count(LOCK_ERROR) for name, text in logs.items()}
    rows = _rows(database, "SELECT message_id, status FROM homeshop_privacy_outboundmessage")
    status_of = {message_id: status for message_id, status in rows}
    sent = {message_id for message_id, status in rows if status == "sent"}
    files = _mail_files(var_dir / "mail") if (var_dir / "mail").is_dir() else {}
    files_of: dict[str, list[str]] = {}
    for name, ids in files.items():
        for message_id in ids:
            files_of.setdefault(message_id.decode(), []).append(name)
    writer_summary = json.loads(logs["writer.log"].strip().splitlines()[-1])
    figures = {
        "messages": len(rows),
        "sent": len(sent),
        "cancelled": sum(1 for _id, status in rows if status == "cancelled"),
        "unfinished": sum(1 for _id, status in rows if status in UNFINISHED),
        "email_files": len(files),
        "lock_errors": sum(lock_errors.values()),
        "unsubscribes": unsubscribed["unsubscribes"],
        "page_reads": unsubscribed["pages"],
        "writer": writer_summary,
    }
    print("\nembedded-default soak:", json.dumps(figures))

    assert figures["messages"] >= MIN_MESSAGES, figures
    assert drained, f"the outbox did not drain within {DRAIN_SECONDS}s: {figures}"
    assert lock_errors == dict.fromkeys(lock_errors, 0), lock_errors
    crashed = {name: text.count("Traceback") for name, text in logs.items() if "Traceback" in text}
    assert not crashed, crashed
    assert writer_summary["errors"] == 0, logs["writer.log"][-3000:]
    assert unsubscribed["errors"] == [], unsubscribed["errors"][:5]
    assert unsubscribed["unsubscribes"] > 0
    # Every sent row: exactly one file, holding only that message.
    for message_id in sent:
        names = files_of.get(message_id, [])
        assert len(names) == 1, (message_id, names)
        assert len(files[names[0]]) == 1, (names[0], files[names[0]])
    # Every file: one message, of a row marked sent.
    assert files, "no email file was written under HOMESHOP_VAR_DIR/mail"
    for name, ids in files.items():
        assert len(ids) == 1, (name, ids)
        assert status_of.get(ids[0].decode()) == "sent", (name, ids[0])
