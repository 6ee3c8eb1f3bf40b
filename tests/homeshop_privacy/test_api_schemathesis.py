"""Property-based tests of every API endpoint from its OpenAPI schema (issue 12).

Schemathesis generates requests (valid and invalid) for each operation and sends them
through the WSGI application with a key holding every scope. No request may end in a
server error, and a refused one (4xx) may write nothing.

Limits: ``MAX_EXAMPLES`` per operation and a budget of ``SECONDS_PER_OPERATION``; beyond
it an operation's remaining examples are not sent (Hypothesis has no time limit of its
own). The run's numbers are in the report of issue 12.
"""

import time

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api_keys import key_with

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

MAX_EXAMPLES = 40
SECONDS_PER_OPERATION = 40


def _document() -> dict:
    """The schema /api/v1/schema/ serves, built in-process (collection has no database)."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_document())
APP = get_wsgi_application()

#: Tables an API call can write; a refused call leaves each one's row count and last id.
WATCHED = (
    "accounts_customer",
    "accounts_historicalcustomer",
    "accounts_address",
    "accounts_order",
    "accounts_historicalorder",
    "accounts_visitevent",
    "consents_consentevent",
    "consents_consentstate",
    "consents_consentwording",
    "claims_claim",
    "claims_claimattachment",
    "disclosures_disclosure",
    "disclosures_disclosureline",
    "homeshop_privacy_outboundmessage",
    "homeshop_privacy_webhookevent",
    "homeshop_privacy_idempotentreply",
)


def _state() -> tuple:
    with connection.cursor() as cursor:
        # In a fixed order: PostgreSQL returns a UNION ALL's parts in any order it likes.
        cursor.execute(
            "SELECT * FROM ("
            + " UNION ALL ".join(
                f"SELECT '{table}' AS name, count(*), coalesce(max(id), 0) FROM {table}"
                for table in WATCHED
            )
            + ") AS counts ORDER BY name"
        )
        return tuple(cursor.fetchall())


@pytest.fixture(scope="module")
def _budget():
    budget = {"statuses": {}}
    started = time.monotonic()
    yield budget
    # Shown with ``pytest -s``: the run's numbers (calls and answers per status).
    print(  # noqa: T201
        f"\nschemathesis: {budget.get('calls', 0)} calls in {time.monotonic() - started:.0f} s,"
        f" statuses {dict(sorted(budget['statuses'].items()))}"
    )


@pytest.fixture
def _keep_the_test_connection():
    """As Django's test client does: a request must not close the test's connection (its
    transaction holds the test's rows)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth(settings, _keep_the_test_connection):
    settings.API_THROTTLE_RATE = "100000/min"
    cache.clear()
    _key, raw = key_with()
    return {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_error_and_nothing_half_written(case, auth, _budget):
    started = _budget.setdefault(case.operation.label, time.monotonic())
    _budget.setdefault("calls", 0)
    if time.monotonic() - started > SECONDS_PER_OPERATION:
        return
    before = _state()
    response = case.call(headers=auth, app=APP)
    _budget["calls"] += 1
    statuses = _budget["statuses"]
    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    case.validate_response(
        response, checks=[not_a_server_error], headers=auth, transport_kwargs={"app": APP}
    )
    if 400 <= response.status_code < 500:
        assert _state() == before, f"{case.operation.label} {response.status_code} wrote rows"
