"""1.1: the classification of the ``homeshop_privacy`` models (from its ``AppConfig``).

An outbox row is correspondence with its recipient: anonymising a person removes the
rows addressed to any of their addresses (recipient, subject, bodies, attachments; the
reason, object and dates stay, so the proof that an email went remains). The access log
keeps ids only (1.5): whose record, by whom, when — never a search term or a name.
"""

from homeshop_privacy import classification
from homeshop_privacy.classification import DataCategory as C

FIELDS = {
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
        # reference-based download name), never their content: the person's letters,
        # deleted with the references when the person is anonymised.
        "attachments": C.CORRESPONDENCE,
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
        # A large mailing's row and what the bounce report said of the delivery (fanout).
        "mailing": C.TECHNICAL,
        "bounced_at": C.TECHNICAL,
        "bounce_status": C.TECHNICAL,
    },
    # A large mailing's counters (fanout): numbers only, nobody's data.
    "homeshop_privacy.mailing": {
        "id": C.TECHNICAL,
        "reason": C.TECHNICAL,
        "object_key": C.TECHNICAL,
        "created_at": C.TECHNICAL,
        "written": C.TECHNICAL,
        "sent": C.TECHNICAL,
        "failed": C.TECHNICAL,
        "possible_duplicates": C.TECHNICAL,
        "bounced": C.TECHNICAL,
        "chunks_published": C.TECHNICAL,
        "progress_at": C.TECHNICAL,
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
    "homeshop_privacy.personaldataaccess": {
        "id": C.TECHNICAL,
        "at": C.TECHNICAL,
        "user": C.TECHNICAL,
        "action": C.TECHNICAL,
        "subject_key": C.TECHNICAL,
        "path": C.TECHNICAL,
    },
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
    # 4.1 (issue 11): the rules are reference data; a run's counts are per rule and table.
    "homeshop_privacy.retentionrule": {
        "id": C.TECHNICAL,
        "code": C.REFERENCE,
        "category": C.REFERENCE,
        "event": C.REFERENCE,
        "keep_days": C.REFERENCE,
        "action": C.REFERENCE,
        "legal_reason": C.REFERENCE,
        "is_active": C.REFERENCE,
        "updated_at": C.TECHNICAL,
    },
    # The shop's API (issue 12): keys and their service users, replies kept for retries,
    # webhook endpoints and events. An event's payload names ids the shop already holds;
    # a kept reply may echo a customer's ids and is deleted after 24 hours.
    "homeshop_privacy.apikey": {
        "id": C.TECHNICAL,
        "name": C.TECHNICAL,
        "prefix": C.TECHNICAL,
        "key_digest": C.TECHNICAL,
        "user": C.TECHNICAL,
        "scopes": C.TECHNICAL,
        "created_at": C.TECHNICAL,
        "created_by": C.TECHNICAL,
        "expires_at": C.TECHNICAL,
        "revoked_at": C.TECHNICAL,
        "last_used_at": C.TECHNICAL,
    },
    "homeshop_privacy.idempotentreply": {
        "id": C.TECHNICAL,
        "api_key": C.TECHNICAL,
        "endpoint": C.TECHNICAL,
        "idempotency_key": C.TECHNICAL,
        "body_digest": C.TECHNICAL,
        "status_code": C.TECHNICAL,
        "body": C.ACCOUNT,
        "created_at": C.TECHNICAL,
    },
    "homeshop_privacy.webhookendpoint": {
        "id": C.TECHNICAL,
        "name": C.TECHNICAL,
        "url": C.TECHNICAL,
        "events": C.TECHNICAL,
        "is_active": C.TECHNICAL,
        "secret_encrypted": C.TECHNICAL,
        "created_at": C.TECHNICAL,
    },
    "homeshop_privacy.webhookevent": {
        "id": C.TECHNICAL,
        "event_id": C.TECHNICAL,
        "type": C.TECHNICAL,
        "occurred_at": C.TECHNICAL,
        "payload": C.ACCOUNT,
    },
    "homeshop_privacy.webhookdelivery": {
        "id": C.TECHNICAL,
        "event": C.TECHNICAL,
        "endpoint": C.TECHNICAL,
        "status": C.TECHNICAL,
        "attempts": C.TECHNICAL,
        "next_attempt_at": C.TECHNICAL,
        "delivered_at": C.TECHNICAL,
        "last_error": C.TECHNICAL,
    },
    "homeshop_privacy.retentionrun": {
        "id": C.TECHNICAL,
        "started_at": C.TECHNICAL,
        "finished_at": C.TECHNICAL,
        "status": C.TECHNICAL,
        "counts": C.TECHNICAL,
        "error": C.TECHNICAL,
    },
}


def outbox_of(customer_ids: list[int], addresses: frozenset[str]):
    from .outbox import messages_to

    return messages_to(addresses=addresses)


def anonymised_recipient(pk):
    # The outbox's (reason, object, recipient) is unique: a placeholder per row.
    return placeholder_email("anonymised-message-", pk)


def placeholder_email(prefix: str, pk):
    """``<prefix><pk>@anonymised.invalid`` for a row's pk (an int or an expression).

    Reserved (RFC 2606 ``.invalid``): it names no one and no mail can reach it."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    if isinstance(pk, int):
        return f"{prefix}{pk}@anonymised.invalid"
    return Concat(
        Value(prefix), Cast(pk, CharField()), Value("@anonymised.invalid"), output_field=CharField()
    )


def register() -> None:
    for label, fields in FIELDS.items():
        if label == "homeshop_privacy.outboundmessage":
            classification.register(
                label,
                fields,
                subject=outbox_of,
                replacements={"recipient": anonymised_recipient},
            )
        else:
            classification.register(label, fields)
