"""Webhooks out (issue 12), delivered to a real HTTP receiver on loopback."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from consents.models import ConsentEvent
from homeshop_privacy.api import webhooks
from homeshop_privacy.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.consents.factories import grant, withdraw
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_receiver_allowed(settings):
    """These tests' receiver listens on loopback, which production refuses (SSRF, F1)."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True


class Receiver:
    """A loopback HTTP server that records each POST; answers 500 ``fail`` times first."""

    def __init__(self, fail: int = 0):
        self.requests = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                code = 500 if receiver.fail > 0 else 204
                receiver.fail -= 1
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/privacy"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _endpoint(url: str, events=("consent.granted", "consent.withdrawn")):
    return webhooks.webhook_endpoint_save(
        endpoint=WebhookEndpoint(name="CRM", url=url, events=list(events)), actor=None
    )


def test_a_withdrawal_is_delivered_signed_with_its_event_id():
    customer = CustomerFactory(shop_customer_id="SHOP-7")
    with Receiver() as receiver:
        endpoint, secret = _endpoint(receiver.url)
        assert secret.startswith("whsec_") and secret not in endpoint.secret_encrypted
        withdraw(customer, "4.2.6", channel=ConsentEvent.Channel.ACCOUNT_PAGE)
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "delivered"

    headers, body = receiver.requests[0]
    payload = json.loads(body)
    assert payload["type"] == "consent.withdrawn"
    assert payload["data"]["shop_customer_id"] == "SHOP-7"
    assert payload["data"]["purpose"] == "4.2.6"
    assert headers["Homeshop-Event-Id"] == payload["id"] == str(delivery.event.event_id)
    assert webhooks.signature_verify(secret=secret, header=headers["Homeshop-Signature"], body=body)
    assert not webhooks.signature_verify(
        secret="whsec_wrong", header=headers["Homeshop-Signature"], body=body
    )
    assert not webhooks.signature_verify(
        secret=secret, header=headers["Homeshop-Signature"], body=body.replace(b"4.2.6", b"4.2.7")
    )
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.delivered_at


def test_an_old_signature_is_refused():
    body = b'{"id":"x"}'
    header = webhooks.signature(secret="s", timestamp=int(time.time()) - 3600, body=body)
    assert not webhooks.signature_verify(secret="s", header=header, body=body)


def test_a_failing_receiver_is_retried_with_backoff_and_recorded_delivered_once():
    customer = CustomerFactory()
    with Receiver(fail=2) as receiver:
        endpoint, _secret = _endpoint(receiver.url)
        grant(customer, "4.2.6")
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        start = timezone.now()
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "retrying"
        delivery.refresh_from_db()
        assert delivery.attempts == 1 and delivery.last_error == "HTTP 500"
        first_wait = delivery.next_attempt_at - start
        assert delivery.pk not in webhooks.webhook_deliveries_due()
        # Not due yet: a task arriving early sends nothing.
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "not due"
        second = delivery.next_attempt_at + timedelta(seconds=1)
        with time_machine.travel(second, tick=False):
            assert delivery.pk in webhooks.webhook_deliveries_due()
            assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "retrying"
        delivery.refresh_from_db()
        # Exponential backoff: the second wait is twice the first.
        assert first_wait <= webhooks.retry_delay(1) + timedelta(seconds=1)
        assert (
            delivery.next_attempt_at - second
            == webhooks.retry_delay(2)
            == 2 * webhooks.retry_delay(1)
        )
        with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False):
            assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "delivered"
            # Delivered is final: a late task or a sweep sends nothing more.
            assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "skipped"
            assert delivery.pk not in webhooks.webhook_deliveries_due()
    ids = {headers["Homeshop-Event-Id"] for headers, _body in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1  # same event id on every attempt
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 3


def test_an_unreachable_receiver_fails_after_the_last_attempt_and_an_officer_retries(settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    with Receiver() as receiver:
        url = receiver.url
    endpoint, _secret = _endpoint(url)  # the server is closed: connection refused
    grant(CustomerFactory(), "4.2.6")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "failed"
    assert webhooks.webhook_deliveries_retry(delivery_ids=[delivery.pk], actor=None) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 0


def test_a_change_that_rolls_back_sends_nothing():
    _endpoint("http://127.0.0.1:9/never")
    customer = CustomerFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        grant(customer, "4.2.6")
        raise RuntimeError
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()


def test_an_endpoint_hears_only_the_events_it_chose():
    endpoint, _secret = _endpoint("http://127.0.0.1:9/x", events=["consent.withdrawn"])
    customer = CustomerFactory()
    grant(customer, "4.2.6")
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()
    withdraw(customer, "4.2.6")
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1


def test_account_closure_requested_and_carried_out_are_events():
    _endpoint("http://127.0.0.1:9/x", events=["account.closure_requested", "account.closed"])
    customer = CustomerFactory(shop_customer_id="SHOP-CLOSE")
    closure, _new = account_services.account_closure_request(customer=customer, actor=None)
    account_services.account_closure_decide(
        closure_request=closure, actor=StaffFactory(), status="done"
    )
    events = list(WebhookEvent.objects.order_by("pk").values_list("type", "payload"))
    assert [t for t, _p in events] == ["account.closure_requested", "account.closed"]
    assert all(p["shop_customer_id"] == "SHOP-CLOSE" for _t, p in events)


def test_the_secret_is_kept_encrypted_and_readable_after_a_key_rotation(settings):
    endpoint, secret = _endpoint("http://127.0.0.1:9/x")
    assert (
        secret
        not in WebhookEndpoint.objects.filter(pk=endpoint.pk)
        .values_list("secret_encrypted", flat=True)
        .get()
    )
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test"
    settings.SECRET_KEY_FALLBACKS = [old]
    assert webhooks.endpoint_secret(WebhookEndpoint.objects.get(pk=endpoint.pk)) == secret


def test_a_claim_answered_is_an_event_without_the_answer_text():
    from tests.claims.factories import approved_and_sent, register

    _endpoint("http://127.0.0.1:9/x", events=["claim.answered"])
    customer = CustomerFactory(shop_customer_id="SHOP-CLAIM")
    claim = register(customer=customer)
    approved_and_sent(claim, author=StaffFactory(role="Compliance officer"))
    event = WebhookEvent.objects.get(type="claim.answered")
    assert event.payload["claim_reference"] == claim.reference
    assert event.payload["shop_customer_id"] == "SHOP-CLAIM"
    assert set(event.payload) == {
        "claim_reference",
        "customer_id",
        "shop_customer_id",
        "answered_at",
    }
    assert WebhookDelivery.objects.filter(event=event).count() == 1
