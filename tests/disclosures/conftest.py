import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from accounts.models import Customer, Order
from disclosures.models import Recipient
from tests.disclosures.factories import RecipientFactory

ALMATY = ZoneInfo("Asia/Almaty")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=ALMATY)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in the source language; one test checks a translation.
    with translation.override("en"):
        yield


@pytest.fixture
def courier(db):
    return RecipientFactory(kind=Recipient.Kind.COURIER, legal_name="ТОО «Быстрая доставка»")


@pytest.fixture
def analytics(db):
    return RecipientFactory(kind=Recipient.Kind.ANALYTICS, legal_name="ТОО «Метрика»")


@pytest.fixture
def authority(db):
    return RecipientFactory(
        kind=Recipient.Kind.STATE_AUTHORITY, legal_name="Департамент полиции г. Алматы"
    )


@pytest.fixture
def bank(db):
    return RecipientFactory(kind=Recipient.Kind.PARTNER_BANK, legal_name="АО «Партнёр Банк»")


@pytest.fixture
def make_orders(db):
    """``n`` customers with one order each, written in two queries (for large manifests)."""

    def make(n: int, prefix: str = "M") -> list[Order]:
        customers = Customer.objects.bulk_create(
            Customer(
                first_name="Тест",
                last_name=f"Покупатель {i}",
                phone=f"+7702{i:07d}",
                email=f"{prefix.lower()}{i}@manifest.example.kz",
            )
            for i in range(n)
        )
        return Order.objects.bulk_create(
            Order(
                customer=customer,
                number=f"{prefix}-{i:06d}",
                placed_at=NOW - dt.timedelta(days=1),
                seller_name="ТОО «Электроника Плюс»",
                total=Decimal("1000.00"),
            )
            for i, customer in enumerate(customers)
        )

    return make
