"""Pre-trial claims (6.1–6.3): the register, the 30-day term, the written answer.

Every claim is a legal obligation with a stored deadline (``due_on``) that only the
services in ``claims.services`` compute and change. Claims, their deadline changes,
attachments and answers are never deleted (``PROTECT``, no delete in the admin).
"""

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Language
from homeshop_privacy import private_files
from homeshop_privacy.calendar import DEFAULT_TERM_DAYS, explain_skipped, local_date
from homeshop_privacy.ledger import Chain, ChainFields

#: Attachments: at most this size, of these (sniffed, not declared) types; the checks
#: and the caps per claim are shared with the permission scans (homeshop_privacy).
ATTACHMENT_MAX_BYTES = private_files.MAX_FILE_BYTES
ATTACHMENT_TYPES = private_files.TYPES


def private_storage():
    """The one private storage (``homeshop_privacy.private_files``); the name stays
    because the migrations refer to it."""
    return private_files.private_storage()


#: What an answer template may name in braces (filled in by claims.services).
ANSWER_PLACEHOLDERS = (
    "claimant_name",
    "reference",
    "received_on",
    "due_on",
    "subject",
    "order_number",
    "today",
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

#: What is left for the officer to write is in square brackets in a template
#: ("[Ответ по существу]", "[Мәні бойынша жауап]", "[Answer]"): any bracketed text with
#: a letter in it on one line. "[1]" or "[...]" are text, not placeholders. A ``{name}``
#: still in an answer is a brace placeholder the renderer did not know (a typo).
UNFILLED = re.compile(r"\[[^\[\]\n]*[^\W\d_][^\[\]\n]*\]|\{\w+\}")


def unfilled_placeholders(text: str) -> list[str]:
    """Every placeholder still in ``text``, once each, in order of appearance."""
    return list(dict.fromkeys(match.group(0) for match in UNFILLED.finditer(text or "")))


TEMPLATE_HELP = _(
    "Filled in from the claim: {claimant_name}, {reference}, {received_on}, {due_on}, "
    "{subject}, {order_number}, {today}. Empty: a standard letter is used. Write what the "
    "officer must fill in within square brackets, e.g. [Answer]: an answer still holding "
    "one cannot be approved or sent."
)


class TermUnit(models.TextChoices):
    """How a term is counted: 6.2's calendar days, or the working days the Law 94-V sets
    for some data-subject requests (art. 25 p.2, art. 8 p.7; issue 11)."""

    CALENDAR = "calendar", _("calendar days")
    WORKING = "working", _("working days")


def term_label(days: int, unit: str) -> str:
    """ "N working days" or "N calendar days", in the active language (issue 11: never
    "calendar days" for a term the Law counts in working days)."""
    if unit == TermUnit.WORKING:
        text = ngettext("%(days)s working day", "%(days)s working days", days)
    else:
        text = ngettext("%(days)s calendar day", "%(days)s calendar days", days)
    return text % {"days": days}


class IdentityMethod(models.TextChoices):
    SIGNED_IN = "signed_in", _("the customer was signed in")
    EMAIL_CODE = "email_code", _("a one-time code sent to the email on file")


class ClaimCategory(models.Model):
    """What a claim is about, with its own term and answer templates (ru / kk / en)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name (Russian)"), max_length=150)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=150, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    # 6.2: 30 calendar days at most; a category may promise less (e.g. 10 days for a
    # consumer-protection claim).
    term_days = models.PositiveSmallIntegerField(
        _("term, days"),
        default=DEFAULT_TERM_DAYS,
        help_text=_("Calendar or working days, as “term counted in” says; 30 at most."),
        validators=[MinValueValidator(1), MaxValueValidator(DEFAULT_TERM_DAYS)],
    )
    # Issue 11: data-subject requests of the Law 94-V count their term in working days
    # on the Kazakhstan calendar (rectification, destruction: 1; stopping processing: 15).
    term_unit = models.CharField(
        _("term counted in"), max_length=16, choices=TermUnit.choices, default=TermUnit.CALENDAR
    )
    # Issue 11: an answer to these requests discloses or changes personal data, so the
    # requester's identity is verified first (or the answer holds no personal data).
    needs_identity_check = models.BooleanField(
        _("identity verified before the answer"), default=False
    )
    answer_template_ru = models.TextField(
        _("answer template (Russian)"), blank=True, help_text=TEMPLATE_HELP
    )
    answer_template_kk = models.TextField(
        _("answer template (Kazakh)"), blank=True, help_text=TEMPLATE_HELP
    )
    answer_template_en = models.TextField(
        _("answer template (English)"), blank=True, help_text=TEMPLATE_HELP
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("claim category")
        verbose_name_plural = _("claim categories")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_days__gte=1, term_days__lte=DEFAULT_TERM_DAYS),
                name="claims_category_term_1_to_30_days",
            ),
            models.CheckConstraint(
                condition=models.Q(term_unit__in=["calendar", "working"]),
                name="claims_category_term_unit_valid",
            ),
        ]

    def __str__(self):
        return self.display_name

    def clean(self):
        errors = {}
        for language in ("ru", "kk", "en"):
            field = f"answer_template_{language}"
            unknown = sorted(
                set(_PLACEHOLDER.findall(getattr(self, field))) - set(ANSWER_PLACEHOLDERS)
            )
            if unknown:
                errors[field] = _("Unknown placeholder(s): %(names)s. Use only those listed.") % {
                    "names": ", ".join("{" + name + "}" for name in unknown)
                }
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        """The name in the active language (Russian when there is no translation)."""
        language = (get_language() or "ru")[:2]
        return getattr(self, f"name_{language}", "") or self.name

    @property
    def term_label(self) -> str:
        return term_label(self.term_days, self.term_unit)

    def answer_template(self, language: str) -> str:
        return getattr(self, f"answer_template_{language}", "") or self.answer_template_ru


#: The first key of the admin list's order: open claims (0) before the others (1).
OPEN_FIRST = models.Case(
    models.When(status__in=["received", "in_review"], then=models.Value(0)),
    default=models.Value(1),
)

#: Reminders to the assignee this many days before the due date (0 = on the day, 6.2).
REMINDER_DAYS = (7, 3, 1, 0)


class Claim(models.Model):
    """A written pre-trial claim (6.1) and the state of its answer (6.2, 6.3)."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        EMAIL = "email", _("By email")
        POST = "post", _("By post")
        IN_PERSON = "in_person", _("In person")

    class ClaimantKind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_REVIEW = "in_review", _("In review")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        # 6.3: without agreement the dispute goes to court.
        SETTLED = "settled", _("Settled")
        PARTLY_SETTLED = "partly_settled", _("Partly settled")
        REJECTED = "rejected", _("Rejected")
        COURT = "court", _("Not settled: goes to court")

    OPEN_STATUSES = (Status.RECEIVED, Status.IN_REVIEW)

    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    # Claimant: a customer, or a person or company not in the system (the fields below
    # are a copy taken at receipt either way: what the claim was signed with).
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
    )
    claimant_kind = models.CharField(
        _("claimant is a"),
        max_length=16,
        choices=ClaimantKind.choices,
        default=ClaimantKind.PERSON,
    )
    claimant_name = models.CharField(_("claimant name"), max_length=255)
    claimant_email = models.EmailField(_("claimant email"), blank=True)
    claimant_phone = models.CharField(_("claimant phone"), max_length=32, blank=True)
    claimant_address = models.TextField(_("claimant postal address"), blank=True)
    claimant_language = models.CharField(
        _("claimant language"), max_length=2, choices=Language.choices, default=Language.RU
    )
    # 6.2: the moment of receipt; its date in Asia/Almaty starts the term.
    received_at = models.DateTimeField(_("received at"))
    received_on = models.DateField(_("received on (Almaty)"), editable=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=255)
    text = models.TextField(_("claim text"))
    internal_notes = models.TextField(
        _("internal notes"), blank=True, help_text=_("Never shown to the claimant.")
    )
    order = models.ForeignKey(
        "accounts.Order",
        verbose_name=_("related order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
    )
    # The disclosures app is not a dependency of claims (DESIGN): its records are named
    # by their register number.
    related_disclosure = models.CharField(
        _("related disclosure (number)"), max_length=64, blank=True
    )
    related_breach = models.CharField(
        _("related breach incident (number)"), max_length=64, blank=True
    )
    category = models.ForeignKey(
        ClaimCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="claims"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_claims",
        limit_choices_to={"is_staff": True, "is_active": True},
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    # The term: the category's days plus extensions and paused days; due_on is stored
    # and only ever recomputed by claims.services.
    term_days = models.PositiveSmallIntegerField(_("term, days"), editable=False)
    # Copied from the category with term_days: how term_days and extra_days are counted.
    term_unit = models.CharField(
        _("term counted in"),
        max_length=16,
        choices=TermUnit.choices,
        default=TermUnit.CALENDAR,
        editable=False,
    )
    extra_days = models.PositiveSmallIntegerField(
        _("days added (pauses, extensions)"), default=0, editable=False
    )
    # Issue 11: the proof of the requester's identity (who, when, how).
    identity_method = models.CharField(
        _("identity verified by"),
        max_length=16,
        choices=IdentityMethod.choices,
        blank=True,
        editable=False,
    )
    identity_verified_at = models.DateTimeField(
        _("identity verified at"), null=True, blank=True, editable=False
    )
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("identity verified by (person)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # Issue 11: the one-time code sent to the customer's email on file: only its digest is
    # kept (the code is made when the email is sent, services.identity_code_context).
    identity_code_digest = models.CharField(max_length=64, blank=True, editable=False)
    identity_code_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Wrong codes entered for the code pending: at IDENTITY_CODE_MAX_FAILURES it is void.
    identity_code_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    # Issue 11: an unverified requester is answered without personal data, saying why.
    no_personal_data_reason = models.TextField(
        _("answered without personal data, because"), blank=True, editable=False
    )
    due_on = models.DateField(_("due on"), editable=False)
    due_moved_because = models.JSONField(
        _("why the due date moved"), default=list, blank=True, editable=False
    )
    paused_on = models.DateField(_("paused since"), null=True, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    # Frozen when the answer is sent: a later change of the term does not rewrite it.
    answered_on_time = models.BooleanField(
        _("answered on time"), null=True, blank=True, editable=False
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    # 4.1 (issue 11): a claimant without a customer account is anonymised on the claim
    # itself once the claims term after closing has run out (retention rule
    # ``claims_without_account``); a customer's claims go with the customer.
    claimant_anonymised_at = models.DateTimeField(
        _("claimant anonymised at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["received", "in_review", "answered", "closed"]),
                name="claims_claim_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=["web", "email", "post", "in_person"]),
                name="claims_claim_channel_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(claimant_kind__in=["person", "company"]),
                name="claims_claim_claimant_kind_valid",
            ),
            # 6.3: a closed claim has an outcome, an open one has none yet.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status="closed",
                        outcome__in=["settled", "partly_settled", "rejected", "court"],
                    )
                    | (~models.Q(status="closed") & models.Q(outcome=""))
                ),
                name="claims_claim_outcome_iff_closed",
            ),
            # 6.2: an answered claim knows when it was answered and whether in time.
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=["received", "in_review"])
                    | models.Q(answered_at__isnull=False, answered_on_time__isnull=False)
                ),
                name="claims_claim_answered_has_timeliness",
            ),
            models.CheckConstraint(
                condition=models.Q(term_days__gte=1), name="claims_claim_term_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(term_unit__in=["calendar", "working"]),
                name="claims_claim_term_unit_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(identity_method="", identity_verified_at__isnull=True)
                | models.Q(
                    identity_method__in=["signed_in", "email_code"],
                    identity_verified_at__isnull=False,
                ),
                name="claims_claim_identity_proof_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gt=models.F("received_on")),
                name="claims_claim_due_after_receipt",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                name="claims_claim_open_due_idx",
                condition=models.Q(status__in=["received", "in_review"]),
            ),
            models.Index(fields=["answered_at"], name="claims_claim_answered_idx"),
            # The admin list's ordering (open claims first, then by due date): its pages
            # read this index instead of sorting every claim (issue 14). The expression
            # must stay the one of ``claims.admin.list_ordering``; with the status last
            # (the expression's column), a far page reads the ids it skips from the index
            # alone. (A key column, not INCLUDE: the SQLite demo has no INCLUDE.)
            models.Index(OPEN_FIRST, "due_on", "id", "status", name="claims_claim_list_order_idx"),
            # The list filtered by status, outcome or due date holds only open claims or
            # only others: it is ordered by due date alone (``claims.admin``), read from
            # the filter's index; so is its capped count (issue 14).
            models.Index(fields=["status", "due_on", "id"], name="claims_claim_status_due_idx"),
            models.Index(fields=["outcome", "due_on", "id"], name="claims_claim_outcome_due_idx"),
            models.Index(
                fields=["due_on", "id"],
                name="claims_claim_running_due_idx",
                condition=models.Q(status__in=["received", "in_review"], paused_on__isnull=True),
            ),
            # The channel does not split open from answered claims: the list's order.
            models.Index(
                "channel",
                OPEN_FIRST,
                "due_on",
                "id",
                "status",
                name="claims_claim_list_channel_idx",
            ),
            # The admin search by claimant email, any case (issue 14).
            models.Index(Upper("claimant_email"), name="claims_claim_email_upper_idx"),
            # 4.1: the retention run's claims of claimants without an account, still named.
            models.Index(
                fields=["closed_at"],
                name="claims_claim_no_account_idx",
                condition=models.Q(
                    customer__isnull=True, status="closed", claimant_anonymised_at__isnull=True
                ),
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("claims:detail", kwargs={"reference": self.reference})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def due_explanation(self) -> str:
        """Why the due date is not the last day of the term, in the active language."""
        return explain_skipped(self.due_moved_because, self.due_on)

    @property
    def term_text(self) -> str:
        """The claim's own term and the rule it comes from, in the active language:
        6.2's 30 days, or the shorter term of its category (never "30 days" for it)."""
        term = self.term_label
        if self.term_unit == TermUnit.WORKING:
            rule = gettext("the term of the Law on personal data for “%(category)s”") % {
                "category": self.category.display_name
            }
            text = f"{term}, {rule}"
            if self.extra_days:
                text += ", " + gettext("plus %(days)s day(s) of pauses and extensions") % {
                    "days": self.extra_days
                }
            return text
        if self.term_days >= DEFAULT_TERM_DAYS:
            rule = gettext("clause 6.2 of the privacy policy")
        else:
            rule = gettext(
                "the term for claims about “%(category)s”, shorter than the 30 days of "
                "clause 6.2 of the privacy policy"
            ) % {"category": self.category.display_name}
        text = f"{term}, {rule}"
        if self.extra_days:
            text += ", " + gettext("plus %(days)s day(s) of pauses and extensions") % {
                "days": self.extra_days
            }
        return text

    @property
    def term_label(self) -> str:
        """The claim's own term ("1 working day", "30 calendar days"), without the rule."""
        return term_label(self.term_days, self.term_unit)

    def days_left(self, today=None) -> int:
        today = today or local_date(timezone.now())
        return (self.due_on - today).days


class ClaimTally(models.Model):
    """How many claims stand in each tile of the claims dashboard, by day (issue 14).

    Derived data, kept by ``claims.services`` in the transaction of every change of a
    claim's status, pause, due date or answer, so that the dashboard reads a few dozen
    rows instead of counting 200,000 claims on each view of the list. ``running`` and
    ``paused``: open claims by due date (the clock running or stopped); ``answered`` and
    ``on_time``: claims answered, and answered in time, by the Almaty date of the answer.
    Rebuilt from the claims by ``services.claim_tallies_rebuild``.
    """

    class Kind(models.TextChoices):
        RUNNING = "running", _("open, by due date")
        PAUSED = "paused", _("open and paused, by due date")
        ANSWERED = "answered", _("answered, by date of the answer")
        ON_TIME = "on_time", _("answered on time, by date of the answer")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    day = models.DateField(_("day"))
    claims = models.PositiveIntegerField(_("claims"), default=0)

    class Meta:
        verbose_name = _("claim tally")
        verbose_name_plural = _("claim tallies")
        ordering = ["kind", "day"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "day"], name="claims_tally_one_per_kind_day"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["running", "paused", "answered", "on_time"]),
                name="claims_tally_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.day}: {self.claims}"


