"""The "Who received my data" section of the account page and data export (5.2.1, 1.3).

Registered from ``DisclosuresConfig.ready()`` through ``homeshop_privacy.account_sections``
so that ``accounts`` never imports this app. Entries voided as recorded by mistake are
left out: the data did not go where they say.
"""

from django.utils.translation import gettext_lazy as _

from homeshop_privacy import account_sections

from .selectors import customer_disclosure_recipients, customer_disclosures

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
        for line in customer_disclosures(customer_id=customer.pk, for_customer=True).iterator(
            chunk_size=2000
        )
    ]


def disclosures_section_context(customer) -> dict:
    latest = list(customer_disclosures(customer_id=customer.pk, for_customer=True)[: PAGE_ROWS + 1])
    return {
        "recipients": list(
            customer_disclosure_recipients(customer_id=customer.pk, for_customer=True)
        ),
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


def register() -> None:
    account_sections.register(SECTION)
