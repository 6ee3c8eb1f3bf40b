"""Browser journeys (issue 13): Playwright driving Debian's chromium against a live server.

- The browser is the machine's own ``chromium`` package (``apt-get install chromium``;
  ``.ci/run`` installs it), never one Playwright downloads: ``HOMESHOP_CHROMIUM`` names
  another executable. Without it the journeys are skipped, and fail under
  ``HOMESHOP_REQUIRE_SERVICES=1`` (CI), as the PostgreSQL tests do.
- The live server (pytest-django's ``live_server``) runs in a thread of this process on
  the test database, so the test reads the database and ``mail.outbox`` directly.
- Every journey saves full-page screenshots, desktop (1280 px) and phone (390 px), into
  ``var/screenshots/<journey>/`` (kept after the run; the path is printed at the end).
- ``axe_check`` runs axe-core (bundled offline by ``axe-playwright-python``) on the page
  and fails on any serious or critical violation.

Each module is marked ``browser`` (run them alone with ``pytest -m browser``) and
``postgres``.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("HOMESHOP_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
AXE_BLOCKING = ("serious", "critical")
#: One navigation or click waits at most this long (the default is 30 s).
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session", autouse=True)
def _sync_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    (to set up data, check what the browser wrote, and flush the database after each
    journey) are synchronous and safe here. Set from the first journey to the end of the
    session (the journeys run last): set at import, it reached every test of the run and
    the commands they start (``check --deploy`` refuses it in production)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session", autouse=True)
def _chromium_present():
    if not os.access(CHROMIUM, os.X_OK):
        message = f"the browser journeys need chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("HOMESHOP_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " — HOMESHOP_REQUIRE_SERVICES=1 forbids skipping")
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": DESKTOP,
        "locale": "ru-RU",
        "accept_downloads": True,
    }


@pytest.fixture
def page(page):
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def site(live_server, settings):
    """The live server's address; links in emails point at it too."""
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    return live_server.url


class Shots:
    """Full-page screenshots of one journey, desktop then phone, numbered in order."""

    def __init__(self, page, folder: Path):
        self.page = page
        self.folder = folder
        self.count = 0
        self.files: list[Path] = []

    def __call__(self, name: str) -> None:
        self.count += 1
        stem = f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}"
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            path = self.folder / f"{stem}-{label}.png"
            self.page.screenshot(path=str(path), full_page=True)
            self.files.append(path)
        self.page.set_viewport_size(DESKTOP)


@pytest.fixture
def shots(page, request):
    folder = SCREENSHOTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Shots(page, folder)


@pytest.fixture
def axe_check(page):
    """Run axe-core on the page; fail on a serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    checked: list[str] = []

    def check(label: str) -> None:
        results = axe.run(page)
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in results.response["violations"]
            if v.get("impact") in AXE_BLOCKING
        ]
        assert not blocking, f"axe on {label} ({page.url}):\n" + "\n".join(blocking)
        checked.append(label)

    check.checked = checked
    return check


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"browser journeys: screenshots in {SCREENSHOTS}")
