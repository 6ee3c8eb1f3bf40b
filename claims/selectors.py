"""Reads of the claims register, returning querysets with their joins."""

import dataclasses
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Claim

#: The dashboard's "answered on time" rate looks back this many days.
ON_TIME_WINDOW_DAYS = 90
#: "Due this week": the due date is within the next this-many days.
WEEK_DAYS = 7


def claims_open() -> QuerySet[Claim]:
    return Claim.objects.filter(status__in=Claim.OPEN_STATUSES)


def claims_for_list() -> QuerySet[Claim]:
    """The admin list: one query for the rows and what each row shows."""
    return Claim.objects.select_related("category", "assignee", "customer")


def claims_due_between(*, start: date, end: date) -> QuerySet[Claim]:
    return claims_open().filter(due_on__range=(start, end))


def claims_overdue(*, today: date) -> QuerySet[Claim]:
    return claims_open().filter(due_on__lt=today, paused_on__isnull=True)


def claims_needing_reminders(*, today: date) -> QuerySet[Claim]:
    """Open, running claims that have a reminder or escalation due on ``today``."""
    from .services import REMINDER_DAYS

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
    """The figures of the dashboard block, in two queries."""
    is_open = Q(status__in=Claim.OPEN_STATUSES)
    # A paused claim's due date will move when it resumes: like the list's "due" filter
    # (which the tiles link to), the due-date tiles count running claims only.
    running = is_open & Q(paused_on__isnull=True)
    counts = Claim.objects.aggregate(
        open=Count("pk", filter=is_open),
        due_today=Count("pk", filter=running & Q(due_on=today)),
        due_this_week=Count(
            "pk", filter=running & Q(due_on__range=(today, today + timedelta(days=WEEK_DAYS)))
        ),
        overdue=Count("pk", filter=running & Q(due_on__lt=today)),
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
