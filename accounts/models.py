from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from homeshop_privacy.append_only import AppendOnlyModel
from homeshop_privacy.timestamps import display_datetime

from .email_address import EMAIL_TAKEN_MESSAGE, EmailAddressField, email_normalise
from .validators import PHONE_MESSAGE, phone_display, validate_kz_phone


def email_match(queryset: models.QuerySet, email: str, *, field: str = "email"):
    """Rows whose ``field`` is ``email`` in any case, read through the LOWER(email) index.

    ``email__iexact`` becomes UPPER(email) = UPPER(...) on PostgreSQL, which no index
    serves: every sign-in or lookup would scan the table.
    """
    return queryset.alias(_email_lower=Lower(field)).filter(
        _email_lower=email_normalise(email).lower()
    )


def customer_lock(*, customer_id: int) -> None:
    """Lock the customer's row until the transaction ends.

    Every write about one customer in several apps (consents, promotions, claims filed
    online) takes this lock first: one fixed order, so they wait for each other instead
    of deadlocking, and a double submission sees the first one's rows.
    """
    Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk").first()


class Language(models.TextChoices):
    RU = "ru", _("Russian")
    KK = "kk", _("Kazakh")
    EN = "en", _("English")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Sign-in is by email, whatever its case.
        return email_match(self.get_queryset(), username).get()

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=email_normalise(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: staff (1.5) and customers (1.8) alike, by email."""

    email = EmailAddressField(
        _("email address"),
        max_length=254,
        unique=True,
        error_messages={"unique": EMAIL_TAKEN_MESSAGE},
    )
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.RU
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=EMAIL_TAKEN_MESSAGE,
            ),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = email_normalise(self.email)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name or self.email


class Customer(models.Model):
    """A shop customer and the 3.2 registration data.

    The shop may create the record at checkout, before the person ever signs in, so the
    link to a ``User`` is optional.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sign-in account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer",
    )
    # Issue 12: the shop's own id of the customer, by which its API calls name them.
    shop_customer_id = models.CharField(
        _("shop customer id"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    phone = models.CharField(
        _("phone"),
        max_length=16,
        validators=[validate_kz_phone],
        help_text=_("Kazakhstan number, stored as +7XXXXXXXXXX."),
    )
    email = EmailAddressField(_("email address"), max_length=254)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.RU
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # 4.1: set by ``customer_anonymise``; the row stays for the orders and ledgers that
    # point to it, with nothing left that names the person.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        constraints = [
            # 3.2: one customer per email address, whatever its case.
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_customer_email_ci_unique",
                violation_error_message=EMAIL_TAKEN_MESSAGE,
            ),
            # 4.1: an anonymised customer has no phone number.
            models.CheckConstraint(
                condition=models.Q(phone__regex=r"^\+7[0-9]{10}$")
                | models.Q(phone="", anonymised_at__isnull=False),
                name="accounts_customer_phone_e164_kz",
                violation_error_message=PHONE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=models.Q(preferred_language__in=["ru", "kk", "en"]),
                name="accounts_customer_language_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["phone"], name="accounts_customer_phone_idx"),
            models.Index(fields=["last_name", "first_name"], name="accounts_customer_name_idx"),
            # 4.1: the retention rule's dry run and daily run read the customers not yet
            # anonymised who registered before its cutoff, not the whole table.
            models.Index(
                fields=["created_at"],
                condition=models.Q(anonymised_at__isnull=True),
                name="accounts_customer_retain_idx",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def full_name(self) -> str:
        return str(self)

    @property
    def phone_display(self) -> str:
        return phone_display(self.phone)


class Address(models.Model):
    """A delivery address (3.2); a customer may have several."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="addresses"
    )
    city = models.CharField(_("city"), max_length=100)
    street = models.CharField(_("street, house"), max_length=255)
    apartment = models.CharField(_("apartment / office"), max_length=50, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery address")
        verbose_name_plural = _("delivery addresses")
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_default=True),
                name="accounts_address_one_default_per_customer",
            ),
        ]

    def __str__(self):
        parts = [self.city, self.street, self.apartment]
        return ", ".join(part for part in parts if part)


class Order(models.Model):
    """Purchase history (3.4): personal data with the same protection as the rest."""

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        RETURNED = "returned", _("Returned")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    number = models.CharField(_("order number"), max_length=32, unique=True)
    placed_at = models.DateTimeField(_("placed at"))
    seller_name = models.CharField(_("seller"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLACED
    )
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="KZT")
    delivery_address = models.ForeignKey(
        Address,
        verbose_name=_("delivery address"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["placed", "paid", "shipped", "delivered", "cancelled", "returned"]
                ),
                name="accounts_order_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(total__gte=0), name="accounts_order_total_gte_0"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="accounts_order_customer_idx"),
            # The admin list's ordering: its pages read the index, no sort of every order.
            models.Index(fields=["-placed_at", "-id"], name="accounts_order_placed_idx"),
        ]

    def __str__(self):
        return self.number


class CustomerDevice(models.Model):
    """Browsers and operating systems a customer used (3.4): personal, because linked."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="devices"
    )
    browser = models.CharField(_("browser"), max_length=100)
    operating_system = models.CharField(_("operating system"), max_length=100)
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer device")
        verbose_name_plural = _("customer devices")
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "browser", "operating_system"],
                name="accounts_device_unique_per_customer",
            ),
        ]

    def __str__(self):
        return f"{self.browser} / {self.operating_system}"


