"""Webhooks out (issue 12): the shop's mailing and CRM systems hear at once when a
customer withdraws a consent or closes the account.

The same outbox pattern as emails: ``webhook_event_emit`` writes the event and one
delivery row per subscribed endpoint in the caller's transaction, and after commit a task
delivers each. A delivery is signed (HMAC-SHA256 over ``<timestamp>.<body>``), carries the
event's stable id, is retried with exponential backoff until the receiver answers 2xx,
and is recorded delivered once per (event, endpoint). The sweep picks up any delivery
whose task was lost. A receiver deduplicates on the event id (at least once).
"""

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked

from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Homeshop-Signature"
EVENT_ID_HEADER = "Homeshop-Event-Id"
EVENT_TYPE_HEADER = "Homeshop-Event-Type"
BACKOFF_BASE_SECONDS = 30
MAX_BACKOFF = timedelta(hours=6)
Status = WebhookDelivery.Status


# --- the endpoint's secret: shown once, kept encrypted ---------------------------------------


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"webhook:{key}".encode()).digest()))
            for key in keys
        ]
    )


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    try:
        return _fernet().decrypt(endpoint.secret_encrypted.encode()).decode()
    except InvalidToken:
        raise DomainError(_("The endpoint's secret cannot be read: make a new one.")) from None


def webhook_endpoint_check(*, url: str, events) -> None:
    unknown = sorted(set(events) - set(WebhookEventType.values))
    if unknown or not events:
        raise DomainError({"events": [_("Choose at least one known event.")]})
    # Signed payloads name customers' ids: outside development they travel over TLS only.
    if not settings.DEVELOPMENT and not url.startswith("https://"):
        raise DomainError({"url": [_("A webhook URL must use HTTPS.")]})
    # SSRF (review F1): the sender must not be pointed at the machine itself or the
    # internal network. Names are resolved again at send time (DNS rebinding).
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host or _host_is_internal(host):
        raise DomainError(
            {
                "url": [
                    _(
                        "A webhook URL must name a public internet address, not this "
                        "machine or an internal network."
                    )
                ]
            }
        )


def _address_is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


def _host_is_internal(host: str) -> bool:
    """An IP literal that is loopback, link-local, private, reserved, multicast or
    unspecified, or a ``localhost`` name. Allowed only by ``WEBHOOK_ALLOW_PRIVATE_HOSTS``
    (development and the tests' loopback receiver)."""
    if settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return _address_is_internal(host)
    except ValueError:
        return False  # a name: checked on each delivery, once resolved


@transaction.atomic
def webhook_endpoint_save(*, endpoint: WebhookEndpoint, actor) -> tuple[WebhookEndpoint, str]:
    """Create or change an endpoint. A new endpoint gets a secret, returned (to be shown
    once); a change returns an empty string."""
    webhook_endpoint_check(url=endpoint.url, events=endpoint.events)
    secret = ""
    if not endpoint.secret_encrypted:
        secret = "whsec_" + secrets.token_urlsafe(32)
        endpoint.secret_encrypted = _fernet().encrypt(secret.encode()).decode()
    validate(endpoint)
    save_tracked(endpoint, actor=actor, reason="webhook endpoint saved")
    return endpoint, secret


# --- events ----------------------------------------------------------------------------------


def webhook_event_emit(*, type: str, payload: dict) -> WebhookEvent:
    """Record an event and its deliveries in the caller's transaction (call it inside the
    change it reports: if that rolls back, nothing is sent). No personal data in
    ``payload`` beyond the ids the shop already holds."""
    if type not in WebhookEventType.values:
        raise DomainError(f"Unknown webhook event {type!r}.")
    event = WebhookEvent.objects.create(type=type, payload=payload)
    endpoints = [
        endpoint.pk
        for endpoint in WebhookEndpoint.objects.filter(is_active=True).only("pk", "events")
        if type in endpoint.events
    ]
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, endpoint_id=pk) for pk in endpoints
    )
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        from homeshop_privacy.tasks import webhook_deliver

        def dispatch():
            for delivery_id in ids:
                webhook_deliver.delay(delivery_id)

        transaction.on_commit(dispatch, robust=True)
    logger.info("webhooks.event event=%s type=%s deliveries=%s", event.event_id, type, len(ids))
    return event


