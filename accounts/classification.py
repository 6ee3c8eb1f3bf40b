"""1.1: every stored field of the project, classified in one place.

Each field of each project model maps to a data category; a category is personal or
not. Export, anonymisation, the admin and the disclosure register (which data
categories went to a third party) are driven from this table, and
``tests/accounts/test_classification.py`` fails when a model field is missing here.

Later apps add their models to ``FIELDS`` below (by label, so that this module imports
none of them).
"""

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataCategory(models.TextChoices):
    # personal (1.1, 3.2, 3.4)
    IDENTITY = "identity", _("Identity: names")
    CONTACT = "contact", _("Contact details: phone, email")
    ADDRESS = "address", _("Delivery address")
    ORDERS = "orders", _("Purchase history")
    DEVICES = "devices", _("Browsers and operating systems used")
    ACCOUNT = "account", _("Account and preferences")
    CONSENT_EVIDENCE = "consent_evidence", _("Consent evidence: IP address, browser")
    CORRESPONDENCE = "correspondence", _("Correspondence and claims")
    # non-personal (1.4) and bookkeeping
    VISITS = "visits", _("Visit statistics (non-personal)")
    TECHNICAL = "technical", _("Technical: identifiers, timestamps, states")
    REFERENCE = "reference", _("Reference data: not about a person")


PERSONAL_CATEGORIES = frozenset(
    {
        DataCategory.IDENTITY,
        DataCategory.CONTACT,
        DataCategory.ADDRESS,
        DataCategory.ORDERS,
        DataCategory.DEVICES,
        DataCategory.ACCOUNT,
        DataCategory.CONSENT_EVIDENCE,
        DataCategory.CORRESPONDENCE,
    }
)

# The models of these apps are the project's own and must all be classified.
PROJECT_APPS = ("homeshop_privacy", "accounts", "consents", "disclosures", "claims")

