"""4.1 (issue 11): the default retention rules, each with its legal reason in words.

Migration 0019 seeded them once and 0023 added ``claims_without_account`` (each keeps a
frozen copy); a flush (as between transactional
tests) empties every table and then sends ``post_migrate``, on which
``retention_rules_ensure`` puts back the rules that are missing. Rules officers changed
are never overwritten.
"""

RULES = [
    (
        "customers_inactive",
        "customer",
        "last_order",
        3 * 365,
        "anonymise",
        "4.1 and Law 94-V art. 12 p.2: data are kept only while the site's services and "
        "purchases need them. Three years after the last order or sign-in (or the "
        "registration, without either) the civil limitation period for claims about a "
        "purchase (Civil Code art. 178) has run out, so the customer is anonymised: names, "
        "email, phone, addresses, devices, correspondence and consent evidence go, in every "
        "table and its history. Not while a claim is open.",
    ),
    (
        "closures_unanswered",
        "customer",
        "account_closure",
        30,
        "anonymise",
        "2.2: a customer who disagrees with the policy asks to close the account. When no "
        "officer has decided within 30 days and nothing requires keeping the data (an open "
        "claim, a breach under investigation, an officer's hold with its reason), the "
        "account is closed as asked; the customer is told by email, then the data are "
        "anonymised.",
    ),
    (
        "closures_decided",
        "customer",
        "account_closure",
        1,
        "anonymise",
        "2.2 and Law 94-V art. 12 p.2: once an account is closed and its last email sent, "
        "nothing justifies keeping the person's data; a closure whose erasure did not finish "
        "the same day is completed by the next run.",
    ),
    (
        "visit_events",
        "visits",
        "creation",
        180,
        "delete",
        "1.4: visit statistics are non-personal and serve only to analyse the site; six "
        "months cover a comparison of seasons.",
    ),
    (
        "outbox_bodies",
        "outbox",
        "creation",
        365,
        "anonymise",
        "The text of an email is kept one year to answer questions about it; the row (which "
        "email, when, its delivery) stays as the proof that it was sent. The address goes "
        "when its owner is anonymised.",
    ),
    (
        "orders",
        "orders",
        "last_order",
        5 * 365,
        "keep",
        "Law on accounting and financial reporting: primary accounting documents are kept "
        "for at least five years. An order keeps its number, date, seller, amount and status "
        "after its customer is anonymised; the delivery address and recipient go.",
    ),
    (
        "consent_ledger",
        "consents",
        "consent_withdrawal",
        3 * 365,
        "keep",
        "Law 94-V art. 8: the operator proves that consent was given or withdrawn. The "
        "ledger keeps what was agreed to, when and on which basis; the IP address, browser "
        "and notes are erased (ledger_erase_personal) when the customer is anonymised.",
    ),
    (
        "disclosure_register",
        "disclosures",
        "creation",
        5 * 365,
        "keep",
        "5.3.2: the register proves each transfer to a third party and "
        "its lawful basis; its entries stay, the customer's evidence (permission scans, "
        "references, notes) is erased when the customer is anonymised.",
    ),
    (
        "claims",
        "claims",
        "claim_closed",
        3 * 365,
        "keep",
        "6.3 and Civil Code art. 178: a claim and its answer may be needed in court for the "
        "three-year limitation period after it closes. A customer with a claim not yet "
        "closed is never anonymised (legal hold); the claimant's details, texts and files "
        "go with the customer.",
    ),
    (
        "claims_without_account",
        "claims",
        "claim_closed",
        3 * 365,
        "anonymise",
        "6.3 and Civil Code art. 178, Law 94-V art. 12 p.2: a claim may be needed in court "
        "for the three-year limitation period after it closes; then nothing justifies "
        "keeping the claimant's data. A claimant without a customer account is anonymised "
        "on the claim itself, as a customer's claims are with the customer: name, email, "
        "phone, address, the claim's text, notes and files, the answer's text and address "
        "(its hash chain still verifies), the claim's emails, in every table and its "
        "history. The register keeps the reference, dates, category, status and outcome.",
    ),
    (
        "breach_notices",
        "breach_notices",
        "creation",
        5 * 365,
        "keep",
        "5.4.4: the proof that each affected customer was told of a breach stays; the email "
        "text and address go when the customer is anonymised.",
    ),
    (
        "access_log",
        "access_log",
        "creation",
        5 * 365,
        "keep",
        "1.5: who looked at whose data and when is the operator's evidence of access "
        "control. The log holds ids only (no names, no search terms) and cannot be changed.",
    ),
    (
        "history_rows",
        "history",
        "creation",
        0,
        "keep",
        "5.1.2: earlier versions of a record follow their record: when the person is "
        "anonymised the same fields are blanked in every version.",
    ),
]


def retention_rules_ensure() -> None:
    """Create the default rules that are missing."""
    from .models import RetentionRule

    for code, category, event, days, action, reason in RULES:
        RetentionRule.objects.get_or_create(
            code=code,
            defaults={
                "category": category,
                "event": event,
                "keep_days": days,
                "action": action,
                "legal_reason": reason,
            },
        )