def event_body(event: WebhookEvent) -> bytes:
    return json.dumps(
        {
            "id": str(event.event_id),
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat(),
            "data": event.payload,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signature_verify(*, secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (the README shows it): recompute, compare, refuse old ones."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, header)


# --- delivery ----------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    return min(timedelta(seconds=BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class InternalAddressError(OSError):
    """The endpoint's host resolved to an address the sender must not reach (F1)."""


def _connect_checked(address, timeout=None, source_address=None, *args, **kwargs):
    """``socket.create_connection`` that resolves the host once, refuses if any address
    is internal, and connects to the address it checked: a name that was public when
    saved and resolves to an internal address now (DNS rebinding) is refused (F1)."""
    host, port = address
    if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        name = host.rstrip(".").lower()
        if name == "localhost" or name.endswith(".localhost"):
            raise InternalAddressError("internal address")
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS and any(
        _address_is_internal(info[4][0]) for info in infos
    ):
        raise InternalAddressError("internal address")
    family, kind, proto, _name, sockaddr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        if timeout is not None:
            sock.settimeout(timeout)
        if source_address:
            sock.bind(source_address)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


def _post(url: str, body: bytes, headers: dict) -> int:
    """POST once; a redirect is not followed (F1b): its 3xx is the attempt's outcome."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("unsupported URL")
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    # The port is always given: http.client would read the tail of an IPv6 literal as one.
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connection = connection_class(parts.hostname, port, timeout=settings.WEBHOOK_TIMEOUT)
    # The TLS handshake still names (and verifies) the host; only the socket is pinned.
    connection._create_connection = _connect_checked
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def webhook_deliver(*, delivery_id: int) -> str:
    """Send one delivery if it is due; record the outcome. No lock is held while the
    receiver answers: the attempt is counted first, so a sender that dies leaves a row the
    sweep sends again (the receiver deduplicates on the event id)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (Status.DELIVERED, Status.FAILED):
            return "skipped"
        if delivery.next_attempt_at > now + timedelta(seconds=5):
            return "not due"
        delivery.attempts += 1
        # Until the outcome is recorded, the row waits out a backoff: a sweep meanwhile
        # does not send it twice at once.
        delivery.status = Status.RETRYING
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.save(update_fields=["attempts", "status", "next_attempt_at"])
    endpoint, event = delivery.endpoint, delivery.event
    body = event_body(event)
    error = ""
    try:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "homeshop-privacy-webhooks/1",
            EVENT_ID_HEADER: str(event.event_id),
            EVENT_TYPE_HEADER: event.type,
            SIGNATURE_HEADER: signature(
                secret=endpoint_secret(endpoint), timestamp=int(time.time()), body=body
            ),
        }
        status_code = _post(endpoint.url, body, headers)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except InternalAddressError:
        error = "Refused: the host resolves to an internal address"
    except (http.client.HTTPException, OSError, ValueError, DomainError) as exc:
        error = type(exc).__name__
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status == Status.DELIVERED:
            return "delivered"
        if not error:
            delivery.status = Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = Status.FAILED
            delivery.last_error = error[:300]
        else:
            delivery.last_error = error[:300]
        delivery.save(update_fields=["status", "delivered_at", "last_error"])
    logger.info(
        "webhooks.delivery delivery=%s event=%s status=%s attempts=%s",
        delivery.pk,
        event.event_id,
        delivery.status,
        delivery.attempts,
    )
    return delivery.status


def webhook_deliveries_due(*, now=None, limit: int = 1000) -> list[int]:
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status__in=[Status.PENDING, Status.RETRYING], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def webhook_deliveries_retry(*, delivery_ids, actor) -> int:
    """An officer's "retry now": failed or waiting deliveries become due at once."""
    ids = list(
        WebhookDelivery.objects.filter(pk__in=delivery_ids)
        .exclude(status=Status.DELIVERED)
        .values_list("pk", flat=True)
    )
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=Status.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
    if ids:
        from homeshop_privacy.tasks import webhook_deliver as task

        transaction.on_commit(lambda: [task.delay(pk) for pk in ids], robust=True)
    logger.info("webhooks.retry deliveries=%s actor=%s", len(ids), getattr(actor, "pk", None))
    return len(ids)
