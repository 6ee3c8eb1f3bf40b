"""Two requests with one Idempotency-Key at the same moment (issue 12): they meet at the
unique constraint, the second waits for the first to commit and replays its reply."""

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connections

from accounts import services as account_services
from accounts.models import Customer
from homeshop_privacy.models import IdempotentReply
from tests.api_keys import client_for, key_with

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

BODY = {
    "shop_customer_id": "SHOP-RACE",
    "first_name": "Данияр",
    "last_name": "Ахметов",
    "phone": "+77017654321",
    "email": "daniyar.race@example.kz",
}


def test_twin_requests_write_once_and_answer_alike(monkeypatch):
    cache.clear()
    _key, raw = key_with("customers:write")
    upsert = account_services.customer_upsert_from_shop
    entered = threading.Event()

    def slow_upsert(**kwargs):
        entered.set()
        time.sleep(0.5)  # the first request holds its reply row while the twin arrives
        return upsert(**kwargs)

    monkeypatch.setattr(account_services, "customer_upsert_from_shop", slow_upsert)
    answers = {}

    def send(name):
        try:
            answers[name] = client_for(raw).post(
                "/api/v1/customers/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="race-1"
            )
        finally:
            connections.close_all()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert entered.wait(10)
    second = threading.Thread(target=send, args=("second",))
    second.start()
    first.join(20)
    second.join(20)

    assert answers["first"].status_code == answers["second"].status_code == 201
    assert answers["first"].json() == answers["second"].json()
    assert answers["second"]["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(shop_customer_id="SHOP-RACE").count() == 1
    assert IdempotentReply.objects.count() == 1
