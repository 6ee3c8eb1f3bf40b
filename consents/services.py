"""Every write of the consents app: one function per state change."""

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer
from homeshop_privacy.errors import DomainError

from .models import ConsentEvent, ConsentState, ConsentWording, Purpose
from .selectors import policy_version_in_force, purpose_by_code

logger = logging.getLogger(__name__)


def consent_wording_store(*, text: str, language: str) -> ConsentWording:
    """The wording row for this exact text, written the first time it is shown."""
    digest = ConsentWording.digest(text=text, language=language)
    wording = ConsentWording.objects.filter(sha256=digest).first()
    if wording is not None:
        return wording
    ConsentWording.objects.bulk_create(
        [ConsentWording(sha256=digest, text=text, language=language)], ignore_conflicts=True
    )
    return ConsentWording.objects.get(sha256=digest)


def _state_apply(*, event: ConsentEvent) -> None:
    """Point the (customer, purpose) state at ``event`` if it is the latest one.

    The caller holds the customer's row lock, so two events for one customer never race.
    An event dated before the current one (a paper form entered late) stays in the ledger
    without changing the current state.
    """
    state = ConsentState.objects.filter(
        customer_id=event.customer_id, purpose_id=event.purpose_id
    ).first()
    granted = event.action == ConsentEvent.Action.GRANT
    if state is None:
        ConsentState.objects.create(
            customer_id=event.customer_id,
            purpose_id=event.purpose_id,
            is_granted=granted,
            event=event,
            changed_at=event.occurred_at,
        )
    elif (event.occurred_at, event.pk) >= (state.changed_at, state.event_id):
        state.is_granted = granted
        state.event = event
        state.changed_at = event.occurred_at
        state.save(update_fields=["is_granted", "event", "changed_at"])


@transaction.atomic
def consent_record(
    *,
    customer: Customer,
    purpose_code: str,
    action: str,
    channel: str,
    actor=None,
    ip_address: str | None = None,
    user_agent: str = "",
    wording_text: str = "",
    language: str | None = None,
    occurred_at: datetime | None = None,
    note: str = "",
) -> ConsentEvent:
    """Append one event to the ledger and update the current state in the same transaction."""
    purpose = purpose_by_code(code=purpose_code)
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now:
        raise DomainError(_("A consent cannot be recorded for a moment in the future."))
    if not purpose.needs_consent:
        # 4.2: contract purposes are information for the customer, not a choice.
        raise DomainError(
            _("Purpose %(code)s rests on the sale contract: there is no consent to record.")
            % {"code": purpose.code}
        )
    if action == ConsentEvent.Action.WITHDRAW and purpose.kind == Purpose.Kind.POLICY:
        # 2.2: a customer who disagrees stops using the site (asks to close the account).
        raise DomainError(
            _("Acceptance of the policy cannot be withdrawn; ask to close the account instead.")
        )

    # Lock the customer first (one fixed order for every consent write).
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()

    language = language or customer.preferred_language
    wording = consent_wording_store(text=wording_text, language=language) if wording_text else None
    event = ConsentEvent(
        customer=customer,
        purpose=purpose,
        action=action,
        policy_version=policy_version_in_force(at=occurred_at),
        occurred_at=occurred_at,
        recorded_at=now,
        channel=channel,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:512],
        wording=wording,
        note=note,
    )
    try:
        event.full_clean()
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from exc
    event.save()
    _state_apply(event=event)
    logger.info(
        "consents.event event=%s customer=%s purpose=%s action=%s",
        event.pk,
        customer.pk,
        purpose.code,
        action,
    )
    return event


def consent_grant(
    *, customer: Customer, purpose_code: str, channel: str, **evidence
) -> ConsentEvent:
    """Record that the customer gave consent to ``purpose_code`` (evidence as keywords)."""
    return consent_record(
        customer=customer,
        purpose_code=purpose_code,
        action=ConsentEvent.Action.GRANT,
        channel=channel,
        **evidence,
    )


def consent_withdraw(
    *, customer: Customer, purpose_code: str, channel: str, **evidence
) -> ConsentEvent:
    """Record that the customer withdrew consent to ``purpose_code``; effective at once."""
    return consent_record(
        customer=customer,
        purpose_code=purpose_code,
        action=ConsentEvent.Action.WITHDRAW,
        channel=channel,
        **evidence,
    )
