"""Breaches of personal data (5.4.4): the incident, the customers affected, the notices."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from homeshop_privacy.append_only import AppendOnlyModel
from homeshop_privacy.ledger import Chain, ChainedRecord


class BreachIncident(models.Model):
    """5.4.4: a loss or unlawful disclosure of personal data, and what customers are told.

    The customers affected are ``BreachAffected`` rows; each is notified exactly once, the
    proof being its ``BreachNotice`` and the outbox row it points to.
    """

    reference = models.CharField(_("reference"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("what happened (internal)"))
    discovered_at = models.DateTimeField(_("discovered at"))
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    categories = models.JSONField(_("data categories concerned"), default=list)
    notice_ru = models.TextField(_("notice to customers (Russian)"))
    notice_kk = models.TextField(_("notice to customers (Kazakh)"), blank=True)
    notice_en = models.TextField(_("notice to customers (English)"), blank=True)
    notification_started_at = models.DateTimeField(
        _("notification started at"), null=True, blank=True, editable=False
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("breach incident")
        verbose_name_plural = _("breach incidents")
        ordering = ["-discovered_at", "-id"]
        # 5.4.4: telling the customers cannot be taken back: officers only (roles.OFFICER_ONLY).
        permissions = [("notify_breach", _("Can tell the affected customers of a breach"))]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(notice_ru=""), name="disclosures_breach_has_notice"
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def notice_for(self, language: str) -> str:
        return getattr(self, f"notice_{language}", "") or self.notice_ru


class BreachAffected(AppendOnlyModel):
    """A customer whose data the incident concerns (5.4.4)."""

    incident = models.ForeignKey(
        BreachIncident,
        verbose_name=_("breach incident"),
        on_delete=models.PROTECT,
        related_name="affected",
    )
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="breaches_affecting",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now, editable=False)
    # 1.5: who decided that this customer is affected (rows are written in bulk, without
    # history, so the row itself names the staff member).
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("customer affected by a breach")
        verbose_name_plural = _("customers affected by breaches")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "customer"], name="disclosures_breach_affected_once"
            ),
        ]
        indexes = [models.Index(fields=["customer"], name="disclosures_breach_aff_cust")]

    def __str__(self):
        return _("customer %(customer)s affected by incident %(incident)s") % {
            "customer": self.customer_id,
            "incident": self.incident_id,
        }


class BreachNotice(ChainedRecord):
    """Proof that one affected customer was notified, exactly once (5.4.4).

    The unique (incident, customer) pair makes a second notice impossible; the outbox
    row it points to says when the email was sent, or why not yet. Hash-chained per
    incident.
    """

    ledger_chain = Chain(
        kind="breach_notice",
        key="incident_id",
        fields=("customer_id", "message_id", "created_at"),
        head_model="disclosures.BreachIncident",
    )

    incident = models.ForeignKey(
        BreachIncident,
        verbose_name=_("breach incident"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="breach_notices",
    )
    message = models.OneToOneField(
        "homeshop_privacy.OutboundMessage",
        verbose_name=_("email"),
        on_delete=models.PROTECT,
        related_name="breach_notice",
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("breach notice")
        verbose_name_plural = _("breach notices")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "customer"], name="disclosures_breach_notice_once"
            ),
        ]
        indexes = [
            models.Index(fields=["customer"], name="disclosures_breach_ntc_cust"),
            models.Index(fields=["incident", "-id"], name="disclosures_breach_ntc_chain"),
        ]

    def __str__(self):
        return _("notice of incident %(incident)s to customer %(customer)s") % {
            "incident": self.incident_id,
            "customer": self.customer_id,
        }
