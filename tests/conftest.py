"""Shared fixtures.

Tests marked ``postgres`` or ``redis`` need the real server. Without it they are skipped
with the reason printed; with ``HOMESHOP_REQUIRE_SERVICES=1`` (CI) a missing server
fails them instead, so CI can never pass by skipping.
"""

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

REQUIRE_SERVICES = os.environ.get("HOMESHOP_REQUIRE_SERVICES") == "1"

# The settings default to production; this process is development because pytest runs it
# (settings.TESTING), and the workers and commands the tests start inherit the profile here.
os.environ.setdefault("DJANGO_ENV", "development")


def _let_the_test_flush_through() -> None:
    """Issue 9 §2: the legal tables refuse TRUNCATE, which Django's flush between
    transactional tests uses. The trigger lets it through for the tables' owner (the
    tests connect as the owner) with ``homeshop.ledger_flush`` on: set here, for the
    flush's own transaction only. The application role has no TRUNCATE right at all."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver: SQLite only, nothing to let through
        return
    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        allow = "SELECT set_config('homeshop.ledger_flush', 'on', true)"
        return original(self, [allow, *sql_list])

    DatabaseOperations.execute_sql_flush = execute_sql_flush


_let_the_test_flush_through()


def _redis_reachable() -> bool:
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2):
            return True
    except OSError:
        return False


def pytest_runtest_setup(item):
    missing = []
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing.append("PostgreSQL (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and not _redis_reachable():
        missing.append("Redis (set CELERY_BROKER_URL=redis://...)")
    if missing:
        message = f"{item.nodeid} needs " + " and ".join(missing)
        if REQUIRE_SERVICES:
            pytest.fail(message + " — HOMESHOP_REQUIRE_SERVICES=1 forbids skipping")
        pytest.skip(message)


def pytest_report_header(config):
    return [
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}",
        f"broker: {settings.CELERY_BROKER_URL.split('://', 1)[0]}",
        f"require services: {REQUIRE_SERVICES}",
    ]


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request with ``Accept-Language`` (the API tests send en and kk) leaves its
    language active in the thread; the next test starts from the default (ru) again."""
    yield
    translation.deactivate()


@pytest.fixture
def client():
    """Django's test client, with staff signed in on two factors by ``force_login``.

    Two-factor sign-in (``STAFF_OTP_REQUIRED``) stays on in every test; see
    tests/two_factor.py for ``force_login(user, otp=False)`` and ``staff_login``.
    """
    from tests.two_factor import SignInClient

    return SignInClient()


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def officer(db):
    from homeshop_privacy import roles
    from tests.factories import StaffFactory

    return StaffFactory(role=roles.COMPLIANCE_OFFICER)


@pytest.fixture
def support_agent(db):
    from homeshop_privacy import roles
    from tests.factories import StaffFactory

    return StaffFactory(role=roles.SUPPORT_AGENT)


@pytest.fixture
def auditor(db):
    from homeshop_privacy import roles
    from tests.factories import StaffFactory

    return StaffFactory(role=roles.AUDITOR)


@pytest.fixture
def customer(db):
    from tests.factories import CustomerFactory

    return CustomerFactory()


def pytest_collection_modifyitems(config, items):
    """The browser journeys run last: Playwright keeps an event loop running in the main
    thread until the session ends, and Django refuses synchronous calls under a running
    loop (the health page, for one, would fail in every test after them)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
