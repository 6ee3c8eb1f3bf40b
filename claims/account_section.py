"""The "My claims" section of the customer's account page and data export (5.2.1, 6.1).

Registered from ``ClaimsConfig.ready()`` through ``homeshop_privacy.account_sections``
so that ``accounts`` never imports this app. Internal notes are staff-only and stay out.
"""

from django.utils.translation import gettext_lazy as _

from homeshop_privacy import account_sections

from .models import ClaimAnswer
from .selectors import claims_of_customer


def claims_export_for_customer(customer) -> list[dict]:
    claims = claims_of_customer(customer=customer).prefetch_related("attachments")
    answers = {
        a.claim_id: a
        for a in ClaimAnswer.objects.filter(
            claim__customer=customer, status=ClaimAnswer.Status.SENT
        )
    }
    rows = []
    for claim in claims:
        answer = answers.get(claim.pk)
        rows.append(
            {
                "reference": claim.reference,
                "received_at": claim.received_at,
                "channel": claim.channel,
                "category": claim.category.display_name,
                "subject": claim.subject,
                "text": claim.text,
                "claimant_name": claim.claimant_name,
                "claimant_email": claim.claimant_email,
                "claimant_phone": claim.claimant_phone,
                "claimant_address": claim.claimant_address,
                "order": claim.order.number if claim.order_id else None,
                "status": claim.status,
                "outcome": claim.outcome,
                "due_on": claim.due_on,
                "answered_at": claim.answered_at,
                "attachments": [a.original_name for a in claim.attachments.all()],
                "answer": answer.body if answer else None,
                "answer_posted_tracking_number": (
                    answer.posted_tracking_number if answer else None
                ),
            }
        )
    return rows


def claims_section_context(customer) -> dict:
    return {"claims": list(claims_of_customer(customer=customer)[:20])}


SECTION = account_sections.AccountSection(
    key="claims",
    title=_("My claims"),
    data=claims_export_for_customer,
    template_name="claims/account_section.html",
    context=claims_section_context,
    order=40,
)


def register() -> None:
    account_sections.register(SECTION)
