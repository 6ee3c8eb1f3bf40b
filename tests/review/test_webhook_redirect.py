"""Review finding: a webhook delivery follows the receiver's redirect (urllib's default
handler turns a 302 on a POST into a GET), so a receiver can point the sender at any
host it reaches, loopback and private ranges included, and the final answer's status is
recorded in ``last_error`` for the admin to read (a blind SSRF with a status oracle)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from homeshop_privacy.api import webhooks
from homeshop_privacy.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def _server(handler_class):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


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
