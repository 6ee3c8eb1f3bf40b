"""Every write of the consents app: one function per state change."""

import logging
from datetime import datetime
from typing import TypedDict, Unpack

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.email_address import same_address
from accounts.models import Customer, User, customer_lock
from homeshop_privacy import fanout, outbox
from homeshop_privacy.api.webhooks import webhook_event_emit
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked
from homeshop_privacy.models import OutboundMessage, WebhookEventType
from homeshop_privacy.outbox import message_enqueue, object_key
from homeshop_privacy.timestamps import display_datetime

from .models import ConsentEvent, ConsentState, ConsentWording, PolicyVersion, Purpose
from .selectors import (
    POLICY_ACCEPTANCE,
    PROMOTIONS_EMAIL,
    consent_is_granted,
    customers_emailable,
    policy_version_in_force,
    purpose_by_code,
    unsubscribe_url,
)

logger = logging.getLogger(__name__)


def consent_wording_store(*, text: str, language: str) -> ConsentWording:
    """The wording row for this exact text, written the first time it is shown."""
    digest = ConsentWording.digest(text=text, language=language)
    wording = ConsentWording.objects.filter(sha256=digest).first()
    if wording is not None:
        return wording
    wording = ConsentWording(sha256=digest, text=text, language=language)
    validate(wording, exclude=["sha256"])  # issue 9 §5: a NUL or an unknown language
    ConsentWording.objects.bulk_create([wording], ignore_conflicts=True)
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


REASON_PROMOTION = "consents.promotion"


def _promotions_cancel_pending(*, customer: Customer) -> int:
    """4.3: a withdrawal takes effect at once, so promotions still waiting in the outbox
    (a retry after a mail-server outage) are not sent afterwards.

    Called under the customer's lock, after the state is updated. Rows never attempted
    are cancelled; rows already handed to the mail server once are stopped, not
    cancelled (they may have been delivered; see ``outbox.messages_cancel``). Returns
    the rows stopped.
    """
    if ConsentState.objects.filter(
        customer=customer, purpose__code=PROMOTIONS_EMAIL, is_granted=True
    ).exists():
        return 0  # a late paper withdrawal, older than the customer's latest grant
    stopped = outbox.messages_cancel(
        reason=REASON_PROMOTION,
        recipient=customer.email,
        why="consent to 4.2.6 withdrawn (4.3)",
    )
    if stopped:
        logger.info("consents.promotions_stopped customer=%s rows=%s", customer.pk, stopped)
    return stopped


def consent_event_validate(
    *, purpose: Purpose, action: str, occurred_at: datetime, now: datetime | None = None
) -> None:
    """The rules every ledger event obeys (also run by the admin form before saving)."""
    if occurred_at > (now or timezone.now()):
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


