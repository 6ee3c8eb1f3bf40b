from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class OutboundMessage(models.Model):
    """One email to one recipient, written in the same transaction as its cause.

    The unique (reason, object_key, recipient) makes a second click, a retried task or a
    sweep that runs twice find the existing row instead of writing another one; a row
    is sent at most once because sending takes a row lock and checks the status.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # Stopped before sending because its reason is gone (e.g. 4.3: the customer
        # unsubscribed); never retried.
        CANCELLED = "cancelled", _("Cancelled")

    reason = models.CharField(_("reason"), max_length=64)
    object_key = models.CharField(_("object"), max_length=160)
    recipient = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=8, default="ru")
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["body_text", "body_html", "headers"])

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reason", "object_key", "recipient"],
                name="outbox_unique_reason_object_recipient",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed", "cancelled"]),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False) | ~models.Q(status="sent"),
                name="outbox_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["object_key"], name="outbox_object_idx"),
            # "Was this customer told?": the admin finds a recipient in any case.
            models.Index(Lower("recipient"), name="outbox_recipient_lower_idx"),
        ]

    def __str__(self):
        return f"{self.reason} #{self.pk} ({self.get_status_display()})"


class CalendarOverride(models.Model):
    """A one-off day off or working day added by an officer (6.2 calendar).

    The ``holidays`` package knows Kazakhstan's public holidays and the days moved by
    government decree up to its release; a decree published later (or a local day off)
    is entered here and wins over the package for that date.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    note = models.CharField(
        _("reason"), max_length=200, help_text=_("E.g. the government decree that moved it.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["-day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["day_off", "working_day"]),
                name="calendar_override_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"


class PersonalDataAccess(models.Model):
    """1.5: which staff member looked at or exported whose personal data, and when.

    Written when a staff page that shows a person's data is opened; never edited.
    ``subject_key`` names the record (``accounts.customer:42``) so that every app can log
    its own pages without this table depending on them.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        HISTORY = "history", _("Viewed history")
        EXPORT = "export", _("Exported")
        # Shown in a list found by a search (by email, phone...): the term itself is
        # never stored, it is the person's data (issue 8 item 8).
        SEARCH = "search", _("Found by a search")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    subject_key = models.CharField(_("record"), max_length=160)
    path = models.CharField(_("page"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["view", "history", "export", "search"]),
                name="pd_access_action_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["subject_key", "-at"], name="pd_access_subject_idx"),
            models.Index(fields=["user", "-at"], name="pd_access_user_idx"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.action} {self.subject_key}"
