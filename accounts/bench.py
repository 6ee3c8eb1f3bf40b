"""Benchmarks of the customer list pages (see ``manage.py bench``)."""

from datetime import timedelta

from django.utils import timezone

from homeshop_privacy.benchmarks import Benchmark, admin_client

from .models import Customer, VisitEvent


def _customers(n: int):
    have = Customer.objects.count()
    Customer.objects.bulk_create(
        (
            Customer(
                first_name="Бенч",
                last_name=f"Клиент{i}",
                phone=f"+7701{i:07d}",
                email=f"bench{i}@example.kz",
            )
            for i in range(have, n)
        ),
        batch_size=5000,
    )
    with_sql_stats()
    return {"client": admin_client(), "email": f"bench{n // 2}@example.kz"}


def _visits(n: int):
    have = VisitEvent.objects.count()
    now = timezone.now()
    VisitEvent.objects.bulk_create(
        (
            VisitEvent(
                occurred_at=now - timedelta(seconds=i),
                page_url="https://homeshop.kz/catalog/",
                cookie_id=f"b{i}",
            )
            for i in range(have, n)
        ),
        batch_size=5000,
    )
    with_sql_stats()
    return {"client": admin_client()}


def with_sql_stats():
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _get(state, url):
    response = state["client"].get(url)
    assert response.status_code == 200, response.status_code


BENCHMARKS = [
    Benchmark(
        "admin: customer list, first page",
        small=2_000,
        setup=_customers,
        run=lambda s: _get(s, "/admin/accounts/customer/"),
    ),
    Benchmark(
        "admin: customer search by exact email",
        small=2_000,
        setup=_customers,
        run=lambda s: _get(s, f"/admin/accounts/customer/?q={s['email']}"),
    ),
    Benchmark(
        "admin: visit events list, first page",
        small=2_000,
        setup=_visits,
        run=lambda s: _get(s, "/admin/accounts/visitevent/"),
    ),
]
