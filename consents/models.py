"""Policy versions (7.1, 7.2), the purposes of processing (4.2) and the consent ledger.

The ledger (``ConsentEvent``) is append-only: a grant or a withdrawal is a new row, never
an edit. ``ConsentState`` is derived from it (the latest event per customer and purpose),
written in the same transaction as each event, so that "who may receive promotions now"
is one indexed lookup however many events there are.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Customer, Language
from homeshop_privacy.append_only import AppendOnlyModel, ImmutableRecordError
from homeshop_privacy.ledger import Chain, ChainedRecord

# --- policy versions (7.1, 7.2) ------------------------------------------------------------


class PolicyVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def update(self, **kwargs):
        # 7.1: a published text is what customers agreed to; a correction is a new version.
        if self.filter(published_at__isnull=False).exists():
            raise ImmutableRecordError("Published policy versions cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(published_at__isnull=False).exists():
            raise ImmutableRecordError("Published policy versions cannot be deleted.")
        return super().delete()


class PolicyVersion(models.Model):
    """One version of the privacy policy text.

    A draft (``published_at`` empty) may be edited; once published it is frozen (here, in
    the queryset and by a PostgreSQL trigger). 7.2: a version is in force from its
    publication unless it names a later ``effective_from``.
    """

    label = models.CharField(_("version"), max_length=32, unique=True)
    text_ru = models.TextField(_("text (Russian)"))
    text_kk = models.TextField(_("text (Kazakh)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    change_summary = models.TextField(_("what changed (Russian)"), blank=True)
    change_summary_kk = models.TextField(_("what changed (Kazakh)"), blank=True)
    change_summary_en = models.TextField(_("what changed (English)"), blank=True)
    is_material = models.BooleanField(
        _("material change"),
        default=False,
        help_text=_("Customers who may be emailed are informed when it is published."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    effective_from = models.DateTimeField(
        _("effective from"),
        null=True,
        blank=True,
        help_text=_("Empty: in force from the moment of publication (7.2)."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = PolicyVersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True)
                | models.Q(
                    effective_from__isnull=False, effective_from__gte=models.F("published_at")
                ),
                name="consents_policyversion_effective_after_publication",
            ),
        ]
        indexes = [
            models.Index(
                fields=["effective_from", "published_at"],
                condition=models.Q(published_at__isnull=False),
                name="consents_policy_in_force_idx",
            ),
        ]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("published_at", flat=True)
            if stored and stored[0] is not None:
                raise ImmutableRecordError("Published policy versions cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.published_at is not None:
            raise ImmutableRecordError("Published policy versions cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def text_for(self, language: str) -> str:
        """The text in ``language``, falling back to Russian (the policy's own language)."""
        return getattr(self, f"text_{language}", "") or self.text_ru

    def change_summary_for(self, language: str) -> str:
        if language in ("kk", "en"):
            return getattr(self, f"change_summary_{language}") or self.change_summary
        return self.change_summary


# --- purposes (4.2) ------------------------------------------------------------------------


class PurposeQuerySet(models.QuerySet):
    def section4(self):
        """The ten purposes of section 4.2, in clause order."""
        return self.filter(kind=Purpose.Kind.SECTION_4).order_by("position")


class Purpose(models.Model):
    """Why personal data are processed.

    ``kind`` keeps the ten purposes of 4.2 apart from the other things the ledger records
    under their own codes: cookie choices (1.9, 3.3) and acceptance of the policy (2.1).
    """

    class Kind(models.TextChoices):
        SECTION_4 = "section4", _("Purpose of processing (4.2)")
        COOKIES = "cookies", _("Cookies (1.9, 3.3)")
        POLICY = "policy", _("Acceptance of the policy (2.1)")
        # Law 94-V art. 16: consent to transfers to recipients outside Kazakhstan.
        CROSS_BORDER = "cross_border", _("Transfer abroad (Law 94-V art. 16)")

    class Basis(models.TextChoices):
        CONTRACT = "contract", _("Performance of the sale contract")
        CONSENT = "consent", _("Consent")

    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    basis = models.CharField(_("lawful basis"), max_length=16, choices=Basis.choices)
    title_ru = models.CharField(_("title (Russian)"), max_length=255)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = PurposeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["kind", "position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["section4", "cookies", "policy", "cross_border"]),
                name="consents_purpose_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(basis__in=["contract", "consent"]),
                name="consents_purpose_basis_valid",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        language = (get_language() or "ru")[:2]
        return getattr(self, f"title_{language}", "") or self.title_ru

    def title_for(self, language: str) -> str:
        return getattr(self, f"title_{language}", "") or self.title_ru

    @property
    def needs_consent(self) -> bool:
        """Contract purposes are information for the customer; only consent can be withdrawn."""
        return self.basis == self.Basis.CONSENT


# --- the ledger ----------------------------------------------------------------------------


class ConsentWording(AppendOnlyModel):
    """The exact text shown to the customer when they chose; stored once, found by hash."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    text = models.TextField(_("text shown"))
    created_at = models.DateTimeField(_("first shown at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("consent wording")
        verbose_name_plural = _("consent wordings")

    def __str__(self):
        return f"{self.sha256[:12]} ({self.language})"

    @staticmethod
    def digest(*, text: str, language: str) -> str:
        return hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()


class ConsentEvent(ChainedRecord):
    """One grant or withdrawal, with its evidence. Never updated, never deleted.

    Hash-chained per customer (``homeshop_privacy.ledger``): the IP address, browser and
    note enter the hash as salted digests, so that retention can erase them.
    """

    ledger_chain = Chain(
        kind="consent",
        key="customer_id",
        fields=(
            "purpose_id",
            "action",
            "policy_version_id",
            "occurred_at",
            "recorded_at",
            "channel",
            "actor_id",
            "wording_id",
        ),
        evidence=("ip_address", "user_agent", "note"),
        head_model="accounts.Customer",
    )
    ledger_erasable = ("ip_address", "user_agent", "note")

    class Action(models.TextChoices):
        GRANT = "grant", _("Granted")
        WITHDRAW = "withdraw", _("Withdrawn")

    class Channel(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        CHECKOUT = "checkout", _("Checkout")
        ACCOUNT_PAGE = "account_page", _("Account page")
        EMAIL_LINK = "email_link", _("Email link")
        COOKIE_BANNER = "cookie_banner", _("Cookie banner")
        STAFF = "staff", _("Staff, on the customer's behalf")
        API = "api", _("The shop's API")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="consent_events",
    )
    purpose = models.ForeignKey(
        Purpose, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    policy_version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("policy version in force"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_events",
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The signed-in person who made the choice or recorded it; empty for links."),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=512, blank=True)
    wording = models.ForeignKey(
        ConsentWording,
        verbose_name=_("wording shown"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["grant", "withdraw"]),
                name="consents_consentevent_action_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    channel__in=[
                        "registration",
                        "checkout",
                        "account_page",
                        "email_link",
                        "cookie_banner",
                        "staff",
                        "api",
                    ]
                ),
                name="consents_consentevent_channel_valid",
            ),
        ]
        indexes = [
            # Latest event per customer and purpose, at any moment.
            models.Index(
                fields=["customer", "purpose", "-occurred_at", "-id"],
                name="consents_event_latest_idx",
            ),
            models.Index(fields=["-occurred_at", "-id"], name="consents_event_when_idx"),
            # The head of a customer's chain (the last row), for each new event.
            models.Index(fields=["customer", "-id"], name="consents_event_chain_idx"),
        ]

    def __str__(self):
        # The title of the event's admin page: "№ 14 · Granted · 4.2.6" (was the row ids
        # of the purpose and the customer, which mean nothing to a reader).
        return f"№ {self.pk} · {self.get_action_display()} · {self.purpose.code}"


class ConsentState(models.Model):
    """The latest event per (customer, purpose), maintained by the services.

    Derived data, not a legal record: rebuilt from the ledger by ``consent_states_rebuild``.
    Written only inside the transaction that appends the event it points to.
    """

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="consent_states",
    )
    purpose = models.ForeignKey(
        Purpose, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="+"
    )
    is_granted = models.BooleanField(_("granted"))
    event = models.ForeignKey(
        ConsentEvent, verbose_name=_("latest event"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("since"))

    class Meta:
        verbose_name = _("current consent")
        verbose_name_plural = _("current consents")
        ordering = ["purpose__kind", "purpose__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "purpose"], name="consents_state_one_per_customer_purpose"
            ),
        ]
        indexes = [
            # The segment "everyone who granted purpose P now" reads only granted rows.
            models.Index(
                fields=["purpose", "customer"],
                condition=models.Q(is_granted=True),
                name="consents_state_granted_idx",
            ),
        ]

    def __str__(self):
        # Issue 13: "4.2.6 Promotions: granted" (was "#1 12 +"); shown on the customer's
        # page, where the inline reads the purpose with the row.
        state = _("granted") if self.is_granted else _("withdrawn")
        return f"{self.purpose}: {state}"
