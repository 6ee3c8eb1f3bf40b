"""The disclosure register: entries, their lines and voids (1.3, 5.3.1, 5.4.1-5.4.3).

Append-only and hash-chained per recipient (see the package's docstring).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from homeshop_privacy.ledger import Chain, ChainedRecord
from homeshop_privacy.timestamps import display_datetime

from .recipients import Recipient, WrittenPermission, category_labels


def _lock_recipient_of(disclosure_id: int) -> None:
    # The recipient (an ordinary table) is the head of its register chain, and so of
    # its entries' lines and voids: the entries themselves cannot be locked by the
    # application, which may not update them (issue 9 §2).
    Recipient.objects.select_for_update().filter(
        pk=models.Subquery(Disclosure.objects.filter(pk=disclosure_id).values("recipient_id"))
    ).values_list("pk").first()


class Disclosure(ChainedRecord):
    """One transfer of data to a third party, with its lawful basis (1.3, 5.3.1).

    The customers concerned are its lines: one for a single customer, ten thousand for
    a courier manifest. A 5.4.1 disclosure names no customer at all.

    Hash-chained per recipient; its lines and its void are chained from its hash.
    """

    ledger_chain = Chain(
        kind="disclosure",
        key="recipient_id",
        fields=(
            "basis",
            "purpose_id",
            "categories",
            "disclosed_at",
            "reference",
            "request_number",
            "request_date",
            "legal_ground",
            "line_count",
            "recorded_at",
            "recorded_by_id",
        ),
        evidence=("note",),
        head_model="disclosures.Recipient",
    )
    ledger_erasable = ("note",)

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
            models.Index(fields=["recipient", "-id"], name="disclosures_disc_chain_idx"),
            # The register's search by manifest or document number (issue 14).
            models.Index(fields=["reference"], name="disclosures_disc_reference_idx"),
            # The register filtered by lawful basis, in its order: a rare basis (5.4.1)
            # is found and counted without reading the million entries of the others.
            models.Index(
                fields=["basis", "-disclosed_at", "-id"], name="disclosures_disc_basis_idx"
            ),
        ]

    def __str__(self):
        # Almaty time, as on every page (the stored value is UTC).
        return f"{display_datetime(self.disclosed_at)} → {self.recipient} ({self.basis})"

    @property
    def category_labels(self) -> list[str]:
        return category_labels(self.categories)

    @property
    def is_voided(self) -> bool:
        return hasattr(self, "void")


class DisclosureLine(ChainedRecord):
    """One customer (and, for 5.4.2, one order) concerned by a disclosure.

    ``disclosed_at`` repeats the disclosure's so that a customer's disclosures are read
    newest first straight from one index, however many thousands there are.
    """

    ledger_chain = Chain(
        kind="disclosure_line",
        key="disclosure_id",
        fields=("line_no", "customer_id", "order_id", "permission_id", "disclosed_at"),
        lock=_lock_recipient_of,
        anchor="disclosure",
    )

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
        # Issue 13: what went to whom, not "entry 33, line 1".
        if self.order_id:
            return _("order %(order)s, given to %(recipient)s") % {
                "order": self.order.number,
                "recipient": self.disclosure.recipient,
            }
        return _("%(customer)s, data given to %(recipient)s") % {
            "customer": self.customer,
            "recipient": self.disclosure.recipient,
        }


class DisclosureVoid(ChainedRecord):
    """A wrong register entry, voided by a new entry with a reason; both rows stay."""

    ledger_chain = Chain(
        kind="disclosure_void",
        key="disclosure_id",
        fields=("voided_at", "voided_by_id"),
        evidence=("reason",),
        lock=_lock_recipient_of,
        anchor="disclosure",
    )
    ledger_erasable = ("reason",)

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


class DisclosureVisibility(models.Model):
    """5.4.3: whether an entry made on a state body's request is shown to the customer.

    A request from an investigating authority may be confidential: such entries are
    hidden from the customer's account page and data download until an officer decides,
    entry by entry, to show them (who, when, why; every change kept in the history). The
    register export for the regulator shows every entry whatever the decision.
    """

    disclosure = models.OneToOneField(
        Disclosure,
        verbose_name=_("register entry"),
        on_delete=models.PROTECT,
        related_name="visibility",
    )
    shown_to_customer = models.BooleanField(_("shown to the customer"), default=False)
    reason = models.TextField(_("why"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision to show a 5.4.3 entry")
        verbose_name_plural = _("decisions to show 5.4.3 entries")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="disclosures_visibility_has_reason"
            ),
        ]

    def __str__(self):
        return _("entry %(id)s shown to the customer: %(shown)s") % {
            "id": self.disclosure_id,
            "shown": _("yes") if self.shown_to_customer else _("no"),
        }
