"""1.1: the classification of the consents app's fields (registered from ``ConsentsConfig``).

The policy texts and purposes are reference data; the ledger says what a person agreed
to and when (kept: the legal fact, 2.1, 7.2) and holds their IP address, browser and a
staff note (evidence, erased through ``ledger_erase_personal`` when the person is
anonymised; the hash chain holds only salted digests of them).
"""

from homeshop_privacy import classification
from homeshop_privacy.classification import DataCategory as C

FIELDS = {
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
        # A staff note on the event is free text about the person: evidence, not the fact.
        "note": C.CORRESPONDENCE,
        "chain_prev": C.TECHNICAL,
        "chain_hash": C.TECHNICAL,
        "chain_evidence": C.TECHNICAL,
    },
    "consents.consentstate": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "purpose": C.ACCOUNT,
        "is_granted": C.ACCOUNT,
        "event": C.TECHNICAL,
        "changed_at": C.ACCOUNT,
    },
}

SUBJECTS = {
    "consents.consentevent": "customer",
    "consents.consentstate": "customer",
}


def register() -> None:
    for label, fields in FIELDS.items():
        classification.register(label, fields, subject=SUBJECTS.get(label))