@transaction.atomic
def consent_record(
    *,
    customer: Customer,
    purpose_code: str,
    action: str,
    channel: str,
    actor: User | None = None,
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
    consent_event_validate(purpose=purpose, action=action, occurred_at=occurred_at, now=now)

    # Lock the customer first (one fixed order for every consent write).
    customer_lock(customer_id=customer.pk)

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
    validate(event)
    event.save()
    _state_apply(event=event)
    # Issue 12: the shop's mailing and CRM systems hear of it in the same transaction.
    webhook_event_emit(
        type=(
            WebhookEventType.CONSENT_GRANTED
            if action == ConsentEvent.Action.GRANT
            else WebhookEventType.CONSENT_WITHDRAWN
        ),
        payload={
            "customer_id": customer.pk,
            "shop_customer_id": customer.shop_customer_id,
            "purpose": purpose.code,
            "occurred_at": occurred_at.isoformat(),
            "channel": channel,
        },
    )
    if purpose.code == PROMOTIONS_EMAIL and action == ConsentEvent.Action.WITHDRAW:
        _promotions_cancel_pending(customer=customer)
    logger.info(
        "consents.event event=%s customer=%s purpose=%s action=%s",
        event.pk,
        customer.pk,
        purpose.code,
        action,
    )
    return event


class Evidence(TypedDict, total=False):
    """What ``consent_record`` keeps besides who, what and how: passed through as is."""

    actor: User | None
    ip_address: str | None
    user_agent: str
    wording_text: str
    language: str | None
    occurred_at: datetime | None
    note: str


def consent_grant(
    *, customer: Customer, purpose_code: str, channel: str, **evidence: Unpack[Evidence]
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
    *, customer: Customer, purpose_code: str, channel: str, **evidence: Unpack[Evidence]
) -> ConsentEvent:
    """Record that the customer withdrew consent to ``purpose_code``; effective at once."""
    return consent_record(
        customer=customer,
        purpose_code=purpose_code,
        action=ConsentEvent.Action.WITHDRAW,
        channel=channel,
        **evidence,
    )


def policy_accept(
    *, customer: Customer, channel: str, **evidence: Unpack[Evidence]
) -> ConsentEvent:
    """2.1: record that the customer accepted the policy version in force (registration,
    checkout); the event names that version."""
    return consent_grant(
        customer=customer, purpose_code=POLICY_ACCEPTANCE, channel=channel, **evidence
    )


# --- policy versions (7.1, 7.2) ------------------------------------------------------------


@transaction.atomic
def policy_version_save_draft(*, version: PolicyVersion, actor: User | None) -> PolicyVersion:
    """Create or edit an unpublished version."""
    if version.pk is not None:
        stored = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if stored.is_published:
            raise DomainError(
                _("A published version cannot be edited; publish a new version instead.")
            )
    validate(version)
    return save_tracked(version, actor=actor, reason="draft saved")


@transaction.atomic
def policy_version_publish(
    *, version: PolicyVersion, actor: User | None, effective_from: datetime | None = None
) -> PolicyVersion:
    """Publish a draft; a material change informs every customer who may be emailed.

    7.2: the version is in force from the moment of publication unless it names a later
    ``effective_from``; it can never take effect before it was published.
    """
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise DomainError(_("Version %(label)s is already published.") % {"label": version.label})
    if not version.text_ru.strip():
        raise DomainError(_("The Russian text is required before publication."))
    now = timezone.now()
    effective_from = effective_from or version.effective_from or now
    if effective_from < now:
        raise DomainError(
            _("The effective date has passed: a version cannot take effect before it is published.")
        )
    scheduled = PolicyVersion.objects.published().filter(effective_from__gt=effective_from).first()
    if scheduled is not None:
        # 7.2: versions take effect in the order they are published; otherwise the older
        # text scheduled for later would come back into force after the newer one.
        raise DomainError(
            _(
                "Version %(label)s is already published to take effect on %(when)s: "
                "a newer version cannot take effect before it."
            )
            % {
                "label": scheduled.label,
                "when": display_datetime(scheduled.effective_from),
            }
        )
    version.published_at = now
    version.effective_from = effective_from
    save_tracked(version, actor=actor, reason="published")
    logger.info("consents.policy_published version=%s material=%s", version.pk, version.is_material)
    if version.is_material:
        from .tasks import policy_change_notify

        # robust: a broker outage must not undo the publication; staff can re-run it.
        transaction.on_commit(lambda: policy_change_notify.delay(version.pk), robust=True)
    return version


def policy_change_notification_dispatch(*, version: PolicyVersion) -> None:
    """Start (again) the notification of a published material change; idempotent."""
    if not version.is_published:
        raise DomainError(_("Only a published version can be announced."))
    from .tasks import policy_change_notify

    transaction.on_commit(lambda: policy_change_notify.delay(version.pk), robust=True)


#: The outbox reason of the 7.2 notification of a material change.
POLICY_CHANGE_REASON = "consents.policy_changed"


def policy_change_mailing(*, version: PolicyVersion):
    """The large mailing (homeshop_privacy.fanout) of a material change's notification."""
    return fanout.mailing_get(
        reason=POLICY_CHANGE_REASON, key=object_key(version, "material-change")
    )


def policy_change_texts(*, version: PolicyVersion) -> dict[str, fanout.MailingText]:
    """The notification in each language, the reader's first name left for the database."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            context = {
                "customer": {"first_name": fanout.FIRST_NAME},
                "version": version,
                "summary": version.change_summary_for(language),
                "policy_url": settings.SITE_URL
                + reverse("consents:policy_version", args=[version.label]),
            }
            texts[language] = fanout.MailingText(
                subject=str(_("Homeshop.kz has updated its privacy policy")),
                body_text=render_to_string("consents/email/policy_changed.txt", context),
            )
    return texts


def policy_change_notices_write(
    *, version: PolicyVersion, after_id: int = 0, time_budget: float = 60.0
) -> int | None:
    """7.2: write one notification per customer with an address, set-based, in each
    reader's language; the outbox key makes a rerun write nothing twice.

    Returns the customer id to continue after (the time budget ran out) or ``None`` once
    every customer is written.
    """
    run = fanout.mailing_write_batches(
        mailing=policy_change_mailing(version=version),
        # 4.1: an anonymised customer is not written to.
        recipients=customers_emailable()
        .filter(anonymised_at__isnull=True)
        .values_list("pk", "email", "preferred_language", "first_name"),
        texts=policy_change_texts(version=version),
        after_id=after_id,
        time_budget=time_budget,
    )
    return run.rest


# --- promotional email and unsubscribe (4.2.6, 4.3) --------------------------------------


#: The outbox's kind of link for the unsubscribe link of a promotional email.
UNSUBSCRIBE_LINK = "consents.unsubscribe"


def unsubscribe_link_context(message: OutboundMessage) -> dict | None:
    """4.3: the unsubscribe link of a promotional email, made by the sender; ``None`` (not
    sent) when the customer is gone or no longer has the address it was written to."""
    customer = Customer.objects.filter(pk=message.link_object_id).first()
    if customer is None or not same_address(customer.email, message.recipient):
        return None
    return {"link": unsubscribe_url(customer=customer)}


def unsubscribe_link_register() -> None:
    outbox.secret_link_register(
        kind=UNSUBSCRIBE_LINK,
        build=unsubscribe_link_context,
        url_name="consents:unsubscribe",
        url_kwargs=("token",),
    )


@transaction.atomic
def promotion_email_enqueue(
    *,
    customer: Customer,
    campaign: str,
    subject: str,
    body_text: str,
    body_html: str = "",
) -> OutboundMessage:
    """Put one promotional email (4.2.6) for ``customer`` into the outbox.

    Refused unless the customer's consent to 4.2.6 is current: the check is here, under
    the same row lock as a withdrawal, so no caller can skip it and an unsubscribe that
    commits first always wins. 4.3: the email ends with an unsubscribe link and carries
    the RFC 8058 one-click headers.
    """
    if not campaign or len(campaign) > 120:
        raise DomainError(_("A campaign needs a name of at most 120 characters."))
    customer_lock(customer_id=customer.pk)
    if not consent_is_granted(customer_id=customer.pk, purpose_code=PROMOTIONS_EMAIL):
        raise DomainError(
            _("This customer has not consented to promotional email (4.2.6); nothing was sent.")
        )
    # The unsubscribe link never enters the outbox: whoever may read it (an auditor) could
    # otherwise withdraw the customer's consent (4.3). The sender puts it in its place.
    url = outbox.LINK_PLACEHOLDER
    language = customer.preferred_language
    with translation.override(language):
        context = {"unsubscribe_url": url, "language": language}
        footer_text = render_to_string("consents/email/promotion_footer.txt", context)
        footer_html = render_to_string("consents/email/promotion_footer.html", context)
    body_text = body_text.rstrip() + "\n\n" + footer_text
    if body_html:
        if "</body>" in body_html:
            body_html = body_html.replace("</body>", footer_html + "</body>", 1)
        else:
            body_html = body_html + footer_html
    message, _created = message_enqueue(
        reason=REASON_PROMOTION,
        key=f"campaign:{campaign}",
        recipient=customer.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        language=language,
        link_kind=UNSUBSCRIBE_LINK,
        link_object_id=customer.pk,
    )
    return message


@transaction.atomic
def promotions_unsubscribe(
    *,
    customer: Customer,
    ip_address: str | None = None,
    user_agent: str = "",
    wording_text: str = "",
    one_click: bool = False,
) -> ConsentEvent | None:
    """4.3: withdraw consent to 4.2.6 from an email link, at once and without signing in.

    Repeating it is harmless: when the consent is already withdrawn nothing is written
    and None is returned.
    """
    customer_lock(customer_id=customer.pk)
    if not consent_is_granted(customer_id=customer.pk, purpose_code=PROMOTIONS_EMAIL):
        return None
    return consent_withdraw(
        customer=customer,
        purpose_code=PROMOTIONS_EMAIL,
        channel=ConsentEvent.Channel.EMAIL_LINK,
        ip_address=ip_address,
        user_agent=user_agent,
        wording_text=wording_text,
        note="one-click (RFC 8058)" if one_click else "unsubscribe page",
    )


@transaction.atomic
def consent_states_rebuild(*, batch_size: int = 2000) -> int:
    """Recompute the whole current-state table from the ledger (a repair tool).

    The ledger is the record; the state table is derived from it. Run it with writes
    paused (it does not lock out concurrent consent events). Returns the rows written.
    """
    latest_id = (
        ConsentEvent.objects.filter(
            customer_id=OuterRef("customer_id"), purpose_id=OuterRef("purpose_id")
        )
        .order_by("-occurred_at", "-id")
        .values("id")[:1]
    )
    event_ids = list(
        ConsentEvent.objects.order_by()
        .values("customer_id", "purpose_id")
        .distinct()
        .annotate(latest=Subquery(latest_id))
        .values_list("latest", flat=True)
    )
    ConsentState.objects.all().delete()
    written = 0
    for start in range(0, len(event_ids), batch_size):
        events = ConsentEvent.objects.filter(pk__in=event_ids[start : start + batch_size])
        written += len(
            ConsentState.objects.bulk_create(
                ConsentState(
                    customer_id=e.customer_id,
                    purpose_id=e.purpose_id,
                    is_granted=e.action == ConsentEvent.Action.GRANT,
                    event_id=e.pk,
                    changed_at=e.occurred_at,
                )
                for e in events
            )
        )
    logger.info("consents.states_rebuilt rows=%s", written)
    return written
