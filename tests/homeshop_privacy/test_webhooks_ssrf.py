"""Review findings F1/F1b: webhooks never reach this machine or an internal network.

SSRF: a webhook URL to a loopback, link-local, private, reserved, multicast or unspecified
address (or a ``localhost`` name) is refused when saved, and a name that resolves to such
an address is refused when sent (DNS rebinding). A delivery follows no redirect: urllib's
default handler turned a 302 on a POST into a GET, so a receiver could point the sender at
any host it reaches, and the final answer's status was recorded in ``last_error`` for the
admin to read (a blind SSRF with a status oracle).
"""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import translation

from homeshop_privacy.api import webhooks
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize(
    "url",
    [
        "https://LOCALHOST./hook",
        "https://db.localhost/hook",
        "https://0.0.0.0/hook",
        "https://192.168.1.10/hook",
        "https://172.16.0.1/hook",
        "https://100.64.0.1/hook",
        "https://224.0.0.1/hook",
        "https://240.0.0.1/hook",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::]/hook",
        "https://[::ffff:127.0.0.1]/hook",
    ],
)
def test_every_internal_kind_of_host_is_refused(settings, url):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        webhooks.webhook_endpoint_save(
            endpoint=WebhookEndpoint(name="CRM", url=url, events=["consent.withdrawn"]),
            actor=None,
        )
    assert "public internet address" in str(refused.value.args)
    assert not WebhookEndpoint.objects.filter(url=url).exists()


def test_a_public_address_or_name_is_accepted():
    for url in ("https://93.184.216.34/hook", "https://crm.example.kz/hooks"):
        endpoint, _secret = webhooks.webhook_endpoint_save(
            endpoint=WebhookEndpoint(name="CRM", url=url, events=["consent.withdrawn"]),
            actor=None,
        )
        assert WebhookEndpoint.objects.filter(pk=endpoint.pk, url=url).exists()


def test_loopback_is_accepted_only_behind_the_setting(settings):
    url = "http://127.0.0.1:9/hook"
    with pytest.raises(DomainError):
        webhooks.webhook_endpoint_save(
            endpoint=WebhookEndpoint(name="CRM", url=url, events=["consent.withdrawn"]),
            actor=None,
        )
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    endpoint, _secret = webhooks.webhook_endpoint_save(
        endpoint=WebhookEndpoint(name="CRM", url=url, events=["consent.withdrawn"]),
        actor=None,
    )
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def _server(handler_class):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_name_that_resolves_to_loopback_when_sent_is_not_reached(monkeypatch):
    """DNS rebinding: public when saved, loopback when the delivery connects."""
    reached = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            reached.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = _server(Receiver)
    port = server.server_address[1]
    try:
        endpoint, _secret = webhooks.webhook_endpoint_save(
            endpoint=WebhookEndpoint(
                name="CRM", url=f"http://crm.example.kz:{port}/hooks", events=["consent.withdrawn"]
            ),
            actor=None,
        )
        real = socket.getaddrinfo
        monkeypatch.setattr(
            socket,
            "getaddrinfo",
            lambda host, *a, **k: real("127.0.0.1" if host == "crm.example.kz" else host, *a, **k),
        )
        event = webhooks.webhook_event_emit(type="consent.withdrawn", payload={"customer": 1})
        delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) == "retrying"
    finally:
        server.shutdown()
        server.server_close()
    delivery.refresh_from_db()
    assert reached == []
    assert "internal address" in delivery.last_error
    assert delivery.delivered_at is None


@pytest.fixture
def _loopback_allowed(settings):
    """The two receivers below listen on loopback, which production refuses."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True


@pytest.mark.usefixtures("_loopback_allowed")
def test_a_delivery_does_not_follow_a_redirect_to_another_host():
    reached = []

    class Internal(BaseHTTPRequestHandler):
        def do_GET(self):
            reached.append(self.path)
            self.send_response(418)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    internal = _server(Internal)
    target = f"http://127.0.0.1:{internal.server_address[1]}/internal/admin"

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()

        def log_message(self, *args):
            pass

    outside = _server(Redirecting)
    try:
        endpoint, _secret = webhooks.webhook_endpoint_save(
            endpoint=WebhookEndpoint(
                name="CRM",
                url=f"http://127.0.0.1:{outside.server_address[1]}/hooks",
                events=["consent.withdrawn"],
            ),
            actor=None,
        )
        event = webhooks.webhook_event_emit(type="consent.withdrawn", payload={"customer": 1})
        delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
        webhooks.webhook_deliver(delivery_id=delivery.pk)
    finally:
        for server in (internal, outside):
            server.shutdown()
            server.server_close()
    delivery.refresh_from_db()
    assert reached == [], f"the sender followed the redirect to {reached}"
    assert delivery.last_error != "HTTP 418"
    # F1b: the 3xx is the attempt's outcome, a failure retried per the backoff.
    assert delivery.last_error == "HTTP 302"
    assert delivery.status == WebhookDelivery.Status.RETRYING
    assert delivery.delivered_at is None