C = DataCategory
FIELDS: dict[str, dict[str, DataCategory]] = {
    "homeshop_privacy.outboundmessage": {
        "id": C.TECHNICAL,
        "reason": C.TECHNICAL,
        "object_key": C.TECHNICAL,
        "recipient": C.CONTACT,
        "language": C.TECHNICAL,
        "subject": C.CORRESPONDENCE,
        "body_text": C.CORRESPONDENCE,
        "body_html": C.CORRESPONDENCE,
        "headers": C.TECHNICAL,
        "body_template": C.TECHNICAL,
        "link_kind": C.TECHNICAL,
        "link_object_id": C.TECHNICAL,
        # References to files of the private storage (a letter's stored name and its
        # reference-based download name), never their content.
        "attachments": C.TECHNICAL,
        "message_id": C.TECHNICAL,
        "status": C.TECHNICAL,
        "attempts": C.TECHNICAL,
        "attempts_before_retry": C.TECHNICAL,
        "possible_duplicates": C.TECHNICAL,
        "stop_requested": C.TECHNICAL,
        "last_error": C.TECHNICAL,
        "next_attempt_at": C.TECHNICAL,
        "attempt_started_at": C.TECHNICAL,
        "created_at": C.TECHNICAL,
        "sent_at": C.TECHNICAL,
    },
    "homeshop_privacy.calendaroverride": {
        "id": C.TECHNICAL,
        "day": C.REFERENCE,
        "kind": C.REFERENCE,
        "note": C.REFERENCE,
        "created_at": C.TECHNICAL,
    },
    # Issue 13: who confirmed a year's calendar (a staff member, like the access log's user).
    "homeshop_privacy.calendarconfirmation": {
        "id": C.TECHNICAL,
        "year": C.REFERENCE,
        "confirmed_by": C.TECHNICAL,
        "confirmed_at": C.TECHNICAL,
        "package_version": C.REFERENCE,
        "overrides": C.REFERENCE,
    },
    # 6.1–6.3 (claims app): a claim is correspondence of its claimant.
    "claims.claimcategory": {
        "id": C.TECHNICAL,
        "code": C.REFERENCE,
        "name": C.REFERENCE,
        "name_kk": C.REFERENCE,
        "name_en": C.REFERENCE,
        "term_days": C.REFERENCE,
        "answer_template_ru": C.REFERENCE,
        "answer_template_kk": C.REFERENCE,
        "answer_template_en": C.REFERENCE,
        "is_active": C.REFERENCE,
    },
    "claims.claim": {
        "id": C.TECHNICAL,
        "reference": C.CORRESPONDENCE,
        "customer": C.TECHNICAL,
        "claimant_kind": C.CORRESPONDENCE,
        "claimant_name": C.IDENTITY,
        "claimant_email": C.CONTACT,
        "claimant_phone": C.CONTACT,
        "claimant_address": C.ADDRESS,
        "claimant_language": C.ACCOUNT,
        "received_at": C.CORRESPONDENCE,
        "received_on": C.CORRESPONDENCE,
        "channel": C.CORRESPONDENCE,
        "subject": C.CORRESPONDENCE,
        "text": C.CORRESPONDENCE,
        "internal_notes": C.CORRESPONDENCE,
        "order": C.ORDERS,
        "related_disclosure": C.TECHNICAL,
        "related_breach": C.TECHNICAL,
        "category": C.CORRESPONDENCE,
        "assignee": C.TECHNICAL,
        "status": C.CORRESPONDENCE,
        "outcome": C.CORRESPONDENCE,
        "term_days": C.TECHNICAL,
        "extra_days": C.TECHNICAL,
        "due_on": C.TECHNICAL,
        "due_moved_because": C.TECHNICAL,
        "paused_on": C.TECHNICAL,
        "answered_at": C.CORRESPONDENCE,
        "answered_on_time": C.TECHNICAL,
        "closed_at": C.TECHNICAL,
        "created_at": C.TECHNICAL,
        "created_by": C.TECHNICAL,
    },
    "claims.claimdeadlinechange": {
        "id": C.TECHNICAL,
        "claim": C.TECHNICAL,
        "kind": C.TECHNICAL,
        "reason": C.CORRESPONDENCE,
        "days": C.TECHNICAL,
        "due_before": C.TECHNICAL,
        "due_after": C.TECHNICAL,
        "actor": C.TECHNICAL,
        "created_at": C.TECHNICAL,
    },
    "claims.claimattachment": {
        "id": C.TECHNICAL,
        "claim": C.TECHNICAL,
        "file": C.CORRESPONDENCE,
        "original_name": C.CORRESPONDENCE,
        "content_type": C.TECHNICAL,
        "size": C.TECHNICAL,
        "sha256": C.TECHNICAL,
        "uploaded_by": C.TECHNICAL,
        "uploaded_at": C.TECHNICAL,
    },
    "claims.claimanswer": {
        "id": C.TECHNICAL,
        "claim": C.TECHNICAL,
        "language": C.TECHNICAL,
        "body": C.CORRESPONDENCE,
        "status": C.TECHNICAL,
        "drafted_by": C.TECHNICAL,
        "approved_by": C.TECHNICAL,
        "approved_at": C.TECHNICAL,
        "sent_by": C.TECHNICAL,
        "sent_at": C.CORRESPONDENCE,
        "sent_by_email_to": C.CONTACT,
        "posted_tracking_number": C.CORRESPONDENCE,
        "pdf": C.CORRESPONDENCE,
    },
    "homeshop_privacy.personaldataaccess": {
        "id": C.TECHNICAL,
        "at": C.TECHNICAL,
        "user": C.TECHNICAL,
        "action": C.TECHNICAL,
        "subject_key": C.TECHNICAL,
        "path": C.TECHNICAL,
    },
    "accounts.user": {
        "id": C.TECHNICAL,
        "password": C.ACCOUNT,
        "last_login": C.ACCOUNT,
        "is_superuser": C.TECHNICAL,
        "email": C.CONTACT,
        "full_name": C.IDENTITY,
        "language": C.ACCOUNT,
        "is_staff": C.TECHNICAL,
        "is_active": C.TECHNICAL,
        "date_joined": C.ACCOUNT,
    },
    "accounts.customer": {
        "id": C.TECHNICAL,
        "user": C.TECHNICAL,
        "first_name": C.IDENTITY,
        "last_name": C.IDENTITY,
        "phone": C.CONTACT,
        "email": C.CONTACT,
        "preferred_language": C.ACCOUNT,
        "created_at": C.ACCOUNT,
        "updated_at": C.TECHNICAL,
    },
    "accounts.address": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "city": C.ADDRESS,
        "street": C.ADDRESS,
        "apartment": C.ADDRESS,
        "postal_code": C.ADDRESS,
        "is_default": C.ADDRESS,
    },
    "accounts.order": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "number": C.ORDERS,
        "placed_at": C.ORDERS,
        "seller_name": C.ORDERS,
        "status": C.ORDERS,
        "total": C.ORDERS,
        "currency": C.ORDERS,
        "delivery_address": C.ADDRESS,
    },
    "accounts.customerdevice": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "browser": C.DEVICES,
        "operating_system": C.DEVICES,
        "first_seen_at": C.DEVICES,
        "last_seen_at": C.DEVICES,
    },
    # 2.2: the request is about the customer's own account; who decided it is staff data.
    "accounts.accountclosurerequest": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "status": C.ACCOUNT,
        "comment": C.CORRESPONDENCE,
        "requested_at": C.ACCOUNT,
        "decided_at": C.ACCOUNT,
        "decided_by": C.TECHNICAL,
        "decision_note": C.CORRESPONDENCE,
    },
    "accounts.emailchangerequest": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "old_email": C.CONTACT,
        "new_email": C.CONTACT,
        "status": C.ACCOUNT,
        "requested_at": C.ACCOUNT,
        "decided_at": C.ACCOUNT,
    },
    "accounts.visitevent": {
        "id": C.TECHNICAL,
        "occurred_at": C.VISITS,
        "page_url": C.VISITS,
        "ip_address": C.VISITS,
        "user_agent": C.VISITS,
        "referrer": C.VISITS,
        "cookie_id": C.VISITS,
    },
    # Sign-in protection (issue 8 items 6-7): ids and states only; the reset counter keeps
    # keyed hashes, never an address.
    "accounts.securityevent": {
        "id": C.TECHNICAL,
        "at": C.TECHNICAL,
        "kind": C.TECHNICAL,
        "user": C.TECHNICAL,
        "actor": C.TECHNICAL,
        "detail": C.TECHNICAL,
    },
    "accounts.passwordresetrequest": {
        "id": C.TECHNICAL,
        "at": C.TECHNICAL,
        "address_digest": C.TECHNICAL,
        "ip_digest": C.TECHNICAL,
    },
    # disclosures: third parties are legal entities (reference data), but a contact
    # person's name or phone is someone's personal data.
    "disclosures.recipient": {
        "id": C.TECHNICAL,
        "legal_name": C.REFERENCE,
        "kind": C.REFERENCE,
        "bin": C.REFERENCE,
        "foreign_registration": C.REFERENCE,
        "country": C.REFERENCE,
        "contact": C.CONTACT,
        "agreement_reference": C.REFERENCE,
        "agreement_date": C.REFERENCE,
        "is_active": C.TECHNICAL,
        "created_at": C.TECHNICAL,
    },
    "disclosures.writtenpermission": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "recipient": C.TECHNICAL,
        "purpose": C.TECHNICAL,
        "categories": C.CORRESPONDENCE,
        "scope": C.CORRESPONDENCE,
        "signed_on": C.CORRESPONDENCE,
        "valid_until": C.CORRESPONDENCE,
        "document_reference": C.CORRESPONDENCE,
        "scan": C.CORRESPONDENCE,
        "recorded_at": C.TECHNICAL,
        "recorded_by": C.TECHNICAL,
        "revoked_at": C.CORRESPONDENCE,
        "revocation_reason": C.CORRESPONDENCE,
    },
    # The register says which categories went where and when; tied to a customer through
    # its lines, that is information about the person.
    "disclosures.disclosure": {
        "id": C.TECHNICAL,
        "recipient": C.TECHNICAL,
        "basis": C.TECHNICAL,
        "purpose": C.TECHNICAL,
        "categories": C.TECHNICAL,
        "disclosed_at": C.TECHNICAL,
        "reference": C.TECHNICAL,
        "request_number": C.CORRESPONDENCE,
        "request_date": C.CORRESPONDENCE,
        "legal_ground": C.CORRESPONDENCE,
        "note": C.CORRESPONDENCE,
        "line_count": C.TECHNICAL,
        "recorded_at": C.TECHNICAL,
        "recorded_by": C.TECHNICAL,
    },
    "disclosures.disclosureline": {
        "id": C.TECHNICAL,
        "disclosure": C.TECHNICAL,
        "line_no": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "order": C.ORDERS,
        "permission": C.TECHNICAL,
        "disclosed_at": C.CORRESPONDENCE,
    },
    "disclosures.disclosurevoid": {
        "id": C.TECHNICAL,
        "disclosure": C.TECHNICAL,
        "reason": C.CORRESPONDENCE,
        "voided_at": C.TECHNICAL,
        "voided_by": C.TECHNICAL,
    },
    # 5.4.4: the incident itself is about the shop; who it affected is about each person.
    "disclosures.breachincident": {
        "id": C.TECHNICAL,
        "reference": C.TECHNICAL,
        "title": C.REFERENCE,
        "description": C.REFERENCE,
        "discovered_at": C.REFERENCE,
        "occurred_at": C.REFERENCE,
        "categories": C.REFERENCE,
        "notice_ru": C.REFERENCE,
        "notice_kk": C.REFERENCE,
        "notice_en": C.REFERENCE,
        "notification_started_at": C.TECHNICAL,
        "recorded_at": C.TECHNICAL,
        "recorded_by": C.TECHNICAL,
    },
    "disclosures.breachaffected": {
        "id": C.TECHNICAL,
        "incident": C.CORRESPONDENCE,
        "customer": C.TECHNICAL,
        "added_at": C.CORRESPONDENCE,
        "added_by": C.TECHNICAL,
    },
    "disclosures.breachnotice": {
        "id": C.TECHNICAL,
        "incident": C.CORRESPONDENCE,
        "customer": C.TECHNICAL,
        "message": C.CORRESPONDENCE,
        "created_at": C.CORRESPONDENCE,
    },
    # consents: the policy texts and purposes are reference data; the ledger says what a
    # person agreed to (ACCOUNT) and holds their IP address and browser (evidence).
    "consents.policyversion": {
        "id": C.TECHNICAL,
        "label": C.REFERENCE,
        "text_ru": C.REFERENCE,
        "text_kk": C.REFERENCE,
        "text_en": C.REFERENCE,
        "change_summary": C.REFERENCE,
        "change_summary_kk": C.REFERENCE,
        "change_summary_en": C.REFERENCE,
        "is_material": C.REFERENCE,
        "published_at": C.REFERENCE,
        "effective_from": C.REFERENCE,
        "created_at": C.TECHNICAL,
    },
    "consents.purpose": {
        "id": C.TECHNICAL,
        "code": C.REFERENCE,
        "kind": C.REFERENCE,
        "basis": C.REFERENCE,
        "title_ru": C.REFERENCE,
        "title_kk": C.REFERENCE,
        "title_en": C.REFERENCE,
        "position": C.REFERENCE,
    },
    "consents.consentwording": {
        "id": C.TECHNICAL,
        "sha256": C.TECHNICAL,
        "language": C.REFERENCE,
        "text": C.REFERENCE,
        "created_at": C.TECHNICAL,
    },
    "consents.consentevent": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "purpose": C.ACCOUNT,
        "action": C.ACCOUNT,
        "policy_version": C.ACCOUNT,
        "occurred_at": C.ACCOUNT,
        "recorded_at": C.TECHNICAL,
        "channel": C.ACCOUNT,
        "actor": C.TECHNICAL,
        "ip_address": C.CONSENT_EVIDENCE,
        "user_agent": C.CONSENT_EVIDENCE,
        "wording": C.ACCOUNT,
        "note": C.ACCOUNT,
    },
    "consents.consentstate": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "purpose": C.ACCOUNT,
        "is_granted": C.ACCOUNT,
        "event": C.TECHNICAL,
        "changed_at": C.ACCOUNT,
    },
    # Issue 9 §6: signs of life of beat and the workers, and outages (no personal data).
    "homeshop_privacy.heartbeat": {
        "id": C.TECHNICAL,
        "kind": C.TECHNICAL,
        "seen_at": C.TECHNICAL,
        "missing_since": C.TECHNICAL,
    },
    "homeshop_privacy.operationsoutage": {
        "id": C.TECHNICAL,
        "scope": C.TECHNICAL,
        "opened_at": C.TECHNICAL,
        "problems": C.TECHNICAL,
        "notify_attempted_at": C.TECHNICAL,
        "notified_at": C.TECHNICAL,
        "closed_at": C.TECHNICAL,
    },
    # Issue 9 §2: what ledger_verify compares the legal records with (no personal data).
    "homeshop_privacy.ledgerpublication": {
        "id": C.TECHNICAL,
        "published_at": C.TECHNICAL,
        "positions": C.TECHNICAL,
        "kinds": C.TECHNICAL,
        "digest": C.TECHNICAL,
    },
    "homeshop_privacy.ledgererasure": {
        "id": C.TECHNICAL,
        "erased_at": C.TECHNICAL,
        "table_name": C.TECHNICAL,
        "row_id": C.TECHNICAL,
        "columns": C.TECHNICAL,
        "reason": C.TECHNICAL,
        "database_role": C.TECHNICAL,
    },
}

