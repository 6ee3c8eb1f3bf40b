"""The "Who received my data" section of the account page and data export (5.2.1, 1.3).

Registered from ``DisclosuresConfig.ready()`` through ``homeshop_privacy.account_sections``
so that ``accounts`` never imports this app. Entries voided as recorded by mistake are
left out: the data did not go where they say.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from homeshop_privacy import account_sections

from .selectors import (
    customer_breach_notices,
    customer_disclosure_recipients,
    customer_disclosures,
)

PAGE_ROWS = 20


def disclosures_export_for_customer(customer) -> list[dict]:
    return [
        {
            "disclosed_at": line.disclosed_at,
            "recipient": line.disclosure.recipient.legal_name,
            "recipient_kind": line.disclosure.recipient.kind,
            "lawful_basis": line.disclosure.basis,
            "purpose": line.disclosure.purpose.code,
            "data_categories": list(line.disclosure.categories),
            "order": line.order.number if line.order_id else None,
        }
        for line in customer_disclosures(customer_id=customer.pk).iterator(chunk_size=2000)
    ]


def disclosures_section_context(customer) -> dict:
    latest = list(customer_disclosures(customer_id=customer.pk)[: PAGE_ROWS + 1])
    return {
        "recipients": list(customer_disclosure_recipients(customer_id=customer.pk)),
        "latest": latest[:PAGE_ROWS],
        "more": len(latest) > PAGE_ROWS,
    }


SECTION = account_sections.AccountSection(
    key="disclosures",
    title=_("Who received my data"),
    data=disclosures_export_for_customer,
    template_name="disclosures/account_section.html",
    context=disclosures_section_context,
    order=30,
)


def breach_notices_export_for_customer(customer) -> list[dict]:
    """5.4.4: the breach notices emailed to the customer, as the email said them."""
    return [
        {
            "incident": notice.incident.reference,
            "sent_at": notice.message.sent_at,
            "language": notice.message.language,
            "notice": notice.incident.notice_for(notice.message.language),
        }
        for notice in customer_breach_notices(customer_id=customer.pk)
    ]


def breach_notices_section_context(customer) -> dict:
    # Shown in the language the customer reads the page in (their choice), whatever
    # language the email went out in.
    language = (get_language() or "ru")[:2]
    notices = list(customer_breach_notices(customer_id=customer.pk)[:PAGE_ROWS])
    return {
        "notices": [
            {
                "reference": notice.incident.reference,
                "sent_at": notice.message.sent_at,
                "text": notice.incident.notice_for(language),
                "categories": notice.incident.categories,
            }
            for notice in notices
        ]
    }


BREACH_SECTION = account_sections.AccountSection(
    key="breach_notices",
    title=_("Notices of incidents with my data"),
    data=breach_notices_export_for_customer,
    template_name="disclosures/breach_notices_section.html",
    context=breach_notices_section_context,
    order=31,
)


def register() -> None:
    account_sections.register(SECTION)
    account_sections.register(BREACH_SECTION)
