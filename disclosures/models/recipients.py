"""Third parties that receive customer data and customers' written permissions (1.6, 5.3.2)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.classification import DataCategory
from homeshop_privacy import private_files
from homeshop_privacy.timestamps import display_date

from ..validators import BIN_MESSAGE, validate_bin

BIN_REGEX = r"^[0-9]{12}$"


def category_labels(codes) -> list[str]:
    """The names of stored data-category codes, in the active language."""
    return [str(DataCategory(c).label) for c in codes if c in DataCategory.values]


def private_storage():
    """Scans of signed permissions are personal data: the one private storage
    (``homeshop_privacy.private_files``); the name stays because migrations refer to it."""
    return private_files.private_storage()


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
        return f"{self.document_reference} ({display_date(self.signed_on)})"

    def covers(self, categories) -> bool:
        return set(categories) <= set(self.categories)
