"""Issue 13: ``make run`` notices an interrupted make (GNU make resets its SIGINT handler
when it gets one, then waits for its children)."""

import subprocess
import sys
import time

from homeshop_privacy.management.commands.run_all import _make_interrupted

HANDLES_SIGINT = (
    "import signal, time; signal.signal(signal.SIGINT, lambda *a: None); time.sleep(30)"
)
HANDLER_RESET = (
    "import signal, time; signal.signal(signal.SIGINT, lambda *a: None); "
    "signal.signal(signal.SIGINT, signal.SIG_DFL); time.sleep(30)"
)


def _started(code: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(0.5)
    return process


def test_a_make_with_its_sigint_handler_is_running():
    process = _started(HANDLES_SIGINT)
    try:
        assert not _make_interrupted(process.pid)
    finally:
        process.kill()
        process.wait()


def test_a_make_whose_handler_was_reset_was_interrupted():
    process = _started(HANDLER_RESET)
    try:
        assert _make_interrupted(process.pid)
    finally:
        process.kill()
        process.wait()


def test_a_make_that_is_gone_counts_as_interrupted_and_none_is_never():
    process = _started(HANDLES_SIGINT)
    process.kill()
    process.wait()

    assert _make_interrupted(process.pid)
    assert not _make_interrupted(None)
