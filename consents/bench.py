"""Benchmarks of the consent ledger at scale (see ``manage.py bench``)."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Customer
from homeshop_privacy.benchmarks import Benchmark, admin_client

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
