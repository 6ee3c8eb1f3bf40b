"""1.1: the classification of the claims app's fields (registered from ``ClaimsConfig``).

6.1–6.3: a claim is correspondence of its claimant. Anonymising the claimant keeps what
the register must still prove (the reference, the dates, the category, the status and
outcome, when and how the answer went) and removes who wrote, what they wrote and where
the answer went.
"""

from django.db.models import Q

from homeshop_privacy import classification
from homeshop_privacy.classification import DataCategory as C

FIELDS = {
    "claims.claimcategory": {
        "id": C.TECHNICAL,
        "code": C.REFERENCE,
        "name": C.REFERENCE,
        "name_kk": C.REFERENCE,
        "name_en": C.REFERENCE,
        "term_days": C.REFERENCE,
        "term_unit": C.REFERENCE,
        "needs_identity_check": C.REFERENCE,
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
        "term_unit": C.TECHNICAL,
        "extra_days": C.TECHNICAL,
        "identity_method": C.TECHNICAL,
        "identity_verified_at": C.TECHNICAL,
        "identity_verified_by": C.TECHNICAL,
        "identity_code_digest": C.TECHNICAL,
        "identity_code_expires_at": C.TECHNICAL,
        "identity_code_failures": C.TECHNICAL,
        "no_personal_data_reason": C.CORRESPONDENCE,
        "due_on": C.TECHNICAL,
        "due_moved_because": C.TECHNICAL,
        "paused_on": C.TECHNICAL,
        "answered_at": C.CORRESPONDENCE,
        "answered_on_time": C.TECHNICAL,
        "closed_at": C.TECHNICAL,
        "claimant_anonymised_at": C.TECHNICAL,
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
        "chain_prev": C.TECHNICAL,
        "chain_hash": C.TECHNICAL,
        "chain_evidence": C.TECHNICAL,
    },
    # Counts per day for the dashboard (issue 14): about no one.
    "claims.claimtally": {
        "id": C.TECHNICAL,
        "kind": C.TECHNICAL,
        "day": C.TECHNICAL,
        "claims": C.TECHNICAL,
    },
}

SUBJECTS = {
    "claims.claim": "customer",
    "claims.claimdeadlinechange": "claim__customer",
    "claims.claimattachment": "claim__customer",
    "claims.claimanswer": "claim__customer",
}

# Facts of the register (6.2: when a claim came and was answered, under which reference;
# the answer's letter reference and tracking number are hash-chained).
KEPT = {
    "claims.claim": (
        "reference",
        "claimant_kind",
        "received_at",
        "received_on",
        "channel",
        "category",
        "status",
        "outcome",
        "answered_at",
    ),
    "claims.claimanswer": ("sent_at", "posted_tracking_number", "pdf"),
}

REPLACEMENTS = {"claims.claim": {"claimant_name": "anonymised"}}


def claim_message_keys(claim_ids) -> Q:
    """The outbox keys of every email about these claims: the claimant's and the staff
    reminders and escalations, which quote the claim's subject."""
    keys = Q(pk__in=[])
    for pk in claim_ids:
        keys |= Q(object_key__startswith=f"claims.claim:{pk}:")
    return keys


def deadline_change_message_keys(change_ids) -> Q:
    """The outbox keys of the emails about these deadline changes."""
    keys = Q(pk__in=[])
    for pk in change_ids:
        keys |= Q(object_key=f"claims.claimdeadlinechange:{pk}") | Q(
            object_key__startswith=f"claims.claimdeadlinechange:{pk}:"
        )
    return keys


QUOTED_BY_MESSAGES = {
    "claims.claim": claim_message_keys,
    "claims.claimdeadlinechange": deadline_change_message_keys,
}


def register() -> None:
    for label, fields in FIELDS.items():
        classification.register(
            label,
            fields,
            subject=SUBJECTS.get(label),
            kept=KEPT.get(label, ()),
            replacements=REPLACEMENTS.get(label),
            quoted_by_messages=QUOTED_BY_MESSAGES.get(label),
        )
