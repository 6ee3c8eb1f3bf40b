"""Security review findings (last round): each test fails while the weakness is there."""

import pytest
from django.core.cache import cache

from homeshop_privacy.api import webhooks
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import WebhookEndpoint
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


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost:5432/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/hook",
        "https://[::1]/hook",
    ],
)
def test_a_webhook_url_to_a_loopback_or_private_address_is_refused(settings, url):
    """SSRF: outside development only the scheme is checked; the delivery task POSTs to
    any host and records the answer's status in last_error (a port/host oracle)."""
    settings.DEVELOPMENT = False
    with pytest.raises(DomainError):
        webhooks.webhook_endpoint_save(
            endpoint=WebhookEndpoint(name="CRM", url=url, events=["consent.withdrawn"]),
            actor=None,
        )
    assert not WebhookEndpoint.objects.filter(url=url).exists()
