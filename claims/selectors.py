"""Reads of the claims register, returning querysets with their joins."""

import dataclasses
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from .models import REMINDER_DAYS, Claim, ClaimCategory, TermUnit

#: The dashboard's "answered on time" rate looks back this many days.
ON_TIME_WINDOW_DAYS = 90
#: "Due this week": the due date is within the next this-many days.
WEEK_DAYS = 7


def request_types_with_own_terms() -> QuerySet[ClaimCategory]:
    """Issue 11: the active kinds of request about personal data (the Law 94-V's terms,
    some in working days), for the customer's claims page."""
    return ClaimCategory.objects.filter(is_active=True).filter(
        Q(needs_identity_check=True) | Q(term_unit=TermUnit.WORKING)
    )


def claims_open() -> QuerySet[Claim]:
    return Claim.objects.filter(status__in=Claim.OPEN_STATUSES)


def claims_for_list() -> QuerySet[Claim]:
    """The admin list: one query for the rows and what each row shows."""
    return Claim.objects.select_related("category", "assignee", "customer")


#: The due-date views of the admin list, each also a dashboard tile.
DUE_VIEWS = ("overdue", "today", "week", "paused")


def due_condition(*, due: str, today: date) -> Q:
    """Which claims a due-date view shows. Paused claims are a view of their own: their
    due date moves when they resume, so they are not overdue or due soon meanwhile."""
    running = Q(status__in=Claim.OPEN_STATUSES, paused_on__isnull=True)
    if due == "overdue":
        return running & Q(due_on__lt=today)
    if due == "today":
        return running & Q(due_on=today)
    if due == "week":
        return running & Q(due_on__range=(today, today + timedelta(days=WEEK_DAYS)))
    if due == "paused":
        return Q(status__in=Claim.OPEN_STATUSES, paused_on__isnull=False)
    raise ValueError(f"unknown due-date view {due!r}")


def claims_by_due(*, due: str, today: date, queryset: QuerySet[Claim] | None = None):
    queryset = Claim.objects.all() if queryset is None else queryset
    return queryset.filter(due_condition(due=due, today=today))


def claims_needing_reminders(*, today: date) -> QuerySet[Claim]:
    """Open, running claims that have a reminder or escalation due on ``today``."""
    reminder_days = [today + timedelta(days=days) for days in REMINDER_DAYS]
    return (
        claims_open()
        .filter(paused_on__isnull=True)
        .filter(
            Q(assignee__isnull=True)
            | Q(assignee__is_active=False)
            | Q(due_on__lt=today)
            | Q(due_on__in=reminder_days)
        )
        .order_by("due_on", "pk")
    )


def claim_admin_url(*, claim: Claim) -> str:
    return settings.SITE_URL + reverse("admin:claims_claim_change", args=[claim.pk])


def claims_of_customer(*, customer) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(customer=customer)
        .select_related("category")
        .order_by("-received_at", "-pk")
    )


@dataclasses.dataclass(frozen=True)
class Dashboard:
    open: int
    due_this_week: int
    due_today: int
    overdue: int
    answered_recently: int
    answered_on_time: int

    @property
    def on_time_rate(self) -> float | None:
        if not self.answered_recently:
            return None
        return self.answered_on_time / self.answered_recently


def claims_dashboard(*, today: date) -> Dashboard:
    """The figures of the dashboard block, in two queries, each through an index.

    Every tile counts open claims only (the ``status, due_on`` index), and the on-time
    rate the answers of the window (the ``answered_at`` index): not the whole table on
    each view of the list (issue 14).
    """
    # The tiles link to the list's due-date views and count exactly what those show.
    counts = claims_open().aggregate(
        open=Count("pk", filter=Q(status__in=Claim.OPEN_STATUSES)),
        due_today=Count("pk", filter=due_condition(due="today", today=today)),
        due_this_week=Count("pk", filter=due_condition(due="week", today=today)),
        overdue=Count("pk", filter=due_condition(due="overdue", today=today)),
    )
    since = timezone.now() - timedelta(days=ON_TIME_WINDOW_DAYS)
    answered = Claim.objects.filter(answered_at__gte=since).aggregate(
        total=Count("pk"), on_time=Count("pk", filter=Q(answered_on_time=True))
    )
    return Dashboard(
        open=counts["open"],
        due_this_week=counts["due_this_week"],
        due_today=counts["due_today"],
        overdue=counts["overdue"],
        answered_recently=answered["total"],
        answered_on_time=answered["on_time"],
    )