class VisitEvent(models.Model):
    """Non-personal data sent automatically while browsing (1.4).

    Kept apart from the customer's personal data (no link to a customer) and purged
    after ``VISIT_EVENT_RETENTION_DAYS`` (4.1). Written by the shop, never edited.
    """

    occurred_at = models.DateTimeField(_("access time"), db_index=True)
    page_url = models.URLField(_("page address"), max_length=2000)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=512, blank=True)
    referrer = models.URLField(_("previous page"), max_length=2000, blank=True)
    cookie_id = models.CharField(_("cookie id"), max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("visit event")
        verbose_name_plural = _("visit events")
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{display_datetime(self.occurred_at)} {self.page_url[:60]}"


class AccountClosureRequest(models.Model):
    """2.2: a customer who disagrees with the policy stops using the site and may ask
    for the account to be closed. The request is tracked until staff close the account
    (``done``) or refuse (``refused``, e.g. an order is still being delivered).
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        DONE = "done", _("Account closed")
        REFUSED = "refused", _("Refused")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="closure_requests",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    comment = models.TextField(_("customer's comment"), max_length=2000, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    # 2.2, 4.1: the proof that the closure was carried out: when the personal data were
    # erased (``customer_anonymise``), after the last email to the customer was sent.
    carried_out_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account closure request")
        verbose_name_plural = _("account closure requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "done", "refused"]),
                name="accounts_closure_status_valid",
            ),
            # 2.2: one open request per customer; asking again shows the open one.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="requested"),
                name="accounts_closure_one_open_per_customer",
            ),
            # A decided request says when it was decided; an open one has no decision yet.
            models.CheckConstraint(
                condition=(
                    models.Q(status="requested", decided_at__isnull=True)
                    | (~models.Q(status="requested") & models.Q(decided_at__isnull=False))
                ),
                name="accounts_closure_decided_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="accounts_closure_status_idx"),
        ]

    def __str__(self):
        return f"{self.customer} — {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.REQUESTED


# Sign-in protection (issue 8 items 6 and 7) ----------------------------------------------


class SecurityEvent(AppendOnlyModel):
    """1.5: who enrolled, reset or used a staff second factor, and who lifted a sign-in lock.

    Written in the same transaction as the change it records; never edited or deleted.
    ``detail`` names ids and the channel (admin, manage.py), never a code or a secret.
    """

    class Kind(models.TextChoices):
        TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Two-factor device enrolled")
        TWO_FACTOR_RESET = "2fa_reset", _("Two-factor devices reset")
        BACKUP_CODE_USED = "2fa_backup_code_used", _("Backup code used")
        SIGN_IN_UNLOCKED = "sign_in_unlocked", _("Sign-in lock lifted")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events_done",
    )
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "2fa_enrolled",
                        "2fa_reset",
                        "2fa_backup_code_used",
                        "sign_in_unlocked",
                    ]
                ),
                name="accounts_security_event_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class PasswordResetRequest(models.Model):
    """One forgotten-password request, counted to throttle them (issue 8 item 6).

    Address and IP are kept only as keyed hashes (HMAC with the secret key) and only for
    the throttle window: enough to count, nothing to read back.
    """

    at = models.DateTimeField(_("at"), default=timezone.now)
    address_digest = models.CharField(_("address (hashed)"), max_length=64)
    ip_digest = models.CharField(_("IP address (hashed)"), max_length=64)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")
        indexes = [
            models.Index(fields=["address_digest", "at"], name="accounts_reset_address_idx"),
            models.Index(fields=["ip_digest", "at"], name="accounts_reset_ip_idx"),
            models.Index(fields=["at"], name="accounts_reset_at_idx"),
        ]

    def __str__(self):
        return f"password reset request #{self.pk}"


class EmailChangeRequest(models.Model):
    """A customer asked to sign in with another email address (issue 9 §5, 5.1.2).

    The new address takes effect only when the link sent to it is opened: until then the
    old address stays the customer's email and sign-in. The link is built when the email
    is sent, from this row's id, and works once: a confirmed, cancelled or superseded
    request refuses it. The link itself is stored nowhere.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="email_change_requests",
    )
    old_email = EmailAddressField(_("old email address"), max_length=254)
    new_email = EmailAddressField(_("new email address"), max_length=254)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("confirmed or cancelled at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("email change request")
        verbose_name_plural = _("email change requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "confirmed", "cancelled"]),
                name="accounts_emailchange_status_valid",
            ),
            # A new request replaces the open one: one link in force per customer.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="pending"),
                name="accounts_emailchange_one_pending_per_customer",
            ),
        ]

    def __str__(self):
        return f"{self.customer} — {self.get_status_display()}"


class CustomerHold(models.Model):
    """4.1, 2.2: an officer's legal hold: this customer's data are kept, whatever the
    retention rules say, until the hold is released (e.g. a court's or a regulator's
    request, an order in dispute). Its reason says which; it is never deleted."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="holds"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    placed_at = models.DateTimeField(
        pgettext_lazy("legal hold", "placed at"), default=timezone.now, editable=False
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True, editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="accounts_hold_reason"),
            models.CheckConstraint(
                condition=models.Q(released_at__isnull=True, released_by__isnull=True)
                | models.Q(released_at__isnull=False, released_by__isnull=False),
                name="accounts_hold_released_by_whom",
            ),
        ]
        indexes = [models.Index(fields=["customer", "released_at"], name="accounts_hold_cust")]

    def __str__(self):
        return _("hold on customer %(customer)s") % {"customer": self.customer_id}
