"""A bounded load test on loopback (issue 14): ``make loadtest``.

gunicorn serves the bench database of ``--scale`` (made by ``manage.py bench``, reused);
locust runs headless with a fixed number of users for a fixed number of seconds:
customers on their account pages, compliance officers (password and a backup code: the
second factor stays on) on the admin list pages. p50, p95 and errors per page go to
``docs/benchmarks.md``, in a section ``make bench`` keeps.

The accounts are invented rows of the bench database, given fresh throwaway passwords on
each run and written to ``var/loadtest/users.json`` for locust; nothing here touches the
development or the test database. gunicorn runs the development profile with DEBUG off:
the production profile wants HTTPS-only cookies, which a plain loopback test cannot send.
"""

import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from homeshop_privacy.management.commands.bench import Command as Bench
from homeshop_privacy.management.commands.bench import _switch

START = "<!-- load test: written by make loadtest -->"
END = "<!-- /load test -->"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accounts(customers: int, officers: int) -> dict:
    """Sign-in accounts for the bench rows, with new passwords (and backup codes)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from accounts.models import Customer, User
    from accounts.two_factor import backup_code_digest
    from homeshop_privacy import roles

    out = {"customers": [], "officers": []}
    with transaction.atomic():
        for customer in Customer.objects.order_by("pk")[:customers]:
            password = secrets.token_urlsafe(12)
            user = customer.user or User.objects.filter(email=customer.email).first()
            if user is None:
                user = User.objects.create_user(customer.email, password)
            user.set_password(password)
            user.save(update_fields=["password"])
            if customer.user_id != user.pk:
                customer.user = user
                customer.save(update_fields=["user"])  # with its history row
            out["customers"].append({"email": customer.email, "password": password})
        staff = User.objects.filter(
            is_active=True, is_staff=True, groups__name=roles.COMPLIANCE_OFFICER
        ).order_by("pk")[:officers]
        for user in staff:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            device, _created = StaticDevice.objects.get_or_create(
                user=user, name="load test codes", defaults={"confirmed": True}
            )
            device.token_set.all().delete()
            codes = [secrets.token_hex(5) for _ in range(50)]
            StaticToken.objects.bulk_create(
                StaticToken(device=device, token=backup_code_digest(code)) for code in codes
            )
            out["officers"].append({"email": user.email, "password": password, "codes": codes})
        # The shop's back end: a key for the promotion check (revoked keys of earlier runs
        # stay in the bench database, harmless), and the addresses it asks about.
        from homeshop_privacy.api.keys import api_key_create

        _key, raw = api_key_create(name="Load test", scopes=["promotions:check"], actor=None)
        out["api_key"] = raw
        out["emails"] = list(Customer.objects.order_by("pk").values_list("email", flat=True)[:1000])
    return out


class Command(BaseCommand):
    help = "Load test on loopback: gunicorn on the bench database, locust headless."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=0.01)
        parser.add_argument("--users", type=int, default=20)
        parser.add_argument("--spawn-rate", type=float, default=5)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument("--output", default="docs/benchmarks.md")

    def handle(self, *args, scale, users, spawn_rate, seconds, workers, output, **options):
        base = settings.DATABASES["default"]["NAME"]
        bench = Bench(stdout=self.stdout, stderr=self.stderr)
        name = bench._ensure(scale, regenerate=False)
        accounts = _accounts(customers=max(users, 1), officers=4)
        folder = Path(settings.BASE_DIR) / "var" / "loadtest"
        folder.mkdir(parents=True, exist_ok=True)
        users_file = folder / "users.json"
        users_file.touch(mode=0o600)
        users_file.write_text(json.dumps(accounts))
        db = connection.settings_dict
        url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{name}"
        )
        _switch(base)
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_ENV": "development",
            "DJANGO_DEBUG": "false",
            "STAFF_OTP_REQUIRED": "true",
            "LOADTEST_USERS": str(users_file),
        }
        binary = Path(sys.executable).parent
        server = subprocess.Popen(
            [
                str(binary / "gunicorn"),
                "homeshop_privacy.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            env=env,
        )
        try:
            self._wait_for(port)
            started = timezone.now()
            prefix = folder / "run"
            subprocess.run(
                [
                    str(binary / "locust"),
                    "-f",
                    str(Path(settings.BASE_DIR) / "loadtest" / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(spawn_rate),
                    "--run-time",
                    f"{seconds}s",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                env=env,
                check=False,
                timeout=seconds + 120,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        section = self._section(
            Path(f"{prefix}_stats.csv"), started, scale, users, seconds, workers
        )
        self.stdout.write(section)
        self._write(Path(output), section)

    def _wait_for(self, port: int) -> None:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/account/login/", timeout=5)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer")

    def _section(self, stats: Path, started, scale, users, seconds, workers) -> str:
        lines = [
            START,
            "## Load test (`make loadtest`)",
            "",
            f"- date: {started:%Y-%m-%d %H:%M} UTC; scale {scale:g} (bench database); "
            f"gunicorn, {workers} sync workers, PostgreSQL, loopback; locust headless, "
            f"{users} users (3 customers : 1 officer : 1 shop API client), {seconds} s, "
            "1-3 s between requests",
            "",
            "| request | count | errors | p50 ms | p95 ms | max ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        with stats.open() as handle:
            for row in csv.DictReader(handle):
                name = f"{row['Type']} {row['Name']}".strip()
                lines.append(
                    f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
                    f"{row['50%']} | {row['95%']} | {float(row['Max Response Time']):.0f} |"
                )
        lines.append(END)
        return "\n".join(lines) + "\n"

    def _write(self, path: Path, section: str) -> None:
        text = path.read_text() if path.exists() else Bench.KEEP_MARK + "\n"
        if START in text and END in text:
            before, rest = text.split(START, 1)
            after = rest.split(END, 1)[1].lstrip("\n")
            text = before + section + after
        else:
            if Bench.KEEP_MARK not in text:
                text += "\n" + Bench.KEEP_MARK + "\n"
            text = text.rstrip("\n") + "\n\n" + section
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.stdout.write(f"written to {path}")
