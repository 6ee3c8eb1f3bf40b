"""5.4.4, 4.1: a customer affected by a breach that is still open is under a legal hold:
their data is needed to tell them and to answer the authorised body until the incident
is closed (or found not to be a breach). Registered from ``DisclosuresConfig``."""

from django.utils.translation import gettext_lazy as _

from homeshop_privacy import retention

from .models import BreachAffected, BreachIncident

#: The statuses in which an incident no longer holds its customers' data.
SETTLED = (BreachIncident.Status.CLOSED, BreachIncident.Status.NOT_A_BREACH)


def customers_affected_by_open_breaches():
    return BreachAffected.objects.exclude(incident__status__in=SETTLED).values("customer_id")


def register() -> None:
    retention.register_hold(
        retention.Hold(
            key="open_breach",
            customer_ids=customers_affected_by_open_breaches,
            label=_("a breach affecting the customer that is not closed yet"),
        )
    )
