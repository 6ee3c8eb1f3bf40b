"""The "My claims" section of the customer's account page and data export (5.2.1, 6.1).

Registered from ``ClaimsConfig.ready()`` through ``homeshop_privacy.customer_pages``
so that ``accounts`` never imports this app. Internal notes are staff-only and stay out.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.selectors import personal_rows
from homeshop_privacy import customer_pages
from homeshop_privacy.admin_base import LatestRowsInlineMixin

from .models import Claim, ClaimAnswer, ClaimAttachment
from .selectors import claims_of_customer


def claims_export_for_customer(customer) -> dict:
    """The customer's claims, the answers sent and the documents, from the classification
    table (``accounts.classification``) like every other export; internal notes are
    staff-only and the stored file paths mean nothing to the customer."""
    claims = claims_of_customer(customer=customer)
    rows = personal_rows(claims, exclude=("internal_notes",))
    # The due date is not personal data, yet it is what the claimant most wants to know.
    for row, due_on in zip(rows, claims.values_list("due_on", flat=True), strict=True):
        row["due_on"] = due_on.isoformat()
    answers = ClaimAnswer.objects.filter(
        claim__customer=customer, status=ClaimAnswer.Status.SENT
    ).order_by("sent_at", "pk")
    attachments = ClaimAttachment.objects.filter(claim__customer=customer).order_by("pk")
    return {
        "claims": rows,
        "answers": personal_rows(answers, exclude=("pdf",)),
        "attachments": personal_rows(attachments, exclude=("file",)),
    }


def claims_section_context(customer) -> dict:
    return {"claims": list(claims_of_customer(customer=customer)[:20])}


SECTION = customer_pages.AccountSection(
    key="claims",
    title=_("My claims"),
    data=claims_export_for_customer,
    template_name="claims/account_section.html",
    context=claims_section_context,
    order=40,
)


class CustomerClaimInline(LatestRowsInlineMixin, admin.TabularInline):
    """The customer's claims on their admin page (issue 13): read-only, each a link; the
    latest ``list_limit``, then a link to all of them in the claims list (issue 14)."""

    model = Claim
    fk_name = "customer"
    verbose_name = _("claim of this customer")
    verbose_name_plural = _("claims of this customer (latest first)")
    fields = ("claim_link", "received_on", "category", "status", "due_on", "answered_at")
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0
    show_change_link = False
    view_on_site = False  # the claimant's own page; the reference links the admin page
    list_limit = 20
    all_rows_label = _("All claims of this customer")

    ordering = ("-received_at", "-pk")  # the latest are the ones shown

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("reference number"))
    def claim_link(self, claim):
        url = reverse("admin:claims_claim_change", args=[claim.pk])
        return format_html('<a href="{}">{}</a>', url, claim.reference)


def register() -> None:
    customer_pages.account_sections.register(SECTION)
    customer_pages.admin_panels.register(
        customer_pages.AdminPanel(key="claims", inlines=(CustomerClaimInline,), order=40)
    )
