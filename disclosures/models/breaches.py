"""Breaches of personal data (5.4.4): the incident, the customers affected, the notices."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from homeshop_privacy.append_only import AppendOnlyModel
from homeshop_privacy.calendar import explain_skipped
from homeshop_privacy.ledger import Chain, ChainedRecord


class BreachIncident(models.Model):
    """5.4.4 and Law 94-V art. 25 p.2: a breach of personal-data security, from its
    detection to the regulator's filing and what customers are told.

    ``status`` moves only through ``services.breach_status_change`` (see
    ``TRANSITIONS``). ``regulator_due_on`` is stored when the incident is recorded: the
    end of the next Kazakhstan working day after the Almaty date of ``discovered_at``.
    The customers affected are ``BreachAffected`` rows; each is notified exactly once,
    the proof being its ``BreachNotice`` and the outbox row it points to.
    """

    class Kind(models.TextChoices):
        LOSS = "loss", _("Loss")
        UNAUTHORISED_DISCLOSURE = "unauthorised_disclosure", _("Unauthorised disclosure")
        UNAUTHORISED_ACCESS = "unauthorised_access", _("Unauthorised access")
        ALTERATION = "alteration", _("Alteration")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Source(models.TextChoices):
        INTERNAL = "internal", _("Found internally")
        RECIPIENT = "recipient", _("Reported by a recipient")
        CUSTOMER_REPORT = "customer_report", _("Reported by a customer")
        AUTHORITY = "authority", _("Reported by an authority")

    class Status(models.TextChoices):
        DETECTED = "detected", _("Detected")
        ASSESSED = "assessed", _("Assessed")
        NOT_A_BREACH = "not_a_breach", _("Not a breach")
        NOTIFYING = "notifying", _("Notifying")
        NOTIFIED = "notified", _("Notified")
        # A context of its own: a claim is "closed" too, in another grammatical gender.
        CLOSED = "closed", pgettext_lazy("breach incident", "Closed")

    #: The allowed moves of ``status``; ``services.breach_status_change`` enforces them.
    TRANSITIONS = {
        Status.DETECTED: (Status.ASSESSED,),
        Status.ASSESSED: (Status.NOT_A_BREACH, Status.NOTIFYING),
        Status.NOTIFYING: (Status.NOTIFIED,),
        Status.NOTIFIED: (Status.CLOSED,),
        Status.NOT_A_BREACH: (),
        Status.CLOSED: (),
    }

    reference = models.CharField(_("reference"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("what happened (internal)"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, blank=True)
    source = models.CharField(
        _("source"), max_length=32, choices=Source.choices, default=Source.INTERNAL
    )
    discovered_at = models.DateTimeField(_("discovered at"))
    # Either end may be unknown.
    occurred_at = models.DateTimeField(_("occurred from"), null=True, blank=True)
    occurred_until = models.DateTimeField(_("occurred until"), null=True, blank=True)
    categories = models.JSONField(_("data categories concerned"), default=list)
    # Art. 25 p.2 and the ministry's rules: what the filing with the regulator says.
    people_estimate = models.PositiveIntegerField(
        _("approximate number of people"), null=True, blank=True
    )
    people_categories = models.CharField(
        _("categories of people"),
        max_length=255,
        blank=True,
        help_text=_("E.g. customers of the marketplace, couriers' recipients."),
    )
    consequences = models.TextField(_("likely consequences"), blank=True)
    containment_notes = models.TextField(_("containment (measures taken)"), blank=True)
    remediation_notes = models.TextField(_("remediation"), blank=True)
    responsible_name = models.CharField(
        _("person responsible for processing"), max_length=255, blank=True
    )
    responsible_contacts = models.CharField(
        _("their contacts"),
        max_length=255,
        blank=True,
        help_text=_("Phone and email, as the filing gives them to the regulator."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.DETECTED,
        editable=False,
    )
    status_changed_at = models.DateTimeField(
        _("status changed at"), null=True, blank=True, editable=False
    )
    # "Not a breach": who decided and why (the history keeps every other move).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decision_reason = models.TextField(_("why it is not a breach"), blank=True, editable=False)
    # Art. 25 p.2: one working day from detection. Stored, with the days stepped over.
    regulator_due_on = models.DateField(
        _("regulator to be told by"), null=True, blank=True, editable=False
    )
    regulator_due_moved_because = models.JSONField(
        _("why the regulator's date moved"), default=list, blank=True, editable=False
    )
    notice_ru = models.TextField(_("notice to customers (Russian)"))
    notice_kk = models.TextField(_("notice to customers (Kazakh)"), blank=True)
    notice_en = models.TextField(_("notice to customers (English)"), blank=True)
    notification_started_at = models.DateTimeField(
        _("notification started at"), null=True, blank=True, editable=False
    )
    # Kept by the services that add affected customers, in the same transaction: the
    # incident page shows it without counting a million rows (issue 14).
    affected_count = models.PositiveIntegerField(_("affected customers"), default=0, editable=False)
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
        permissions = [
            # 5.4.4: telling the customers cannot be taken back: officers only
            # (roles.OFFICER_ONLY), as are the filing and the status (art. 25 p.2).
            ("notify_breach", _("Can tell the affected customers of a breach")),
            ("file_breach", _("Can file a breach with the regulator")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(notice_ru=""), name="disclosures_breach_has_notice"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "",
                        "loss",
                        "unauthorised_disclosure",
                        "unauthorised_access",
                        "alteration",
                    ]
                ),
                name="disclosures_breach_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(severity__in=["", "low", "medium", "high", "critical"]),
                name="disclosures_breach_severity_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    source__in=["internal", "recipient", "customer_report", "authority"]
                ),
                name="disclosures_breach_source_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "detected",
                        "assessed",
                        "not_a_breach",
                        "notifying",
                        "notified",
                        "closed",
                    ]
                ),
                name="disclosures_breach_status_valid",
            ),
            # Assessed means its kind and severity are known.
            models.CheckConstraint(
                condition=models.Q(status="detected")
                | (~models.Q(kind="") & ~models.Q(severity="")),
                name="disclosures_breach_assessed_has_kind",
                violation_error_message=_("An assessed incident needs its kind and severity."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="not_a_breach")
                | (models.Q(decided_by__isnull=False) & ~models.Q(decision_reason="")),
                name="disclosures_breach_not_a_breach_decided",
            ),
            models.CheckConstraint(
                condition=models.Q(occurred_at__isnull=True)
                | models.Q(occurred_until__isnull=True)
                | models.Q(occurred_until__gte=models.F("occurred_at")),
                name="disclosures_breach_occurred_in_order",
                violation_error_message=_("It cannot have ended before it began."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "regulator_due_on"], name="disclosures_breach_due_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def notice_for(self, language: str) -> str:
        return getattr(self, f"notice_{language}", "") or self.notice_ru

    @property
    def regulator_due_explanation(self) -> str:
        """Why the date is what it is (the days stepped over), as claims show theirs."""
        return explain_skipped(self.regulator_due_moved_because, self.regulator_due_on)

    @property
    def is_filed(self) -> bool:
        return hasattr(self, "filing")


#: One line each, shown in the form beside the choice (the officer grades by these).
SEVERITY_DEFINITIONS = {
    BreachIncident.Severity.LOW: _(
        "Low: little data of few people, no harm to them likely (e.g. a name seen by a courier)."
    ),
    BreachIncident.Severity.MEDIUM: _(
        "Medium: contact data or order history of many people; spam or nuisance likely."
    ),
    BreachIncident.Severity.HIGH: _(
        "High: data that allow fraud or harm (addresses with phones, identity numbers)."
    ),
    BreachIncident.Severity.CRITICAL: _(
        "Critical: payment or identity data, or the data of a great many people; harm likely."
    ),
}


class BreachFiling(AppendOnlyModel):
    """Art. 25 p.2: the notification filed with the authorised body, written once.

    ``content`` is what was sent (the filing text and the facts it was made from), frozen
    with ``filed_late``; the incident's reportable content cannot change afterwards.
    """

    incident = models.OneToOneField(
        BreachIncident,
        verbose_name=_("breach incident"),
        on_delete=models.PROTECT,
        related_name="filing",
    )
    filed_at = models.DateTimeField(_("filed at"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reference = models.CharField(_("filing reference"), max_length=100)
    text_ru = models.TextField(_("what was sent (Russian)"))
    text_kk = models.TextField(_("what was sent (Kazakh)"))
    content = models.JSONField(_("facts filed"), default=dict)
    due_on = models.DateField(_("due on"))
    filed_late = models.BooleanField(_("filed late"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("filing with the regulator")
        verbose_name_plural = _("filings with the regulator")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reference=""), name="disclosures_breach_filing_has_reference"
            ),
        ]

    def __str__(self):
        return _("filing %(reference)s of incident %(incident)s") % {
            "reference": self.reference,
            "incident": self.incident_id,
        }


class BreachAffected(AppendOnlyModel):
    """A customer whose data the incident concerns (5.4.4)."""

    class Via(models.TextChoices):
        LIST = "list", _("a list")
        CSV = "csv", _("a CSV file")
        REGISTER = "register", _("the disclosure register")

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
    via = models.CharField(_("chosen by"), max_length=16, choices=Via.choices, default=Via.LIST)
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
        # Issue 13: the incident's reference and the customer's name, not two row ids.
        return _("%(customer)s, affected by breach %(incident)s") % {
            "customer": self.customer,
            "incident": self.incident.reference,
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
        return _("notice of breach %(incident)s to %(customer)s") % {
            "incident": self.incident.reference,
            "customer": self.customer,
        }


class BreachContact(AppendOnlyModel):
    """5.4.4: an affected customer the email did not reach (it bounced, failed, or there is
    no address) was told another way: how, when, by whom. Never edited; a later contact
    is a new row."""

    class Method(models.TextChoices):
        POST = "post", _("Letter by post")
        PHONE = "phone", _("Phone call")
        SMS = "sms", _("Text message")
        IN_PERSON = "in_person", _("In person")
        OTHER = "other", _("Other")

    incident = models.ForeignKey(
        BreachIncident,
        verbose_name=_("breach incident"),
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    customer = models.ForeignKey(
        "accounts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="breach_contacts",
    )
    method = models.CharField(_("how"), max_length=16, choices=Method.choices)
    note = models.TextField(_("note"), blank=True)
    contacted_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("contact with a customer affected by a breach")
        verbose_name_plural = _("contacts with customers affected by breaches")
        ordering = ["-contacted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=["post", "phone", "sms", "in_person", "other"]),
                name="disclosures_breach_contact_method_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["incident", "customer"], name="disclosures_breach_cnt_idx"),
            models.Index(fields=["customer"], name="disclosures_breach_cnt_cust"),
        ]

    def __str__(self):
        return _("customer %(customer)s told of incident %(incident)s (%(method)s)") % {
            "customer": self.customer_id,
            "incident": self.incident_id,
            "method": self.get_method_display(),
        }
