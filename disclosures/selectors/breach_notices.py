"""Reads of a breach's fan-out (5.4.4): progress from counters, the affected customers, who
the email did not reach, and a customer's own notices."""

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from homeshop_privacy.models import Mailing, OutboundMessage
from homeshop_privacy.outbox import object_key

BREACH_REASON = "disclosures.breach_notice"


def breach_mailing_of(incident) -> Mailing | None:
    return Mailing.objects.filter(
        reason=BREACH_REASON, object_key=object_key(incident, "notice")
    ).first()


def breach_notification_progress(*, incident) -> dict:
    """For the officer and the regulator, from the incident's counters (no count over the
    affected rows): affected, notices written, sent, failed, waiting, possibly duplicated
    (resent after a worker died mid-send, same Message-ID) and bounced."""
    from ..models import BreachIncident

    affected, started = (
        BreachIncident.objects.filter(pk=incident.pk)
        .values_list("affected_count", "notification_started_at")
        .get()
    )
    mailing = breach_mailing_of(incident)
    written = mailing.written if mailing else 0
    sent = mailing.sent if mailing else 0
    failed = mailing.failed if mailing else 0
    return {
        "affected": affected,
        "notified": written,
        "written": written,
        "sent": sent,
        "failed": failed,
        "waiting": max(written - sent - failed, 0),
        "possibly_duplicated": mailing.possible_duplicates if mailing else 0,
        "bounced": mailing.bounced if mailing else 0,
        "started": started is not None,
    }


def _notice_message(field: str):
    from ..models import BreachNotice

    return Subquery(
        BreachNotice.objects.filter(
            incident=OuterRef("incident"), customer=OuterRef("customer")
        ).values(f"message__{field}")[:1]
    )


def breach_affected_rows(*, incident) -> QuerySet:
    """The affected customers in the order they were added, each with its notice's state
    (none yet before the notification)."""
    from ..models import BreachAffected

    return (
        BreachAffected.objects.filter(incident=incident)
        .select_related("customer", "added_by")
        .annotate(
            notice_status=_notice_message("status"),
            notice_sent_at=_notice_message("sent_at"),
            notice_bounced_at=_notice_message("bounced_at"),
        )
        .order_by("id")
    )


def breach_affected_one(*, incident, customer_id: int):
    return breach_affected_rows(incident=incident).filter(customer_id=customer_id).first()


def breach_customers_unreached(*, incident) -> QuerySet:
    """Affected customers the email did not reach: it bounced, it failed for good, or
    they have no address; each with the contacts officers recorded."""
    from ..models import BreachContact, BreachNotice

    notices = BreachNotice.objects.filter(
        incident=OuterRef("incident"), customer=OuterRef("customer")
    )
    return (
        breach_affected_rows(incident=incident)
        .filter(
            Q(customer__email="")
            | Exists(notices.filter(message__bounced_at__isnull=False))
            | Exists(notices.filter(message__status=OutboundMessage.Status.FAILED))
        )
        .annotate(
            contacted=Exists(
                BreachContact.objects.filter(
                    incident=OuterRef("incident"), customer=OuterRef("customer")
                )
            ),
            bounce_status=_notice_message("bounce_status"),
        )
    )


def breach_contacts_of(*, incident, customer_id: int) -> QuerySet:
    from ..models import BreachContact

    return BreachContact.objects.filter(incident=incident, customer_id=customer_id).select_related(
        "recorded_by"
    )


def customer_breach_notices(*, customer_id: int) -> QuerySet:
    """5.4.4: the breach notices sent to a customer, newest first, with their incident."""
    from ..models import BreachNotice

    return (
        BreachNotice.objects.filter(
            customer_id=customer_id, message__status=OutboundMessage.Status.SENT
        )
        .select_related("incident", "message")
        .order_by("-created_at", "-id")
    )
