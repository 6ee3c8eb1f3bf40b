"""Third parties, written permissions and the disclosure register (1.3, 5.3.2, 5.4.1-5.4.3).

The register is append-only: a disclosure, its lines and a void are written once and
never changed or deleted (1.3: the record of who received a customer's data must be
trusted). The code refuses it (``save`` of an existing row, ``delete``, queryset
``update``/``delete``) and so does PostgreSQL, through a trigger added by a migration.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.classification import DataCategory
from homeshop_privacy.append_only import AppendOnlyModel

from .validators import BIN_MESSAGE, validate_bin

BIN_REGEX = r"^[0-9]{12}$"


class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT``, read from the settings at each use (tests move it)."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def category_labels(codes) -> list[str]:
    """The names of stored data-category codes, in the active language."""
    return [str(DataCategory(c).label) for c in codes if c in DataCategory.values]


def private_storage():
    # Scans of signed permissions are personal data: never under MEDIA_URL.
    return PrivateStorage()


class Recipient(models.Model):
    """A third party that receives customer data (1.6, 5.4.x)."""

    class Kind(models.TextChoices):
        SELLER = "seller", _("Marketplace seller")
        COURIER = "courier", _("Courier service")
        POSTAL = "postal", _("Postal operator")
        TELECOM = "telecom", _("Telecom operator")
        STATE_AUTHORITY = "state_authority", _("State authority")
        ANALYTICS = "analytics", _("Analytics / advertising partner")
        PARTNER_BANK = "partner_bank", _("Partner bank")
        OTHER = "other", _("Other")

    legal_name = models.CharField(_("legal name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    bin = models.CharField(
        _("BIN"),
        max_length=12,
        blank=True,
        validators=[validate_bin],
        help_text=_("Kazakhstan business identification number, 12 digits."),
    )
    foreign_registration = models.CharField(
        _("foreign registration"),
        max_length=100,
        blank=True,
        help_text=_("Registration number abroad, for a recipient without a Kazakhstan BIN."),
    )
    country = models.CharField(
        _("country"), max_length=2, default="KZ", help_text=_("ISO 3166 code, e.g. KZ.")
    )
    contact = models.CharField(_("contact"), max_length=255, blank=True)
    agreement_reference = models.CharField(
        _("contract / data processing agreement"), max_length=100, blank=True
    )
    agreement_date = models.DateField(_("agreement date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["legal_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "seller",
                        "courier",
                        "postal",
                        "telecom",
                        "state_authority",
                        "analytics",
                        "partner_bank",
                        "other",
                    ]
                ),
                name="disclosures_recipient_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(bin="") | models.Q(bin__regex=BIN_REGEX),
                name="disclosures_recipient_bin_12_digits",
                violation_error_message=BIN_MESSAGE,
            ),
            # A Kazakhstan entity is identified by its BIN, a foreign one by its registration.
            models.CheckConstraint(
                condition=~models.Q(country="KZ") | ~models.Q(bin=""),
                name="disclosures_recipient_kz_has_bin",
                violation_error_message=_("A Kazakhstan recipient needs its BIN."),
            ),
            models.CheckConstraint(
                condition=~models.Q(bin="") | ~models.Q(foreign_registration=""),
                name="disclosures_recipient_identified",
                violation_error_message=_("Give the BIN or the foreign registration number."),
            ),
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"),
                name="disclosures_recipient_country_iso",
                violation_error_message=_("Give the country as its two-letter ISO code, e.g. KZ."),
            ),
            models.UniqueConstraint(
                fields=["bin"],
                condition=~models.Q(bin=""),
                name="disclosures_recipient_bin_unique",
                violation_error_message=_("Another recipient already has this BIN."),
            ),
        ]

    def __str__(self):
        return self.legal_name


class WrittenPermission(models.Model):
    """5.3.2: a customer's prior written permission to disclose to one recipient.

    The scope is the data categories it covers (and, when set, the one purpose); it
    counts from the day it was signed until it expires or is revoked.
    """

    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="written_permissions",
    )
    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="written_permissions",
    )
    purpose = models.ForeignKey(
        "consents.Purpose",
        verbose_name=_("purpose"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leave empty when the permission is not limited to one purpose."),
    )
    categories = models.JSONField(
        _("data categories"), default=list, help_text=_("The data categories it covers.")
    )
    scope = models.TextField(_("scope"), help_text=_("What the customer allowed, in words."))
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    document_reference = models.CharField(_("document reference"), max_length=100)
    scan = models.FileField(
        _("scan"), storage=private_storage, upload_to="permissions/%Y/%m/", blank=True
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
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("written permission")
        verbose_name_plural = _("written permissions")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("signed_on")),
                name="disclosures_permission_valid_after_signed",
                violation_error_message=_("A permission cannot end before the day it was signed."),
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revocation_reason=""),
                name="disclosures_permission_revocation_has_reason",
                violation_error_message=_("Give the reason for the revocation."),
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "recipient"], name="disclosures_perm_cust_idx"),
        ]

    def __str__(self):
        return f"{self.document_reference} ({self.signed_on:%Y-%m-%d})"

    def covers(self, categories) -> bool:
        return set(categories) <= set(self.categories)


class Disclosure(AppendOnlyModel):
    """One transfer of data to a third party, with its lawful basis (1.3, 5.3.1).

    The customers concerned are its lines: one for a single customer, ten thousand for
    a courier manifest. A 5.4.1 disclosure names no customer at all.
    """

    class Basis(models.TextChoices):
        STATISTICS = "5.4.1", _("5.4.1 Non-personal data for statistics / advertising")
        ORDER_FULFILMENT = "5.4.2", _("5.4.2 Fulfilment of the customer's order")
        STATE_AUTHORITY = "5.4.3", _("5.4.3 Request of an authorised state body")
        CONSENT = "consent", _("Customer's consent to the purpose")
        WRITTEN_PERMISSION = "5.3.2", _("5.3.2 Customer's prior written permission")

    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="disclosures",
    )
    basis = models.CharField(_("lawful basis"), max_length=16, choices=Basis.choices)
    purpose = models.ForeignKey(
        "consents.Purpose",
        verbose_name=_("purpose"),
        on_delete=models.PROTECT,
        related_name="disclosures",
    )
    categories = models.JSONField(_("data categories"), default=list)
    disclosed_at = models.DateTimeField(_("disclosed at"))
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Manifest or document number.")
    )
    # 5.4.3: the authority's request and the legal ground it cites.
    request_number = models.CharField(_("request number"), max_length=100, blank=True)
    request_date = models.DateField(_("request date"), null=True, blank=True)
    legal_ground = models.CharField(_("legal ground"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    line_count = models.PositiveIntegerField(_("customers / orders"), default=0)
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
        verbose_name = _("register entry")
        verbose_name_plural = _("disclosure register entries")
        ordering = ["-disclosed_at", "-id"]
        # The export carries customers' personal data: officers and auditors, not support.
        permissions = [
            ("export_disclosure", _("Can export the register with customer data")),
            # A void stands in the register for good: officers only (roles.OFFICER_ONLY).
            ("void_disclosure", _("Can void a register entry")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(basis__in=["5.4.1", "5.4.2", "5.4.3", "consent", "5.3.2"]),
                name="disclosures_disclosure_basis_valid",
            ),
            # 5.4.3: no request number, date and legal ground, no disclosure to the state.
            models.CheckConstraint(
                condition=~models.Q(basis="5.4.3")
                | (
                    ~models.Q(request_number="")
                    & models.Q(request_date__isnull=False)
                    & ~models.Q(legal_ground="")
                ),
                name="disclosures_disclosure_543_request",
            ),
            # 5.4.1: non-personal data only, so no customer is named.
            models.CheckConstraint(
                condition=~models.Q(basis="5.4.1") | models.Q(line_count=0),
                name="disclosures_disclosure_541_no_customer",
            ),
        ]
        indexes = [
            models.Index(fields=["-disclosed_at", "-id"], name="disclosures_disc_date_idx"),
            models.Index(
                fields=["recipient", "-disclosed_at"], name="disclosures_disc_recipient_idx"
            ),
        ]

    def __str__(self):
        # Almaty time, as on every page (the stored value is UTC).
        moment = timezone.localtime(self.disclosed_at)
        return f"{moment:%Y-%m-%d %H:%M} → {self.recipient} ({self.basis})"

    @property
    def category_labels(self) -> list[str]:
        return category_labels(self.categories)

    @property
    def is_voided(self) -> bool:
        return hasattr(self, "void")


class DisclosureLine(AppendOnlyModel):
    """One customer (and, for 5.4.2, one order) concerned by a disclosure.

    ``disclosed_at`` repeats the disclosure's so that a customer's disclosures are read
    newest first straight from one index, however many thousands there are.
    """

    disclosure = models.ForeignKey(
        Disclosure, verbose_name=_("disclosure"), on_delete=models.PROTECT, related_name="lines"
    )
    line_no = models.PositiveIntegerField(_("line"))
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="disclosure_lines",
    )
    order = models.ForeignKey(
        "accounts.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosure_lines",
    )
    permission = models.ForeignKey(
        WrittenPermission,
        verbose_name=_("written permission"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosure_lines",
    )
    disclosed_at = models.DateTimeField(_("disclosed at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("disclosure line")
        verbose_name_plural = _("disclosure lines")
        ordering = ["disclosure", "line_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "line_no"], name="disclosures_line_no_unique"
            ),
            models.UniqueConstraint(
                fields=["disclosure", "order"],
                condition=models.Q(order__isnull=False),
                name="disclosures_line_order_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "-disclosed_at", "-id"], name="disclosures_line_cust_idx"
            ),
        ]

    def __str__(self):
        return _("entry %(id)s, line %(no)s") % {"id": self.disclosure_id, "no": self.line_no}


class DisclosureVoid(AppendOnlyModel):
    """A wrong register entry, voided by a new entry with a reason; both rows stay."""

    disclosure = models.OneToOneField(
        Disclosure, verbose_name=_("disclosure"), on_delete=models.PROTECT, related_name="void"
    )
    reason = models.CharField(_("reason"), max_length=500)
    voided_at = models.DateTimeField(_("voided at"), default=timezone.now, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("void of a disclosure")
        verbose_name_plural = _("voids of disclosures")
        ordering = ["-voided_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="disclosures_void_has_reason"
            ),
        ]

    def __str__(self):
        return _("void of entry %(id)s") % {"id": self.disclosure_id}


# --- breaches (5.4.4) ----------------------------------------------------------------------


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


class BreachNotice(AppendOnlyModel):
    """Proof that one affected customer was notified, exactly once (5.4.4).

    The unique (incident, customer) pair makes a second notice impossible; the outbox
    row it points to says when the email was sent, or why not yet.
    """

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
        indexes = [models.Index(fields=["customer"], name="disclosures_breach_ntc_cust")]

    def __str__(self):
        return _("notice of incident %(incident)s to customer %(customer)s") % {
            "incident": self.incident_id,
            "customer": self.customer_id,
        }
