"""Proof of consent (what a regulator asks for): one customer's whole ledger, with the
evidence of each event and the policy text it referred to, as JSON and as CSV."""

import csv
import hashlib
import io
import json

from django.utils import timezone

from accounts.models import Customer
from homeshop_privacy.csv_safety import csv_safe
from homeshop_privacy.timestamps import export_timestamp

from .models import ConsentEvent, PolicyVersion
from .selectors import customer_consent_events, customer_consent_state

CSV_COLUMNS = [
    "customer_id",
    "event_id",
    "occurred_at",
    "recorded_at",
    "purpose_code",
    "purpose_title_ru",
    "purpose_title_en",
    "lawful_basis",
    "action",
    "channel",
    "recorded_by",
    "ip_address",
    "user_agent",
    "wording_sha256",
    "wording_language",
    "wording_text",
    "policy_version",
    "policy_effective_from",
    "policy_text_sha256",
    "note",
]


def _iso(value) -> str | None:
    return export_timestamp(value)


def _policy_digest(version: PolicyVersion) -> str:
    return hashlib.sha256(version.text_ru.encode()).hexdigest()


def event_row(event: ConsentEvent) -> dict:
    version = event.policy_version
    return {
        "customer_id": event.customer_id,
        "event_id": event.pk,
        "occurred_at": _iso(event.occurred_at),
        "recorded_at": _iso(event.recorded_at),
        "purpose_code": event.purpose.code,
        "purpose_title_ru": event.purpose.title_ru,
        "purpose_title_en": event.purpose.title_en,
        "lawful_basis": event.purpose.basis,
        "action": event.action,
        "channel": event.channel,
        "recorded_by": event.actor.email if event.actor else "",
        "ip_address": event.ip_address or "",
        "user_agent": event.user_agent,
        "wording_sha256": event.wording.sha256 if event.wording else "",
        "wording_language": event.wording.language if event.wording else "",
        "wording_text": event.wording.text if event.wording else "",
        "policy_version": version.label if version else "",
        "policy_effective_from": _iso(version.effective_from) if version else None,
        "policy_text_sha256": _policy_digest(version) if version else "",
        "note": event.note,
    }


def consent_proof(*, customer: Customer) -> dict:
    """Every event of the customer, oldest first, the current state, and the full text of
    every policy version an event referred to (once each)."""
    events = list(customer_consent_events(customer=customer))
    versions = {e.policy_version.pk: e.policy_version for e in events if e.policy_version}
    return {
        "generated_at": _iso(timezone.now()),
        "customer": {
            "id": customer.pk,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "email": customer.email,
            "phone": customer.phone,
        },
        "current_state": [
            {
                "purpose_code": row.purpose.code,
                "purpose_title_en": row.purpose.title_en,
                "lawful_basis": row.purpose.basis,
                "granted": row.is_granted,
                "may_process": row.effective,
                "since": _iso(row.since),
                "event_id": row.event.pk if row.event else None,
            }
            for row in customer_consent_state(customer=customer)
        ],
        "events": [event_row(event) for event in events],
        "policy_versions": [
            {
                "label": version.label,
                "published_at": _iso(version.published_at),
                "effective_from": _iso(version.effective_from),
                "text_sha256": _policy_digest(version),
                "text_ru": version.text_ru,
                "text_kk": version.text_kk,
                "text_en": version.text_en,
            }
            for version in sorted(versions.values(), key=lambda v: (v.effective_from, v.pk))
        ],
    }


def consent_proof_json(*, customers: list[Customer]) -> str:
    proofs = [consent_proof(customer=customer) for customer in customers]
    return json.dumps(proofs[0] if len(proofs) == 1 else proofs, ensure_ascii=False, indent=2)


def consent_proof_csv(*, customers: list[Customer]) -> str:
    """One row per event; the policy text itself is in the JSON (here: its SHA-256)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for customer in customers:
        for event in customer_consent_events(customer=customer):
            writer.writerow({k: csv_safe(v) for k, v in event_row(event).items()})
    return buffer.getvalue()
