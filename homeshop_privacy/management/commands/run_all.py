"""``make run``: the web server, a Celery worker and Celery beat together (issue 13).

Why not honcho: on Ctrl-C the terminal signals every process of the foreground group at
once, so the worker got SIGINT and then honcho's SIGTERM, started a warm shutdown twice
and was killed mid-way, logging errors; and a SIGINT sent to ``make`` alone stopped
nothing, since make only waits for its children. Here:

- each process runs in its own process group, so only this supervisor (and make) sees a
  terminal's Ctrl-C; it then stops them itself, once each: SIGTERM to the web server and
  beat, SIGQUIT to the worker (Celery's immediate "cold" shutdown: tasks are acked late,
  so an unfinished one is delivered again, never lost). Whatever still runs after
  ``STOP_GRACE`` seconds is killed with its whole group (runserver's reloader child too).
- ``--make-pid`` names the make that started it: GNU make resets its SIGINT handler to
  the default when it gets one and waits for its children, so a make whose SIGINT
  handler is gone (``SigCgt`` in ``/proc``) is a make that was interrupted: stop too;
  and a make that is gone (a SIGTERM to make ends make at once) leaves this process
  with another parent: stop then as well.
- the sign-in lines come last, once the web server answers, not lost above the start-up
  output of three processes.
"""

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

STOP_GRACE = 6.0
SIGINT_BIT = 1 << (signal.SIGINT - 1)


def _make_interrupted(pid: int | None) -> bool:
    """True when make (``pid``) got SIGINT or is gone."""
    if not pid:
        return False
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            return not int(line.split()[1], 16) & SIGINT_BIT
    return False


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--make-pid", type=int, default=None)

    def handle(self, *args, port, make_pid, **options):
        # Only watch a make that handles SIGINT now (one started in the background with
        # SIGINT ignored has no handler to lose).
        if make_pid and _make_interrupted(make_pid):
            make_pid = None
        bin_dir = Path(sys.executable).parent
        commands = {
            "web": [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
            "worker": [
                str(bin_dir / "celery"), "-A", "homeshop_privacy", "worker",
                # Every queue: large mailings are routed to their own (CELERY_TASK_ROUTES).
                "--queues=celery,mailings", "--loglevel=INFO", "--concurrency=2",
            ],
            "beat": [str(bin_dir / "celery"), "-A", "homeshop_privacy", "beat", "--loglevel=INFO"],
        }  # fmt: skip
        if os.geteuid() == 0:
            self._write(
                "Running as root (as in a container): the Celery worker warns about superuser "
                "privileges. It is harmless for this demo; on a real machine run `make run` "
                "as an ordinary user (or give the worker --uid)."
            )
        self.stopping = False
        self.parent = os.getppid()
        signal.signal(signal.SIGINT, self._stop_requested)
        signal.signal(signal.SIGTERM, self._stop_requested)
        signal.signal(signal.SIGHUP, self._stop_requested)  # the terminal closed
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        processes = {
            name: subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
            for name, command in commands.items()
        }
        width = max(map(len, processes))
        streams = selectors.DefaultSelector()
        for name, process in processes.items():
            os.set_blocking(process.stdout.fileno(), False)
            streams.register(process.stdout, selectors.EVENT_READ, name)
        try:
            self._supervise(processes, streams, width, port, make_pid)
        finally:
            # Whatever ended the loop (Ctrl-C, make interrupted, a process exiting, an
            # error, a closed terminal), the three processes never outlive this one.
            self._stop_all(processes, streams, width)

    def _supervise(self, processes, streams, width, port, make_pid) -> None:
        announced = False
        started = last_output = time.monotonic()
        while not self.stopping:
            for key, _mask in streams.select(timeout=0.5):
                if self._relay(key, width):
                    last_output = time.monotonic()
            exited = [name for name, process in processes.items() if process.poll() is not None]
            if exited:
                self._write(f"{exited[0]} exited with code {processes[exited[0]].returncode}")
                return
            if _make_interrupted(make_pid) or os.getppid() != self.parent:
                return  # make was interrupted, or is gone (a SIGTERM to make)
            now = time.monotonic()
            # Last, once the web server answers and the start-up output has settled (the
            # worker catching up on queued emails), or after 30 s whatever happens.
            quiet = now - last_output > 2.0
            if not announced and ((quiet and self._answers(port)) or now - started > 30):
                self._announce(port)
                announced = True

    def _stop_requested(self, signum, frame):
        self.stopping = True

    def _write(self, text: str, style=None) -> None:
        try:
            self.stdout.write(style(text) if style else text)
        except (BrokenPipeError, OSError, ValueError):
            pass  # the terminal or the pipe reading us is gone; keep stopping cleanly

    def _relay(self, key, width) -> bool:
        try:
            data = key.fileobj.read()
        except (OSError, ValueError):
            return False
        if not data:
            return False
        for line in data.decode("utf-8", "replace").splitlines():
            self._write(f"{key.data:<{width}} | {line}")
        return True

    def _answers(self, port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.3):
                return True
        except OSError:
            return False

    def _announce(self, port: int) -> None:
        from accounts.demo import DEMO_PASSWORD, DEMO_STAFF

        site = f"http://127.0.0.1:{port}"
        lines = [
            "",
            f"Homeshop privacy is running on {site}/ (Ctrl-C stops the web server, worker "
            "and beat).",
            f"Staff: {site}/admin/ as {DEMO_STAFF[0][0]}, password {DEMO_PASSWORD}; "
            + ", ".join(email for email, _name, _role in DEMO_STAFF[1:])
            + " with the same password.",
            f"Customers: {site}/account/ as ekaterina.demo0000@example.kz, same password.",
        ]
        if not settings.STAFF_OTP_REQUIRED:
            lines.append("Staff two-factor sign-in is OFF for this demo (STAFF_OTP_REQUIRED).")
        self._write("\n".join(lines), self.style.SUCCESS)

    def _stop_all(self, processes, streams, width) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        self._write("Stopping the web server, worker and beat…")
        for name, process in processes.items():
            if process.poll() is None:
                stop = signal.SIGQUIT if name == "worker" else signal.SIGTERM
                os.killpg(process.pid, stop)
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline and any(p.poll() is None for p in processes.values()):
            for key, _mask in streams.select(timeout=0.2):
                self._relay(key, width)
        for process in processes.values():
            try:
                os.killpg(process.pid, signal.SIGKILL)  # leftovers of the group, if any
            except ProcessLookupError:
                pass
            process.wait()
        self._write("Stopped.")
