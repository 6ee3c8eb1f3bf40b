"""1.1: the classification of the disclosures app's fields (from ``DisclosuresConfig``).

Third parties are legal entities (reference data), but a contact person's name or phone
is someone's personal data. The register says which categories went where and when;
tied to a customer through its lines, that is information about the person. 5.4.4: the
incident itself is about the shop; who it affected is about each person.
"""

from homeshop_privacy import classification
from homeshop_privacy.classification import DataCategory as C

FIELDS = {
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
        "chain_prev": C.TECHNICAL,
        "chain_hash": C.TECHNICAL,
        "chain_evidence": C.TECHNICAL,
    },
    "disclosures.disclosureline": {
        "id": C.TECHNICAL,
        "disclosure": C.TECHNICAL,
        "line_no": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "order": C.ORDERS,
        "permission": C.TECHNICAL,
        "disclosed_at": C.CORRESPONDENCE,
        "chain_prev": C.TECHNICAL,
        "chain_hash": C.TECHNICAL,
        "chain_evidence": C.TECHNICAL,
    },
    "disclosures.disclosurevoid": {
        "id": C.TECHNICAL,
        "disclosure": C.TECHNICAL,
        "reason": C.CORRESPONDENCE,
        "voided_at": C.TECHNICAL,
        "voided_by": C.TECHNICAL,
        "chain_prev": C.TECHNICAL,
        "chain_hash": C.TECHNICAL,
        "chain_evidence": C.TECHNICAL,
    },
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
        "chain_prev": C.TECHNICAL,
        "chain_hash": C.TECHNICAL,
        "chain_evidence": C.TECHNICAL,
    },
}

SUBJECTS = {
    "disclosures.writtenpermission": "customer",
    "disclosures.disclosureline": "customer",
    "disclosures.breachaffected": "customer",
    "disclosures.breachnotice": "customer",
}

# Legal facts kept when the customer is anonymised (5.3.2, 5.4.4): that a permission was
# signed, for what and how long, and revoked; that data went to a recipient on a date;
# that the customer was affected by an incident and notified.
KEPT = {
    "disclosures.writtenpermission": ("categories", "signed_on", "valid_until", "revoked_at"),
    "disclosures.disclosureline": ("disclosed_at",),
    "disclosures.breachaffected": ("incident", "added_at"),
    "disclosures.breachnotice": ("incident", "created_at"),
}


def register() -> None:
    for label, fields in FIELDS.items():
        classification.register(
            label, fields, subject=SUBJECTS.get(label), kept=KEPT.get(label, ())
        )
