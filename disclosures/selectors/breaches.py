"""Reads of breaches (5.4.4)."""

from django.db.models import Exists, OuterRef, QuerySet


def breach_incidents_with_pending_notices() -> QuerySet:
    """Incidents whose notification started and that still have a customer not yet told."""
    from ..models import BreachAffected, BreachIncident, BreachNotice

    untold = BreachAffected.objects.filter(incident=OuterRef("pk")).exclude(
        Exists(
            BreachNotice.objects.filter(
                incident=OuterRef("incident"), customer=OuterRef("customer")
            )
        )
    )
    return BreachIncident.objects.filter(notification_started_at__isnull=False).filter(
        Exists(untold)
    )


def breach_notification_progress(*, incident) -> dict:
    """For the officer and the regulator: affected, told (email written) and sent."""
    from homeshop_privacy.models import OutboundMessage

    notices = incident.notices.all()
    return {
        "affected": incident.affected.count(),
        "notified": notices.count(),
        "sent": notices.filter(message__status=OutboundMessage.Status.SENT).count(),
    }
