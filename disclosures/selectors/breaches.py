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


def breaches_owed_to_regulator(*, today):
    """Art. 25 p.2: unfiled incidents due today or overdue, the most urgent first."""
    from ..models import BreachIncident

    return (
        BreachIncident.objects.filter(filing__isnull=True, regulator_due_on__lte=today)
        .exclude(status=BreachIncident.Status.NOT_A_BREACH)
        .order_by("regulator_due_on", "discovered_at")
    )


def breach_incidents_fully_notified() -> QuerySet:
    """5.4.4: incidents being notified whose every affected customer with an email has
    a notice written, none of which is still pending, sending or waiting to retry (a
    customer without an email is told by other means, ``BreachContact``)."""
    from homeshop_privacy.models import OutboundMessage

    from ..models import BreachAffected, BreachIncident, BreachNotice

    untold = (
        BreachAffected.objects.filter(incident=OuterRef("pk"))
        .exclude(customer__email="")
        .exclude(
            Exists(
                BreachNotice.objects.filter(
                    incident=OuterRef("incident"), customer=OuterRef("customer")
                )
            )
        )
    )
    Waiting = OutboundMessage.Status
    waiting = BreachNotice.objects.filter(
        incident=OuterRef("pk"),
        message__status__in=[Waiting.PENDING, Waiting.SENDING, Waiting.RETRYING],
    )
    return BreachIncident.objects.filter(
        status=BreachIncident.Status.NOTIFYING, notification_started_at__isnull=False
    ).exclude(Exists(untold) | Exists(waiting))
