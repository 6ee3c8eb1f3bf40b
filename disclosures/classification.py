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
        # Law 94-V art. 16: the ground for transfers abroad, and which officer recorded it.
        "transfer_ground": C.REFERENCE,
        "transfer_ground_note": C.REFERENCE,
        "transfer_ground_recorded_at": C.TECHNICAL,
        "transfer_ground_recorded_by": C.TECHNICAL,
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
        # Art. 25 p.2: the workflow and what the filing states (about the shop, not a
        # customer); the responsible person's name and contacts are a staff member's.
        "kind": C.REFERENCE,
        "severity": C.REFERENCE,
        "source": C.REFERENCE,
        "occurred_until": C.REFERENCE,
        "people_estimate": C.REFERENCE,
        "people_categories": C.REFERENCE,
        "consequences": C.REFERENCE,
        "containment_notes": C.REFERENCE,
        "remediation_notes": C.REFERENCE,
        "responsible_name": C.CONTACT,
        "responsible_contacts": C.CONTACT,
        "status": C.TECHNICAL,
        "status_changed_at": C.TECHNICAL,
        "decided_by": C.TECHNICAL,
        "decision_reason": C.REFERENCE,
        "regulator_due_on": C.TECHNICAL,
        "affected_count": C.TECHNICAL,
        "regulator_due_moved_because": C.TECHNICAL,
    },
    "disclosures.breachaffected": {
        "id": C.TECHNICAL,
        "incident": C.CORRESPONDENCE,
        "customer": C.TECHNICAL,
        "added_at": C.CORRESPONDENCE,
        "added_by": C.TECHNICAL,
        "via": C.TECHNICAL,
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
    "disclosures.disclosurevisibility": {
        "id": C.TECHNICAL,
        "disclosure": C.TECHNICAL,
        "shown_to_customer": C.CORRESPONDENCE,
        "reason": C.CORRESPONDENCE,
        "decided_at": C.TECHNICAL,
        "decided_by": C.TECHNICAL,
    },
    "disclosures.breachfiling": {
        "id": C.TECHNICAL,
        "incident": C.TECHNICAL,
        "filed_at": C.TECHNICAL,
        "filed_by": C.TECHNICAL,
        "reference": C.REFERENCE,
        "text_ru": C.REFERENCE,
        "text_kk": C.REFERENCE,
        "content": C.REFERENCE,
        "due_on": C.TECHNICAL,
        "filed_late": C.TECHNICAL,
        "recorded_at": C.TECHNICAL,
    },
    # 5.4.4: an officer reached a customer whom the notice email did not reach.
    "disclosures.breachcontact": {
        "id": C.TECHNICAL,
        "incident": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "method": C.TECHNICAL,
        "note": C.CORRESPONDENCE,
        "contacted_at": C.TECHNICAL,
        "recorded_by": C.TECHNICAL,
    },
}

SUBJECTS = {
    "disclosures.breachcontact": "customer",
    "disclosures.writtenpermission": "customer",
    "disclosures.disclosureline": "customer",
    "disclosures.breachaffected": "customer",
    "disclosures.breachnotice": "customer",
}

# Legal facts kept when the customer is anonymised (5.3.2, 5.4.4): that a permission was
# signed, for what and how long, and revoked; that data went to a recipient on a date;
# that the customer was affected by an incident and notified.
KEPT = {
    "disclosures.breachcontact": ("incident", "method", "contacted_at"),
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
