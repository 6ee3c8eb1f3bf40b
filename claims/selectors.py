"""Reads of the claims register, returning querysets with their joins."""

import dataclasses
from datetime import date, timedelta

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate
from django.urls import reverse

from homeshop_privacy.calendar import KZ_TZ

from .models import REMINDER_DAYS, Claim, ClaimCategory, ClaimTally, TermUnit

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
    """The admin list: one query for the rows and what each row shows (not the customer:
    no column shows it, and joining a million customers cost each page, issue 14)."""
    return Claim.objects.select_related("category", "assignee")


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


def claims_with_reminders_unwritten(
    *, today: date, officers: list[str], reminder_reason: str, escalation_reason: str
) -> QuerySet[Claim]:
    """``claims_needing_reminders`` less those whose every message due ``today`` is already
    in the outbox (issue 14): the anti-join is in SQL, through the outbox's unique
    (reason, object_key, recipient) index, so a second sweep the same day reads no claim.

    Due today (``claims.services._reminders_due`` says the same in Python): to each of the
    ``officers`` (their addresses) an ``unassigned`` reminder for a claim with nobody
    (active) assigned, an ``overdue`` escalation for a claim past its due date; to the
    assignee a ``due-N`` reminder N days (7, 3, 1, 0) before it. Keys as
    ``outbox.object_key(claim, kind, today)``.
    """
    from homeshop_privacy.models import OutboundMessage

    def key(kind):
        return Concat(
            Value(f"{Claim._meta.label_lower}:"),
            Cast(OuterRef("pk"), CharField()),
            Value(":"),
            kind,
            Value(f":{today.isoformat()}"),
        )

    def written(reason, kind, recipients):
        rows = OutboundMessage.objects.filter(
            reason=reason, object_key=key(kind), recipient__in=recipients
        )
        return Subquery(rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))

    due_kind = Case(
        *(
            When(due_on=today + timedelta(days=days), then=Value(f"due-{days}"))
            for days in REMINDER_DAYS
        ),
        default=Value(""),
    )
    nobody = Q(assignee__isnull=True) | Q(assignee__is_active=False)
    wanted = len(officers)
    missing = Q(
        due_on__in=[today + timedelta(days=days) for days in REMINDER_DAYS],
        assignee__is_active=True,
        due_written=0,
    )
    if wanted:
        missing |= Q(unassigned_written__lt=wanted)
        missing |= Q(due_on__lt=today, overdue_written__lt=wanted)
        # In a CASE, so that the outbox is looked up only for the claims with nobody
        # (PostgreSQL would otherwise check every open claim before the join to the user).
        unassigned = Case(
            When(nobody, then=written(reminder_reason, Value("unassigned"), officers)),
            default=Value(wanted),
        )
        overdue = written(escalation_reason, Value("overdue"), officers)
    else:
        unassigned = overdue = Value(0)
    return (
        claims_needing_reminders(today=today)
        .alias(due_kind=due_kind)
        .alias(
            unassigned_written=unassigned,
            overdue_written=overdue,
            due_written=Subquery(
                OutboundMessage.objects.filter(
                    reason=reminder_reason,
                    object_key=key(OuterRef("due_kind")),
                    recipient=OuterRef("assignee__email"),
                )
                .order_by()
                .annotate(n=Func(F("pk"), function="COUNT"))
                .values("n")
            ),
        )
        .filter(missing)
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
    """The figures of the dashboard block, in one query over the kept tallies (issue 14).

    ``ClaimTally`` holds open claims by due date and answers by day, kept by the services
    in the transaction of each change: the tiles sum a few dozen rows instead of counting
    every claim on each view of the list. Each tile counts exactly what the list's
    due-date view it links to shows; the on-time rate covers the answers of the last
    ``ON_TIME_WINDOW_DAYS`` days (Almaty dates, today included).
    """
    kind = ClaimTally.Kind
    since = today - timedelta(days=ON_TIME_WINDOW_DAYS)

    def total(condition: Q):
        return Coalesce(Sum("claims", filter=condition), 0)

    counts = ClaimTally.objects.filter(
        Q(kind__in=[kind.RUNNING, kind.PAUSED]) | Q(day__gte=since)
    ).aggregate(
        open=total(Q(kind__in=[kind.RUNNING, kind.PAUSED])),
        due_today=total(Q(kind=kind.RUNNING, day=today)),
        due_this_week=total(
            Q(kind=kind.RUNNING, day__range=(today, today + timedelta(days=WEEK_DAYS)))
        ),
        overdue=total(Q(kind=kind.RUNNING, day__lt=today)),
        answered=total(Q(kind=kind.ANSWERED, day__gte=since)),
        on_time=total(Q(kind=kind.ON_TIME, day__gte=since)),
    )
    return Dashboard(
        open=counts["open"],
        due_this_week=counts["due_this_week"],
        due_today=counts["due_today"],
        overdue=counts["overdue"],
        answered_recently=counts["answered"],
        answered_on_time=counts["on_time"],
    )


def claim_tallies_counted() -> dict[tuple[str, date], int]:
    """What ``ClaimTally`` should hold, counted from the claims themselves (every claim
    read: for a rebuild and for checking the kept tallies, never for a page view)."""
    kind = ClaimTally.Kind
    answered_day = TruncDate("answered_at", tzinfo=KZ_TZ)
    open_claims = Claim.objects.filter(status__in=Claim.OPEN_STATUSES)
    answered = Claim.objects.filter(answered_at__isnull=False)
    groups = [
        (kind.RUNNING, open_claims.filter(paused_on__isnull=True), "due_on"),
        (kind.PAUSED, open_claims.filter(paused_on__isnull=False), "due_on"),
        (kind.ANSWERED, answered, answered_day),
        (kind.ON_TIME, answered.filter(answered_on_time=True), answered_day),
    ]
    counted = {}
    for name, claims, day in groups:
        rows = claims.order_by().values_list(day).annotate(n=Count("pk"))
        counted.update({(name.value, row_day): n for row_day, n in rows})
    return counted