# Issue 9 §2: the hash-chain columns of the legal records. Personal evidence enters them
# only as salted digests, whose salt erasure forgets: technical, not personal.
for _label in (
    "consents.consentevent",
    "disclosures.disclosure",
    "disclosures.disclosureline",
    "disclosures.disclosurevoid",
    "disclosures.breachnotice",
    "claims.claimanswer",
):
    FIELDS[_label].update(
        {"chain_prev": C.TECHNICAL, "chain_hash": C.TECHNICAL, "chain_evidence": C.TECHNICAL}
    )


def is_personal(category: str) -> bool:
    return category in PERSONAL_CATEGORIES


def field_category(model: type[models.Model], field_name: str) -> DataCategory:
    return FIELDS[model._meta.label_lower][field_name]


def personal_fields(model: type[models.Model]) -> list[str]:
    """Names of the fields of ``model`` that hold personal data, in model order."""
    table = FIELDS[model._meta.label_lower]
    return [f.name for f in model._meta.concrete_fields if is_personal(table[f.name])]


def classified_models() -> list[type[models.Model]]:
    """Every project model that must be classified (history tables mirror their model)."""
    return [
        model
        for app_label in PROJECT_APPS
        for model in apps.get_app_config(app_label).get_models()
        if not model.__name__.startswith("Historical")
    ]


def unclassified_fields() -> list[str]:
    missing = []
    for model in classified_models():
        table = FIELDS.get(model._meta.label_lower, {})
        missing += [
            f"{model._meta.label_lower}.{field.name}"
            for field in model._meta.concrete_fields
            if field.name not in table
        ]
    return missing
