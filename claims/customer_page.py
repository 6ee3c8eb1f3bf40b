"""The "My claims" section of the customer's account page and data export (5.2.1, 6.1).

Registered from ``ClaimsConfig.ready()`` through ``homeshop_privacy.customer_pages``
so that ``accounts`` never imports this app. Internal notes are staff-only and stay out.
"""

from django.utils.translation import gettext_lazy as _

from accounts.selectors import personal_rows
from homeshop_privacy import customer_pages

from .models import ClaimAnswer, ClaimAttachment
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


def register() -> None:
    customer_pages.account_sections.register(SECTION)
