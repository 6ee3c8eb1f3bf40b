"""4.1: the accounts app's retention processes (registered from ``AccountsConfig.ready()``).

- ``customers_inactive``: a customer with no order and no sign-in since the cutoff (and
  registered before it) is anonymised, unless a legal hold applies.
- ``visit_events``: non-personal visit events older than the cutoff are deleted.
- ``closures_unanswered``: a closure request no officer decided within the term is
  carried out as asked (2.2), unless a legal hold applies.
- ``closures_decided``: a closed account whose data are not erased yet (its task did not
  finish) is erased now, after its last email.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from homeshop_privacy import retention

from . import services
from .models import AccountClosureRequest, Customer, CustomerHold, Order, VisitEvent


def customers_inactive_due(cutoff, after: int):
    # An anti-join per customer (NOT EXISTS), read from the customers registered before
    # the cutoff (their own index): not a NOT IN over every recent order, whose estimate
    # made PostgreSQL compile the query (JIT) on each dry run of the rules' page.
    recent_order = Order.objects.filter(customer_id=OuterRef("pk"), placed_at__gte=cutoff)
    due = (
        Customer.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff, pk__gt=after)
        .exclude(Exists(recent_order))
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


def closures_unanswered_due(cutoff, after: int):
    """2.2: requests no officer decided within the term, for customers under no hold."""
    due = AccountClosureRequest.objects.filter(
        status=AccountClosureRequest.Status.REQUESTED, requested_at__lt=cutoff, pk__gt=after
    )
    return retention.exclude_held(due, "customer_id").order_by("pk").values_list("pk", flat=True)


def closures_unanswered_apply(pks: list[int], reason: str) -> dict:
    """Close them as the customers asked (they are told by email; the data go after it)."""
    done = 0
    for closure in AccountClosureRequest.objects.filter(pk__in=pks, status="requested"):
        services.account_closure_decide(
            closure_request=closure, actor=None, status=AccountClosureRequest.Status.DONE
        )
        done += 1
    return {"records": done, "accounts.accountclosurerequest": done}


def closures_decided_due(cutoff, after: int):
    """Closed accounts whose data are not erased yet (the task's catch-up)."""
    return (
        AccountClosureRequest.objects.filter(
            status=AccountClosureRequest.Status.DONE,
            carried_out_at__isnull=True,
            decided_at__lt=cutoff,
            pk__gt=after,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def closures_decided_apply(pks: list[int], reason: str) -> dict:
    carried = 0
    for closure in AccountClosureRequest.objects.filter(pk__in=pks):
        carried += services.account_closure_carry_out(closure_request=closure)
    return {"records": carried, "accounts.customer": carried}


def customers_on_hold():
    return CustomerHold.objects.filter(released_at__isnull=True).values("customer_id")


def register() -> None:
    retention.register_hold(
        retention.Hold(
            key="officer_hold", customer_ids=customers_on_hold, label=_("an officer's legal hold")
        )
    )
    retention.register(
        retention.Process(
            code="closures_unanswered", due=closures_unanswered_due, apply=closures_unanswered_apply
        )
    )
    retention.register(
        retention.Process(
            code="closures_decided", due=closures_decided_due, apply=closures_decided_apply
        )
    )
    retention.register(
        retention.Process(
            code="customers_inactive", due=customers_inactive_due, apply=customers_inactive_apply
        )
    )
    retention.register(
        retention.Process(code="visit_events", due=visit_events_due, apply=visit_events_apply)
    )
