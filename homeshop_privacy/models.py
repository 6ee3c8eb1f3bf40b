from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .outbox_reasons import reason_label
from .timestamps import display_date


class Mailing(models.Model):
    """A large mailing (7.2 policy change, 5.4.4 breach notices) and its live counters.

    Its emails are outbox rows written set-based and sent in chunks (``fanout``). The
    counters move in the same transaction as the rows they count, so a page shows the
    progress of a million emails without counting a million rows (issue 14).
    """

    reason = models.CharField(_("reason"), max_length=64)
    object_key = models.CharField(_("object"), max_length=160)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    written = models.PositiveIntegerField(_("emails written"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    possible_duplicates = models.PositiveIntegerField(_("possibly duplicated"), default=0)
    bounced = models.PositiveIntegerField(_("bounced"), default=0)
    chunks_published = models.PositiveIntegerField(_("chunks published"), default=0)
    # Moved with every counter: a mailing whose rows wait and that made no progress for
    # MAILING_SWEEP_GRACE_SECONDS lost its chunks (a broker restarted, a worker killed).
    progress_at = models.DateTimeField(_("last progress at"), default=timezone.now)

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        constraints = [
            models.UniqueConstraint(
                fields=["reason", "object_key"], name="mailing_unique_reason_object"
            ),
        ]

    def __str__(self):
        return f"{self.reason} {self.object_key}"


class OutboundMessage(models.Model):
    """One email to one recipient, written in the same transaction as its cause.

    The unique (reason, object_key, recipient) makes a second click, a retried task or a
    sweep that runs twice find the existing row instead of writing another one.

    The states make the outbox tell the truth about delivery (issue 9 §1):

    - *pending*: never handed to the mail backend (no attempt). Only such a row may be
      *cancelled*.
    - *sending*: an attempt is committed (``attempts`` counts it, ``attempt_started_at``
      dates it) *before* the backend is called. A row left in this state was possibly
      delivered; it is resent with the same ``Message-ID`` and counted in
      ``possible_duplicates``, never dropped and never cancelled.
    - *retrying*: the last attempt failed; waiting for ``next_attempt_at``.
    - *sent*, *failed* (gave up), *cancelled* (never attempted; its reason is gone).

    A secret link (password reset, first sign-in) is never stored: the row names the
    template, the kind of link and the object it is for, and the sending task builds the
    link when it sends (issue 8 item 3); ``body_text`` holds the text with the link
    masked, which is all the admin shows.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Waiting to retry")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # Stopped before any attempt because its reason is gone (e.g. 4.3: the customer
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
    body_template = models.CharField(
        _("body template"),
        max_length=200,
        blank=True,
        help_text=_("Rendered when the email is sent, with its secret link."),
    )
    link_kind = models.CharField(
        _("secret link"),
        max_length=64,
        blank=True,
        help_text=_("The kind of one-time link built when the email is sent; never stored."),
    )
    link_object_id = models.PositiveBigIntegerField(_("link for"), null=True, blank=True)
    # Files sent with the message: references into the private storage, read at send
    # time (homeshop_privacy.outbox.OutboxAttachment), never their content.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    attempts_before_retry = models.PositiveIntegerField(
        _("attempts before the last staff retry"), default=0
    )
    possible_duplicates = models.PositiveIntegerField(
        _("possible duplicates"),
        default=0,
        help_text=_(
            "Times an attempt was interrupted after the mail server may have accepted the "
            "email and it was sent again with the same Message-ID: the recipient may have "
            "it twice."
        ),
    )
    stop_requested = models.BooleanField(
        _("stopped"),
        default=False,
        help_text=_("Its reason is gone: no further attempt is made."),
    )
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    attempt_started_at = models.DateTimeField(_("last attempt started at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # A row of a large mailing (fanout): written set-based, sent in chunks, counted there.
    mailing = models.ForeignKey(
        Mailing,
        verbose_name=_("mailing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    # Accepted by the mail server is not received: a delivery status notification (RFC
    # 3464) naming this row's Message-ID says it bounced (fanout.bounce_record).
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True)
    bounce_status = models.CharField(
        _("bounce status"),
        max_length=32,
        blank=True,
        help_text=_("The status code the recipient's mail server gave, e.g. 5.1.1."),
    )

    history = HistoricalRecords(
        excluded_fields=["body_text", "body_html", "headers", "attachments"]
    )

    class Meta:
        verbose_name = _("outbound email")
        # "21 outbound emails" under the list (was "21 outbox").
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reason", "object_key", "recipient"],
                name="outbox_unique_reason_object_recipient",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "sending", "retrying", "sent", "failed", "cancelled"]
                ),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False) | ~models.Q(status="sent"),
                name="outbox_sent_has_sent_at",
            ),
            # Never attempted, so never possibly delivered: the only rows that may be
            # cancelled. Every other state has at least one committed attempt.
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=["pending", "cancelled"], attempts=0)
                    | models.Q(
                        status__in=["sending", "retrying", "sent", "failed"], attempts__gte=1
                    )
                ),
                name="outbox_attempts_match_status",
            ),
            models.CheckConstraint(
                condition=models.Q(status="sending", attempt_started_at__isnull=False)
                | ~models.Q(status="sending"),
                name="outbox_sending_has_started_at",
            ),
            models.CheckConstraint(
                condition=models.Q(status="cancelled", stop_requested=True)
                | ~models.Q(status="cancelled"),
                name="outbox_cancelled_is_stopped",
            ),
            models.CheckConstraint(
                condition=models.Q(possible_duplicates=0)
                | models.Q(possible_duplicates__lt=models.F("attempts")),
                name="outbox_duplicates_below_attempts",
            ),
            models.CheckConstraint(
                condition=models.Q(attempts_before_retry__lte=models.F("attempts")),
                name="outbox_retry_base_below_attempts",
            ),
            # A secret link is named (kind, object, and the template of the body or the
            # place in the stored text where the sender puts it: outbox.LINK_PLACEHOLDER),
            # never stored.
            models.CheckConstraint(
                condition=models.Q(link_kind="", link_object_id__isnull=True)
                | (
                    ~models.Q(link_kind="")
                    & models.Q(link_object_id__isnull=False)
                    & (
                        ~models.Q(body_template="")
                        | models.Q(body_text__contains="{one-time-link}")
                    )
                ),
                name="outbox_link_named_in_full",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due_idx",
                condition=models.Q(status__in=["pending", "retrying"]),
            ),
            models.Index(
                fields=["attempt_started_at"],
                name="outbox_sending_idx",
                condition=models.Q(status="sending"),
            ),
            models.Index(fields=["object_key"], name="outbox_object_idx"),
            # "Was this customer told?": the admin finds a recipient in any case.
            models.Index(Lower("recipient"), name="outbox_recipient_lower_idx"),
            # The admin list's ordering, and its status filter in that order (issue 14).
            models.Index(fields=["-created_at", "-id"], name="outbox_created_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="outbox_status_created_idx"),
            # A chunk of a mailing is a range of its ids (fanout); bounces are listed.
            models.Index(
                fields=["mailing", "id"],
                name="outbox_mailing_idx",
                condition=models.Q(mailing__isnull=False),
            ),
            models.Index(
                fields=["mailing", "bounced_at"],
                name="outbox_mailing_bounced_idx",
                condition=models.Q(bounced_at__isnull=False),
            ),
        ]

    def __str__(self):
        # "Claim received (to the claimant) № 12 (Sent)": no code name, no address.
        return f"{reason_label(self.reason)} № {self.pk} ({self.get_status_display()})"

    @property
    def has_secret_link(self) -> bool:
        return bool(self.link_kind)


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
        return f"{display_date(self.day)} {self.get_kind_display()}"


class CalendarConfirmation(models.Model):
    """An officer compared a year's calendar with the government's decrees (6.2, issue 13).

    The ``holidays`` package knows the decrees up to its release, and the moved days off
    of the next year are published late in the year: from 1 November the admin index asks
    for this check and says when nobody has made it. A confirmation is never edited; a
    second check of the same year is another row.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    package_version = models.CharField(_("version of the holidays package"), max_length=32)
    overrides = models.PositiveIntegerField(_("overrides of that year"))

    class Meta:
        verbose_name = _("calendar confirmation")
        verbose_name_plural = _("calendar confirmations")
        ordering = ["-year", "-confirmed_at"]
        indexes = [models.Index(fields=["year", "-confirmed_at"], name="calendar_confirm_year_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100),
                name="calendar_confirmation_year_range",
            ),
        ]

    def __str__(self):
        return f"{self.year}: {self.confirmed_by} ({display_date(self.confirmed_at)})"


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

    at = models.DateTimeField(_("at"), default=timezone.now)
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
            # The log's own order, with the id: a far page of the admin list reads the ids
            # it skips from this index alone (issue 14); also any range of moments.
            models.Index(fields=["-at", "-id"], name="pd_access_at_idx"),
            models.Index(fields=["subject_key", "-at"], name="pd_access_subject_idx"),
            models.Index(fields=["user", "-at"], name="pd_access_user_idx"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.action} {self.subject_key}"


# --- ops: heartbeats and outages (issue 9 §6) -----------------------------------------------


class Heartbeat(models.Model):
    """The last sign of life of one kind of background process (homeshop_privacy.heartbeat).

    Written by the processes themselves, never by a person: no history, no admin page.
    """

    class Kind(models.TextChoices):
        BEAT = "beat", _("Celery beat (scheduler)")
        WORKER = "worker", _("Celery worker")

    kind = models.CharField(_("process"), max_length=16, choices=Kind.choices, unique=True)
    # None: never reported; then ``missing_since`` is when the monitor first looked for it
    # (the start-up grace period is counted from there, the same for every process).
    seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    missing_since = models.DateTimeField(_("missing since"), null=True, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["beat", "worker"]), name="heartbeat_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(seen_at__isnull=False) | models.Q(missing_since__isnull=False),
                name="heartbeat_seen_or_missing_since",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.seen_at or '-'}"


class OperationsOutage(models.Model):
    """One period in which background processing needed attention, and whether the officers
    were told. At most one is open; it closes when every check passes again, so the officers
    get one email per outage however many pages show the banner meanwhile."""

    SCOPE = "background"

    scope = models.CharField(max_length=16, default=SCOPE, editable=False)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    problems = models.CharField(_("problems"), max_length=200)
    notify_attempted_at = models.DateTimeField(_("alert attempted at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("officers alerted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("operations outage")
        verbose_name_plural = _("operations outages")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope"],
                condition=models.Q(closed_at__isnull=True),
                name="operations_outage_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.opened_at:%Y-%m-%d %H:%M} {self.problems}"


class LedgerPublication(models.Model):
    """The chain heads of every ledger as published to the officers (issue 9 §2).

    ``positions`` says how far each ledger went (per kind: the largest row id, or the
    sending time of claim answers); ``kinds`` the digest of the chain heads at that
    point; ``digest`` one digest over all kinds, the value emailed and logged. Written
    once by the daily task, never edited (a database trigger refuses it).
    """

    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    positions = models.JSONField(_("up to"), default=dict)
    kinds = models.JSONField(_("digests per ledger"), default=dict)
    digest = models.CharField(_("digest"), max_length=64)

    class Meta:
        verbose_name = _("published ledger heads")
        verbose_name_plural = _("published ledger heads")
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return f"{self.published_at:%Y-%m-%d %H:%M} {self.digest[:16]}"


class LedgerErasure(models.Model):
    """One use of ``ledger_erase_personal``: which evidence columns of which row were blanked.

    Written by that database function only (the application may read it), in the same
    transaction as the erasure; never edited (a database trigger refuses it).
    """

    erased_at = models.DateTimeField(_("erased at"), default=timezone.now)
    table_name = models.CharField(_("table"), max_length=63)
    row_id = models.BigIntegerField(_("row"))
    columns = models.JSONField(_("columns"), default=list)
    reason = models.CharField(_("reason"), max_length=255)
    database_role = models.CharField(_("database role"), max_length=63)

    class Meta:
        verbose_name = _("erasure of evidence")
        verbose_name_plural = _("erasures of evidence")
        ordering = ["-erased_at", "-id"]

    def __str__(self):
        return f"{self.table_name}:{self.row_id} {self.columns}"


# --- 4.1: retention rules and their runs (issue 11) -----------------------------------------


class RetentionRule(models.Model):
    """How long one category of data is kept, after which event, why, and what then.

    Officers edit the terms and reasons (with history); the daily run
    (``homeshop_privacy.retention``) applies every active rule whose code names a process
    an app registered. A rule whose action is *keep* states a legal duty to keep data that
    no process removes (the personal parts of it go when the person is anonymised).
    """

    class Category(models.TextChoices):
        CUSTOMER = "customer", _("Contact data and addresses")
        ORDERS = "orders", _("Orders and payment facts")
        VISITS = "visits", _("Visit events")
        CONSENTS = "consents", _("Consent ledger")
        DISCLOSURES = "disclosures", _("Disclosure register")
        CLAIMS = "claims", _("Claims and their files")
        BREACH_NOTICES = "breach_notices", _("Breach notices")
        OUTBOX = "outbox", _("Email bodies (outbox)")
        ACCESS_LOG = "access_log", _("Access log")
        HISTORY = "history", _("History rows")

    class Event(models.TextChoices):
        LAST_ORDER = "last_order", _("Last order or sign-in (or registration)")
        ACCOUNT_CLOSURE = "account_closure", _("Account closure requested")
        CONSENT_WITHDRAWAL = "consent_withdrawal", _("Consent withdrawn")
        CLAIM_CLOSED = "claim_closed", _("Claim closed")
        CREATION = "creation", _("Creation of the record")

    class Action(models.TextChoices):
        ANONYMISE = "anonymise", _("Anonymise")
        DELETE = "delete", _("Delete")
        KEEP = "keep", _("Keep (a law requires it)")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    category = models.CharField(_("data category"), max_length=32, choices=Category.choices)
    event = models.CharField(_("counted from"), max_length=32, choices=Event.choices)
    keep_days = models.PositiveIntegerField(_("kept for (days)"))
    action = models.CharField(_("then"), max_length=16, choices=Action.choices)
    legal_reason = models.TextField(_("legal reason"), max_length=2000)
    is_active = models.BooleanField(_("applied"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["category", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    category__in=[
                        "customer",
                        "orders",
                        "visits",
                        "consents",
                        "disclosures",
                        "claims",
                        "breach_notices",
                        "outbox",
                        "access_log",
                        "history",
                    ]
                ),
                name="retention_rule_category_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    event__in=[
                        "last_order",
                        "account_closure",
                        "consent_withdrawal",
                        "claim_closed",
                        "creation",
                    ]
                ),
                name="retention_rule_event_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(action__in=["anonymise", "delete", "keep"]),
                name="retention_rule_action_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(legal_reason=""), name="retention_rule_reason_given"
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()}: {self.keep_days} d, {self.get_action_display()}"


class RetentionRun(models.Model):
    """One run of the retention rules: what it changed, counted per rule (4.1 proof).

    Written by the daily task batch by batch (each batch its own transaction), so an
    interrupted run still says what it did; the next run takes up what is still due.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        INTERRUPTED = "interrupted", _("Interrupted")
        FAILED = "failed", _("Failed")

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    # {rule code: {"rows": records processed, "changed": {table: rows}}}
    counts = models.JSONField(_("changes per rule"), default=dict, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "done", "interrupted", "failed"]),
                name="retention_run_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"


# The API's records (issue 12) live in their own module; importing them here makes them
# models of this app.
from .api.models import (  # noqa: E402, F401
    ApiKey,
    ApiScope,
    IdempotentReply,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
