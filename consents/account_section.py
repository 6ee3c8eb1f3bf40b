"""The "My consents" section of the customer's account page and data export (5.2.1).

Registered from ``ConsentsConfig.ready()`` through ``homeshop_privacy.account_sections``
so that ``accounts`` never imports this app.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from homeshop_privacy import account_sections

from .models import ConsentEvent, Purpose
from .proof import event_row
from .selectors import customer_consent_events, customer_consent_state


def consents_export_for_customer(customer) -> dict:
    """The customer's current choices and every ledger event (their own data only)."""
    return {
        "current": [
            {
                "purpose": row.purpose.code,
                "title": row.purpose.title_en,
                "lawful_basis": row.purpose.basis,
                "granted": row.is_granted,
                "may_process": row.effective,
                "since": row.since,
            }
            for row in customer_consent_state(customer=customer)
        ],
        "events": [
            {k: v for k, v in event_row(event).items() if k != "customer_id"}
            for event in customer_consent_events(customer=customer)
        ],
    }


def consents_section_context(customer) -> dict:
    language = (get_language() or "ru")[:2]
    rows = customer_consent_state(customer=customer)
    policy = [r for r in rows if r.purpose.kind == Purpose.Kind.POLICY]
    return {
        "language": language,
        "contract_rows": [
            r for r in rows if r.purpose.kind == Purpose.Kind.SECTION_4 and not r.needs_consent
        ],
        # The purposes of 4.2 first, then cookie choices.
        "choice_rows": sorted(
            (r for r in rows if r.needs_consent and r.purpose.kind != Purpose.Kind.POLICY),
            key=lambda r: (r.purpose.kind != Purpose.Kind.SECTION_4, r.purpose.position),
        ),
        "policy_event": policy[0].event if policy else None,
        "grant": ConsentEvent.Action.GRANT,
        "withdraw": ConsentEvent.Action.WITHDRAW,
    }


SECTION = account_sections.AccountSection(
    key="consents",
    title=_("My consents"),
    data=consents_export_for_customer,
    template_name="consents/account_section.html",
    context=consents_section_context,
    order=20,
)


def register() -> None:
    account_sections.register(SECTION)
