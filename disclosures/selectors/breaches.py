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
