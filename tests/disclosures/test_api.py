"""Courier manifests through the API (issue 12; 5.4.2): all lines or none."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from disclosures.models import Disclosure
from tests.api_keys import client_for, key_with
from tests.disclosures.factories import RecipientFactory
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def _manifest(recipient, lines):
    return {
        "recipient_bin": recipient.bin,
        "disclosed_at": timezone.now().isoformat(),
        "reference": "MAN-API-1",
        "lines": lines,
    }


def test_a_manifest_is_one_disclosure_recorded_by_the_key():
    key, raw = key_with("manifests:write")
    courier = RecipientFactory(kind="courier")
    orders = [OrderFactory(), OrderFactory()]
    lines = [{"order_number": o.number, "customer_email": o.customer.email} for o in orders]
    response = client_for(raw).post(
        "/api/v1/courier-manifests/", _manifest(courier, lines), format="json"
    )
    assert response.status_code == 201, response.content
    disclosure = Disclosure.objects.get(pk=response.json()["disclosure_id"])
    assert disclosure.line_count == 2 == response.json()["lines"]
    assert disclosure.recipient == courier and disclosure.basis == "5.4.2"
    assert (
        disclosure.recorded_by == key.user
    )  # the register names the key (no history: append-only)


def test_every_refused_line_is_listed_and_nothing_is_recorded():
    _key, raw = key_with("manifests:write")
    courier = RecipientFactory(kind="courier")
    good, other = OrderFactory(), OrderFactory()
    lines = [
        {"order_number": good.number},
        {"order_number": "HS-NO-SUCH"},
        {"order_number": other.number, "customer_email": "someone.else@example.kz"},
    ]
    response = client_for(raw).post(
        "/api/v1/courier-manifests/", _manifest(courier, lines), format="json"
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["lines.1", "lines.2"]
    assert not Disclosure.objects.exists()


def test_an_unknown_courier_is_refused():
    _key, raw = key_with("manifests:write")
    response = client_for(raw).post(
        "/api/v1/courier-manifests/",
        {**_manifest(RecipientFactory.build(), [{"order_number": "HS-1"}])},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "recipient_bin"
