"""Benchmarks of the consent ledger at scale (see ``manage.py bench``)."""

from datetime import timedelta

from django.db import models, transaction
from django.utils import timezone

from accounts.models import Customer
from homeshop_privacy.benchmarks import Comparison, Measure, raw_sql

from .models import ConsentEvent, PolicyVersion, Purpose
from .selectors import (
    PROMOTIONS_EMAIL,
    customer_ids_with_consent_at,
    customers_promotable,
    customers_promotable_count,
)
from .services import consent_states_rebuild

CODES = ("4.2.6", "4.2.7", "cookies.analytics")


def _ledger(n: int):
    """``n`` events over ``n // 4`` customers and three purposes, state table rebuilt."""
    customers_wanted = max(n // 4, 1)
    have = Customer.objects.filter(email__startswith="consent-bench").count()
    Customer.objects.bulk_create(
        (
            Customer(
                first_name="Бенч",
                last_name=f"Согласие{i}",
                phone=f"+7702{i:07d}",
                email=f"consent-bench{i}@example.kz",
            )
            for i in range(have, customers_wanted)
        ),
        batch_size=5000,
    )
    customer_ids = list(
        Customer.objects.filter(email__startswith="consent-bench")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    purposes = [Purpose.objects.get(code=code).pk for code in CODES]
    version = PolicyVersion.objects.get(label="1")
    start = timezone.now() - timedelta(days=300)
    have_events = ConsentEvent.objects.count()
    ConsentEvent.objects.bulk_create(
        (
            ConsentEvent(
                customer_id=customer_ids[(i * 7919) % len(customer_ids)],
                purpose_id=purposes[i % len(purposes)],
                action="grant" if (i * 31) % 7 < 4 else "withdraw",
                policy_version=version,
                occurred_at=start + timedelta(seconds=i),
                channel="registration",
                ip_address="192.0.2.1",
            )
            for i in range(have_events, n)
        ),
        batch_size=5000,
    )
    consent_states_rebuild()
    raw_sql("ANALYZE")
    return {}


def _selector_state():
    from datetime import timedelta

    return {
        "at": timezone.now() - timedelta(days=1),
        "purpose_id": Purpose.objects.get(code=PROMOTIONS_EMAIL).pk,
    }


def _ids_at(state):
    return list(customer_ids_with_consent_at(purpose_code=PROMOTIONS_EMAIL, at=state["at"]))


def _ids_at_raw(state):
    return raw_sql(
        "SELECT customer_id FROM (SELECT DISTINCT ON (customer_id) customer_id, action "
        "FROM consents_consentevent WHERE purpose_id = %s AND occurred_at <= %s "
        "ORDER BY customer_id, occurred_at DESC, id DESC) latest WHERE action = 'grant'",
        [state["purpose_id"], state["at"]],
    )


def _promotable_raw(state):
    return raw_sql(
        "SELECT count(*) FROM consents_consentstate WHERE purpose_id = %s AND is_granted",
        [state["purpose_id"]],
    )


MEASURES = [
    Measure(
        "consents: customer_ids_with_consent_at, yesterday (raw: DISTINCT ON)",
        setup=_selector_state,
        run=_ids_at,
        raw=_ids_at_raw,
        ratio_of="time",
    ),
    Measure(
        "consents: promotable count (raw: count of granted states)",
        setup=_selector_state,
        run=lambda s: customers_promotable_count(),
        raw=_promotable_raw,
        ratio_of="time",
    ),
    Measure(
        "consents: promotable segment, first 1,000 ids",
        setup=_selector_state,
        run=lambda s: list(
            customers_promotable().order_by("pk").values_list("pk", flat=True)[:1000]
        ),
    ),
]


# --- the cost of the hash chain (issue 9 §2) -------------------------------------------------


def _chain_setup(n: int):
    """``n // 10`` customers (10 events each per run) with a ledger behind them."""
    state = _ledger(n * 5)
    ids = list(
        Customer.objects.filter(email__startswith="consent-bench")
        .order_by("pk")
        .values_list("pk", flat=True)[: max(n // 10, 1)]
    )
    state.update(
        customer_ids=ids,
        n=n,
        purpose_id=Purpose.objects.get(code="4.2.6").pk,
        version=PolicyVersion.objects.get(label="1"),
    )
    return state


def _events(state, n):
    ids = state["customer_ids"]
    now = timezone.now()
    return [
        ConsentEvent(
            customer_id=ids[i % len(ids)],
            purpose_id=state["purpose_id"],
            action="grant" if i % 2 else "withdraw",
            policy_version=state["version"],
            occurred_at=now,
            channel="account_page",
            ip_address="192.0.2.1",
            user_agent="Mozilla/5.0 (bench)",
        )
        for i in range(n)
    ]


def _plain_insert(state, n):
    # The same rows through Django's own bulk insert: no lock, no head, no hash.
    with transaction.atomic():
        models.QuerySet(ConsentEvent).bulk_create(_events(state, n))


def _chained_insert(state, n):
    with transaction.atomic():
        ConsentEvent.objects.bulk_create(_events(state, n))


COMPARISONS = [
    Comparison(
        "consents: 1000 events, chained vs plain bulk",
        size=1_000,
        setup=_chain_setup,
        baseline=lambda s: _plain_insert(s, s["n"]),
        measured=lambda s: _chained_insert(s, s["n"]),
    ),
    Comparison(
        "consents: one event, chained vs plain insert",
        size=1_000,
        setup=_chain_setup,
        baseline=lambda s: _plain_insert(s, 1),
        measured=lambda s: _chained_insert(s, 1),
    ),
]
