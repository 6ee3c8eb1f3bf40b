"""Benchmarks of the consent ledger at scale (see ``manage.py bench``)."""

from datetime import timedelta

from django.db import models, transaction
from django.utils import timezone

from accounts.models import Customer
from homeshop_privacy.benchmarks import Benchmark, Comparison, admin_client

from .models import ConsentEvent, PolicyVersion, Purpose
from .selectors import consent_is_granted, customers_promotable
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
    from accounts.bench import with_sql_stats

    with_sql_stats()
    middle = customer_ids[len(customer_ids) // 2]
    return {
        "client": admin_client(),
        "customer_id": middle,
        "email": f"consent-bench{len(customer_ids) // 2}@example.kz",
    }


def _get(state, url):
    response = state["client"].get(url)
    assert response.status_code == 200, response.status_code


BENCHMARKS = [
    Benchmark(
        "consents: is granted now, one customer",
        small=2_000,
        setup=_ledger,
        run=lambda s: consent_is_granted(customer_id=s["customer_id"], purpose_code="4.2.6"),
    ),
    Benchmark(
        "consents: is granted at a past moment",
        small=2_000,
        setup=_ledger,
        run=lambda s: consent_is_granted(
            customer_id=s["customer_id"],
            purpose_code="4.2.6",
            at=timezone.now() - timedelta(days=1),
        ),
    ),
    Benchmark(
        "consents: promotable segment, first 1000 ids",
        small=2_000,
        setup=_ledger,
        run=lambda s: list(
            customers_promotable().order_by("pk").values_list("pk", flat=True)[:1000]
        ),
    ),
    Benchmark(
        "admin: consent ledger, first page",
        small=2_000,
        setup=_ledger,
        run=lambda s: _get(s, "/admin/consents/consentevent/"),
    ),
    Benchmark(
        "admin: consent ledger, search by email",
        small=2_000,
        setup=_ledger,
        run=lambda s: _get(s, f"/admin/consents/consentevent/?q={s['email']}"),
    ),
    Benchmark(
        "admin: customer page with consents inline",
        small=2_000,
        setup=_ledger,
        run=lambda s: _get(s, f"/admin/accounts/customer/{s['customer_id']}/change/"),
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
