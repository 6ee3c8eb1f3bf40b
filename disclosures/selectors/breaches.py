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
