"""The API's own records: keys, idempotent replies, webhook endpoints and deliveries.

Imported by ``homeshop_privacy.models`` so that they belong to the ``homeshop_privacy`` app.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ApiScope(models.TextChoices):
    """What a key may do: one scope per group of endpoints (the API's roles)."""

    CUSTOMERS_WRITE = "customers:write", _("Create and update customers")
    CONSENTS_READ = "consents:read", _("Read a customer's consents")
    CONSENTS_WRITE = "consents:write", _("Record and withdraw consents")
    ORDERS_WRITE = "orders:write", _("Record orders and their status")
    PROMOTIONS_CHECK = "promotions:check", _("Ask who may receive promotions")
    PROMOTIONS_SEND = "promotions:send", _("Send promotional email")
    VISITS_WRITE = "visits:write", _("Record visit events")
    CLAIMS_WRITE = "claims:write", _("Register claims")
    MANIFESTS_WRITE = "manifests:write", _("Record courier manifests")


class ApiKey(models.Model):
    """A key of one of the shop's systems (issue 12).

    The key itself is shown once, when it is made; only its SHA-256 digest is kept (a
    random 256-bit key needs no slow hash), with a short ``prefix`` to find and recognise
    it. Each key acts as its own service user (no password, not staff), so history and
    the access log name the key behind every change and every read.
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_digest = models.CharField(_("key (hashed)"), max_length=64, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service user"),
        on_delete=models.PROTECT,
        related_name="api_key",
        editable=False,
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


class IdempotentReply(models.Model):
    """The first reply to a POST sent with an ``Idempotency-Key`` (kept 24 hours).

    The unique (key, endpoint, idempotency key) makes two requests racing with one key
    meet at the database: the second waits for the first's transaction and then replays
    its reply. Only successful replies are kept: a refused request wrote nothing, so
    sending it again is safe.
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=100)
    idempotency_key = models.CharField(max_length=255)
    body_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "endpoint", "idempotency_key"],
                name="hp_idempotent_reply_unique_per_key_endpoint",
            )
        ]

    def __str__(self):
        return f"{self.endpoint} {self.idempotency_key}"


class WebhookEventType(models.TextChoices):
    CONSENT_GRANTED = "consent.granted", _("Consent granted")
    CONSENT_WITHDRAWN = "consent.withdrawn", _("Consent withdrawn")
    ACCOUNT_CLOSURE_REQUESTED = "account.closure_requested", _("Account closure requested")
    ACCOUNT_CLOSED = "account.closed", _("Account closure carried out")
    CLAIM_ANSWERED = "claim.answered", _("Claim answered")


class WebhookEndpoint(models.Model):
    """Where the shop's mailing and CRM systems want to hear of events.

    The signing secret is shown once when it is made and kept encrypted (Fernet, with a
    key derived from the Django secret key): unlike an API key it must be read again to
    sign every delivery, so a digest would not do.
    """

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    secret_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    history = HistoricalRecords(excluded_fields=["secret_encrypted"])

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self):
        return self.name


class WebhookEvent(models.Model):
    """One event, written in the transaction of the change it reports; its id is stable
    across every delivery and retry, so a receiver deduplicates on it."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("event"), max_length=40, choices=WebhookEventType.choices)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    payload = models.JSONField(_("payload"), default=dict)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=WebhookEventType.values),
                name="hp_webhook_event_type_valid",
            )
        ]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class WebhookDelivery(models.Model):
    """One event to one endpoint: delivered at least once, recorded delivered once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Waiting to retry")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(
        WebhookEvent, verbose_name=_("event"), on_delete=models.PROTECT, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"], name="hp_webhook_delivery_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "retrying", "delivered", "failed"]),
                name="hp_webhook_delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="delivered", delivered_at__isnull=False)
                | (~models.Q(status="delivered") & models.Q(delivered_at__isnull=True)),
                name="hp_webhook_delivery_delivered_at_matches",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="hp_webhook_delivery_due_idx")
        ]

    def __str__(self):
        return f"{self.event.type} → {self.endpoint}"
