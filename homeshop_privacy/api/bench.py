"""The API's measurements for ``manage.py bench`` (issue 12), as comparisons in one run.

- Visit events: one API call of 10,000 events (JSON parsed, every event checked, written
  with COPY) against a raw ``COPY`` of the same rows. The issue asks for at least half
  the rate of the raw COPY, i.e. a ratio of at most 2.
- The promotion check: 10 ids against 10,000 ids; the query counts must be equal.
"""

import io
import json
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from homeshop_privacy.benchmarks import Comparison

EVENTS = 10_000


def _client(*scopes):
    from rest_framework.test import APIClient

    from homeshop_privacy.api.keys import api_key_create

    _key, raw = api_key_create(name="Bench", scopes=list(scopes), actor=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _throttle_off():
    from django.conf import settings

    settings.API_THROTTLE_RATE = "1000000/min"


def _events_setup(n: int):
    _throttle_off()
    now = timezone.now()
    events = [
        {
            "occurred_at": (now - timedelta(seconds=i)).isoformat(),
            "page_url": f"https://homeshop.kz/catalog/{i % 500}/",
            "ip_address": f"192.0.2.{i % 250 + 1}",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0",
            "referrer": "https://homeshop.kz/",
            "cookie_id": f"c{i:08d}",
        }
        for i in range(n)
    ]
    csv_text = "".join(
        f'{e["occurred_at"]},"{e["page_url"]}",{e["ip_address"]},"{e["user_agent"]}",'
        f'"{e["referrer"]}","{e["cookie_id"]}"\n'
        for e in events
    )
    # The body is encoded once here: the shop's encoding of its JSON is not ours to time.
    body = json.dumps({"events": events})
    return {"client": _client("visits:write"), "body": body, "csv": csv_text}


def _raw_copy(state):
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            "COPY accounts_visitevent (occurred_at, page_url, ip_address, user_agent, "
            "referrer, cookie_id) FROM STDIN WITH (FORMAT csv)",
            io.StringIO(state["csv"]),
        )


def _api_ingest(state):
    response = state["client"].post(
        "/api/v1/visit-events/", state["body"], content_type="application/json"
    )
    assert response.status_code == 201, response.content


def _check_setup(n: int):
    from accounts.models import Customer
    from consents.models import ConsentState, Purpose

    _throttle_off()
    have = Customer.objects.filter(shop_customer_id__startswith="BENCH-").count()
    created = Customer.objects.bulk_create(
        (
            Customer(
                shop_customer_id=f"BENCH-{i}",
                first_name="Бенч",
                last_name=f"Клиент{i}",
                phone=f"+7705{i:07d}",
                email=f"bench.api{i}@example.kz",
            )
            for i in range(have, EVENTS)
        ),
        batch_size=5000,
    )
    purpose = Purpose.objects.get(code="4.2.6")
    if created:
        from consents.models import ConsentEvent
        from consents.services import consent_grant

        # One real ledger event; the other grants are states pointing at it (a bench).
        event = consent_grant(
            customer=created[0], purpose_code="4.2.6", channel=ConsentEvent.Channel.API
        )
        ConsentState.objects.bulk_create(
            (
                ConsentState(
                    customer_id=c.pk,
                    purpose=purpose,
                    is_granted=True,
                    event=event,
                    changed_at=event.occurred_at,
                )
                for c in created[1::2]
            ),
            batch_size=5000,
        )
    ids = [f"BENCH-{i}" for i in range(EVENTS)]
    return {"client": _client("promotions:check"), "few": ids[:10], "many": ids}


def _check(state, key):
    response = state["client"].post(
        "/api/v1/promotions/check/", {"shop_customer_ids": state[key]}, format="json"
    )
    assert response.status_code == 200, response.content


COMPARISONS = [
    Comparison(
        "api: 10,000 visit events, raw COPY vs API call",
        size=EVENTS,
        setup=_events_setup,
        baseline=_raw_copy,
        measured=_api_ingest,
    ),
    Comparison(
        "api: promotion check, 10 vs 10,000 ids",
        size=EVENTS,
        setup=_check_setup,
        baseline=lambda s: _check(s, "few"),
        measured=lambda s: _check(s, "many"),
    ),
]
