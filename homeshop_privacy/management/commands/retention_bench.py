"""Time the daily retention run on N customers due for anonymisation (issue 11).

In a throwaway database (``bench_retention_<name>``): N customers
registered four years ago, each with a sign-in account, an address, an order delivered
there, a consent given with its IP address (hash-chained), a sent email, a changed phone
(a history row); plus as many customers who ordered last month (not due). Then one
``retention_run`` (the daily task's body) is timed. Prints the time, customers per
second, and the run's counts. Not a test: no timing is asserted anywhere.

    manage.py retention_bench --customers 100000
"""

import time
from datetime import timedelta

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import setup_test_environment
from django.utils import timezone


def _populate(n: int, *, due: bool, offset: int, stdout) -> None:
    Customer = apps.get_model("accounts", "Customer")
    User = apps.get_model("accounts", "User")
    Address = apps.get_model("accounts", "Address")
    Order = apps.get_model("accounts", "Order")
    ConsentEvent = apps.get_model("consents", "ConsentEvent")
    Purpose = apps.get_model("consents", "Purpose")
    PolicyVersion = apps.get_model("consents", "PolicyVersion")
    OutboundMessage = apps.get_model("homeshop_privacy", "OutboundMessage")
    HistoricalCustomer = Customer.history.model

    now = timezone.now()
    created = now - timedelta(days=4 * 365) if due else now - timedelta(days=60)
    placed = created + timedelta(days=1) if due else now - timedelta(days=30)
    password = make_password(None)
    purpose = Purpose.objects.get(code="4.2.6")
    version = PolicyVersion.objects.get(label="1")
    chunk = 5000
    for start in range(offset, offset + n, chunk):
        stop = min(start + chunk, offset + n)
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(
                    email=f"bench{i}@example.kz",
                    full_name=f"Бенч Клиент{i}",
                    password=password,
                    date_joined=created,
                )
                for i in range(start, stop)
            )
            customers = Customer.objects.bulk_create(
                Customer(
                    user=user,
                    first_name="Бенч",
                    last_name=f"Клиент{i}",
                    phone=f"+7701{i:07d}",
                    email=f"bench{i}@example.kz",
                    created_at=created,
                )
                for i, user in zip(range(start, stop), users, strict=True)
            )
            HistoricalCustomer.objects.bulk_create(
                HistoricalCustomer(
                    id=c.pk,
                    user_id=c.user_id,
                    first_name=c.first_name,
                    last_name=c.last_name,
                    phone=f"+7702{c.pk:07d}",
                    email=c.email,
                    preferred_language="ru",
                    created_at=created,
                    updated_at=created,
                    history_date=created,
                    history_type="+",
                )
                for c in customers
            )
            addresses = Address.objects.bulk_create(
                Address(customer=c, city="Алматы", street=f"ул. Бенча, {c.pk}") for c in customers
            )
            Order.objects.bulk_create(
                Order(
                    customer=c,
                    number=f"B{c.pk:09d}",
                    placed_at=placed,
                    seller_name="Homeshop",
                    status="delivered",
                    total="1000.00",
                    delivery_address=a,
                )
                for c, a in zip(customers, addresses, strict=True)
            )
            ConsentEvent.objects.bulk_create(
                ConsentEvent(
                    customer=c,
                    purpose=purpose,
                    action="grant",
                    policy_version=version,
                    occurred_at=created,
                    channel="registration",
                    ip_address="192.0.2.7",
                    user_agent="Mozilla/5.0 bench",
                )
                for c in customers
            )
            OutboundMessage.objects.bulk_create(
                OutboundMessage(
                    reason="bench",
                    object_key=f"accounts.customer:{c.pk}",
                    recipient=c.email,
                    subject="Заказ доставлен",
                    body_text=f"{c.first_name} {c.last_name}, ваш заказ доставлен.",
                    message_id=f"<bench-{c.pk}@homeshop.kz>",
                    status="sent",
                    attempts=1,
                    attempt_started_at=placed,
                    sent_at=placed,
                    created_at=now - timedelta(days=30),
                )
                for c in customers
            )
        stdout.write(f"  {'due' if due else 'active'} customers: {stop - offset}/{n}")


class Command(BaseCommand):
    help = "Time the daily retention run on N customers due for anonymisation."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=100_000)
        parser.add_argument("--active", type=int, default=None, help="not due (default: N/10)")
        parser.add_argument("--batch", type=int, default=None, help="RETENTION_BATCH")
        parser.add_argument("--keep", action="store_true", help="keep the database")

    def handle(self, *args, customers, active, batch, keep, **options):
        from homeshop_privacy.retention import retention_plan, retention_run

        setup_test_environment()
        # Its own database, so that the test suite can run meanwhile.
        test = connection.settings_dict.setdefault("TEST", {})
        test["NAME"] = f"bench_retention_{connection.settings_dict['NAME']}"
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            active = customers // 10 if active is None else active
            start = time.perf_counter()
            _populate(customers, due=True, offset=0, stdout=self.stdout)
            _populate(active, due=False, offset=customers, stdout=self.stdout)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.stdout.write(f"populated in {time.perf_counter() - start:.0f}s")
            plan_start = time.perf_counter()
            plan = retention_plan()
            plan_s = time.perf_counter() - plan_start
            self.stdout.write(f"dry run: {plan} in {plan_s:.2f}s")
            start = time.perf_counter()
            run = retention_run(batch_size=batch)
            elapsed = time.perf_counter() - start
            done = run.counts.get("customers_inactive", {}).get("records", 0)
            self.stdout.write(
                f"retention run: {elapsed:.1f}s for {done} customers anonymised "
                f"({done / elapsed:.0f}/s, {elapsed / max(done, 1) * 1000:.2f} ms each)"
            )
            for code, entry in run.counts.items():
                self.stdout.write(f"  {code}: {entry}")
        finally:
            if not keep:
                connection.creation.destroy_test_db(old_name, verbosity=0)
