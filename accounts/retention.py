"""4.1: the accounts app's retention processes (registered from ``AccountsConfig.ready()``).

- ``customers_inactive``: a customer with no order and no sign-in since the cutoff (and
  registered before it) is anonymised, unless a legal hold applies.
- ``visit_events``: non-personal visit events older than the cutoff are deleted.
"""

from django.db.models import Q

from homeshop_privacy import retention

from . import services
from .models import Customer, Order, VisitEvent


def customers_inactive_due(cutoff, after: int):
    recent_orders = Order.objects.filter(placed_at__gte=cutoff).values("customer_id")
    due = (
        Customer.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff, pk__gt=after)
        .exclude(pk__in=recent_orders)
        .exclude(Q(user__last_login__gte=cutoff) | Q(user__is_staff=True))
    )
    return retention.exclude_held(due).order_by("pk").values_list("pk", flat=True)


def customers_inactive_apply(pks: list[int], reason: str) -> dict:
    counts = services.customers_anonymise(customer_ids=pks, actor=None, reason=reason)
    counts["records"] = counts.pop("customers", 0)
    return counts


def visit_events_due(cutoff, after: int):
    return (
        VisitEvent.objects.filter(occurred_at__lt=cutoff, pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def visit_events_apply(pks: list[int], reason: str) -> dict:
    deleted, _by_model = VisitEvent.objects.filter(pk__in=pks).delete()
    return {"records": deleted, "accounts.visitevent": deleted}


def register() -> None:
    retention.register(
        retention.Process(
            code="customers_inactive", due=customers_inactive_due, apply=customers_inactive_apply
        )
    )
    retention.register(
        retention.Process(code="visit_events", due=visit_events_due, apply=visit_events_apply)
    )