def tally_keys(
    *, status: str, paused_on, due_on, answered_at, answered_on_time
) -> list[tuple[str, date]]:
    """The (kind, day) tallies a claim in this state counts in: one while it is open,
    one or two once it is answered."""
    keys = []
    if status in Claim.OPEN_STATUSES:
        kind = ClaimTally.Kind.PAUSED if paused_on is not None else ClaimTally.Kind.RUNNING
        keys.append((kind.value, due_on))
    if answered_at is not None:
        day = local_date(answered_at)
        keys.append((ClaimTally.Kind.ANSWERED.value, day))
        if answered_on_time:
            keys.append((ClaimTally.Kind.ON_TIME.value, day))
    return keys


#: The fields of a claim its tallies depend on.
TALLIED_FIELDS = ("status", "paused_on", "due_on", "answered_at", "answered_on_time")


class ClaimDeadlineChange(models.Model):
    """A pause, a resumption or an extension of the term: who, when, why, and its effect."""

    class Kind(models.TextChoices):
        PAUSE = "pause", _("Paused: waiting for the claimant")
        RESUME = "resume", _("Resumed")
        EXTENSION = "extension", _("Extended")
        RECOMPUTE = "recompute", _("Recomputed (calendar or category changed)")

    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="deadline_changes"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    days = models.PositiveSmallIntegerField(_("days added"), default=0)
    due_before = models.DateField(_("due before"))
    due_after = models.DateField(_("due after"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["pause", "resume", "extension", "recompute"]),
                name="claims_deadline_change_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.claim} {self.get_kind_display()}"


class ClaimAttachment(models.Model):
    """A document of the claim (the claimant's evidence, a scan of the letter)."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to="claims/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size, bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__lte=ATTACHMENT_MAX_BYTES),
                name="claims_attachment_size_limit",
            ),
            models.CheckConstraint(
                condition=models.Q(content_type__in=list(ATTACHMENT_TYPES)),
                name="claims_attachment_type_allowed",
            ),
        ]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("claims:attachment", kwargs={"pk": self.pk})


class ClaimAnswer(ChainFields):
    """The written answer (6.2): drafted, approved where needed, sent, then immutable.

    Once sent it is a legal record: hash-chained per claim (``homeshop_privacy.ledger``,
    sealed by ``claim_answer_send``) and refused any change by a database trigger.
    """

    ledger_chain = Chain(
        kind="claim_answer",
        key="claim_id",
        fields=(
            "language",
            "status",
            "drafted_by_id",
            "approved_by_id",
            "approved_at",
            "sent_by_id",
            "sent_at",
            "posted_tracking_number",
            "pdf",
        ),
        evidence=("body", "sent_by_email_to"),
        head_model="claims.Claim",
        sealed={"status": "sent"},
        position="sent_at",
    )
    ledger_erasable = ("body", "sent_by_email_to")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        SENT = "sent", _("Sent")

    claim = models.OneToOneField(
        Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="answer"
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    body = models.TextField(_("answer text"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by_email_to = models.EmailField(_("emailed to"), blank=True)
    posted_tracking_number = models.CharField(
        _("postal tracking number"), max_length=64, blank=True
    )
    pdf = models.FileField(
        _("PDF letter"), storage=private_storage, upload_to="claims/answers/%Y/", blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("claim answer")
        verbose_name_plural = _("claim answers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "approved", "sent"]),
                name="claims_answer_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=["ru", "kk", "en"]),
                name="claims_answer_language_valid",
            ),
            # A sent answer says when, how (email and/or post) and keeps its letter; once
            # its claimant is anonymised (4.1: ``ledger_erase_personal`` blanks the text and
            # the address together) the address is gone, the rest stays.
            models.CheckConstraint(
                condition=~models.Q(status="sent")
                | (
                    models.Q(sent_at__isnull=False)
                    & ~models.Q(pdf="")
                    & (
                        ~models.Q(sent_by_email_to="")
                        | ~models.Q(posted_tracking_number="")
                        | models.Q(body="")
                    )
                ),
                name="claims_answer_sent_is_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(approved_by__isnull=False),
                name="claims_answer_approved_has_approver",
            ),
        ]

    def __str__(self):
        return f"{self.claim} ({self.get_status_display()})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("claims:answer_pdf", kwargs={"pk": self.pk})
