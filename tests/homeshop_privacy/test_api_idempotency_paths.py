"""Review finding F2: an Idempotency-Key is scoped to the request's path, not only its view."""

import pytest
from django.core.cache import cache

from tests.api_keys import client_for, key_with
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def _api():
    _row, raw = key_with()
    return client_for(raw)


def test_the_same_idempotency_key_on_two_orders_changes_both_or_refuses():
    api = _api()
    customer = CustomerFactory(shop_customer_id="SHOP-R1")
    first = OrderFactory(customer=customer, status="paid")
    second = OrderFactory(customer=customer, status="paid")
    body = {"status": "shipped"}
    one = api.post(
        f"/api/v1/orders/{first.number}/status/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert one.status_code == 200
    two = api.post(
        f"/api/v1/orders/{second.number}/status/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    second.refresh_from_db()
    # Either the second order is changed, or the client is told the key is taken (409):
    # never a 200 that names another order while nothing was written.
    assert two.status_code == 409 or second.status == "shipped", (
        two.status_code,
        two.json(),
        second.status,
    )
