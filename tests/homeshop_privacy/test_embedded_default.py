"""Issue 9 §1: the embedded default of ``make run`` (no DATABASE_URL, EMAIL_URL, broker).

Each check starts ``manage.py`` in a subprocess with a bare environment and a temporary
``HOMESHOP_VAR_DIR``, as ``make run`` would on a new machine.
"""

import email
import os
import subprocess
import sys
from pathlib import Path

from django.core.mail import EmailMessage
from kombu import Connection

from homeshop_privacy import broker
from homeshop_privacy.email_backends import FileEmailBackend

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
        env.pop(key, None)
    env["HOMESHOP_ENV_FILE"] = ""  # a developer's .env is not the bare machine
    env.update(DJANGO_DEBUG="true", DJANGO_SECRET_KEY="embedded-default-test-key-7f3a9c1e")
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _shell(code: str, **env):
    result = _manage("shell", "-v", "0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_email_url_emails_are_files_in_var_mail(tmp_path):
    out = _shell(
        "from django.conf import settings as s; from django.core.mail import send_mail;"
        "send_mail('Проверка', 'Текст', None, ['aigerim@example.kz']);"
        "print(s.EMAIL_FILE_PATH)",
        HOMESHOP_VAR_DIR=str(tmp_path),
    )
    assert out == str(tmp_path / "mail")
    (written,) = (tmp_path / "mail").iterdir()
    assert email.message_from_bytes(written.read_bytes())["To"] == "aigerim@example.kz"
    # Nothing landed in a folder nested under the project (the bug: a relative path).
    assert not (ROOT / str(tmp_path).lstrip("/")).exists()


def test_a_filemail_url_keeps_its_absolute_path(tmp_path):
    out = _shell(
        "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_FILE_PATH)",
        HOMESHOP_VAR_DIR=str(tmp_path),
        EMAIL_URL=f"filemail://{tmp_path / 'elsewhere'}",
    )
    assert out == f"homeshop_privacy.email_backends.FileEmailBackend {tmp_path / 'elsewhere'}"


def test_the_embedded_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    out = _shell(
        "from django.db import connection as c;"
        "cur = c.cursor();"
        "print(cur.execute('PRAGMA journal_mode').fetchone()[0],"
        " cur.execute('PRAGMA synchronous').fetchone()[0],"
        " cur.execute('PRAGMA busy_timeout').fetchone()[0],"
        " c.transaction_mode)",
        HOMESHOP_VAR_DIR=str(tmp_path),
    )
    # WAL: readers beside the writer; synchronous=1 is NORMAL; a 20 s busy timeout;
    # BEGIN IMMEDIATE, so a transaction never fails upgrading its read lock.
    assert out == "wal 1 20000 IMMEDIATE"


def test_each_email_is_one_file_even_when_sent_in_the_same_second(tmp_path):
    # Django's file backend names its file by the second and the backend's id(), which
    # is reused: these three would land in one file.
    for n in range(3):
        backend = FileEmailBackend(file_path=tmp_path)
        message = EmailMessage(f"Письмо {n}", "Текст", "shop@homeshop.kz", ["a@example.kz"])
        message.extra_headers["Message-ID"] = f"<{n}@homeshop.kz>"
        assert backend.send_messages([message]) == 1
        del backend
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3
    ids = sorted(email.message_from_bytes(f.read_bytes())["Message-ID"] for f in files)
    assert ids == ["<0@homeshop.kz>", "<1@homeshop.kz>", "<2@homeshop.kz>"]


def test_a_task_file_appears_in_the_queue_folder_only_when_whole(tmp_path, monkeypatch):
    # Kombu's own filesystem transport creates the file, then writes it: a worker that
    # polls in between reads an empty message, stops with "Unrecoverable error", and the
    # task is lost (seen in the concurrent run of the embedded default).
    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
    }
    visible_while_writing = []
    encode = broker.str_to_bytes

    def spy(text):
        visible_while_writing.extend(p.name for p in tmp_path.glob("*.outbox.msg"))
        return encode(text)

    monkeypatch.setattr(broker, "str_to_bytes", spy)
    with Connection("filesystem://", transport_options=options) as conn:
        assert isinstance(conn.transport, broker.Transport)  # what filesystem:// now means
        queue = conn.SimpleQueue("outbox")
        queue.put({"message_id": 42})
        assert visible_while_writing == []
        received = queue.get(timeout=5)
        assert received.payload == {"message_id": 42}
        received.ack()
        queue.close()


def test_seed_demo_runs_on_the_embedded_sqlite(tmp_path):
    # ``make run`` on a new machine: migrate, then the demo data, on SQLite. The demo's
    # breach adds its affected customers and writes their notices (set-based SQL on
    # PostgreSQL, a portable path here).
    var = str(tmp_path)
    migrated = _manage("migrate", "-v", "0", HOMESHOP_VAR_DIR=var, DJANGO_ENV="development")
    assert migrated.returncode == 0, migrated.stderr
    seeded = _manage("seed_demo", HOMESHOP_VAR_DIR=var, DJANGO_ENV="development")
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert "Demo data ready." in seeded.stdout
    out = _shell(
        "from django.db import connection as c;"
        "from disclosures.models import BreachAffected, BreachIncident, BreachNotice;"
        "i = BreachIncident.objects.get("
        "pk=BreachAffected.objects.values_list('incident_id', flat=True).first());"
        "print(c.vendor, i.affected_count == i.affected.count() > 0,"
        " BreachNotice.objects.filter(incident=i).count() > 0)",
        HOMESHOP_VAR_DIR=var,
        DJANGO_ENV="development",
    )
    assert out == "sqlite True True"
