"""The compliance summary (issue 13): what an auditor or an officer opens first, and what
the regulator is sent, for a chosen period.

Each figure is one aggregate query (``COUNT ... FILTER``, ``GROUP BY``): the page costs a
handful of queries whatever the number of claims, events or register entries. It reads
the apps' models through the app registry (the page is cross-cutting; a per-app section
registry can replace this when the customer-page registry lands).
"""

import dataclasses
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from .calendar import KZ_TZ, local_date

#: Who may open the summary: the permissions of everything it shows.
SUMMARY_PERMISSIONS = (
    "accounts.view_user",
    "claims.view_claim",
    "consents.view_consentevent",
    "disclosures.view_disclosure",
    "disclosures.view_breachincident",
)


def may_view_summary(user) -> bool:
    return user.is_active and user.is_staff and user.has_perms(SUMMARY_PERMISSIONS)


@dataclasses.dataclass(frozen=True)
class Period:
    start: date  # first day, Almaty
    end: date  # last day, Almaty, inclusive

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=KZ_TZ)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=KZ_TZ)

    @classmethod
    def default(cls, today: date | None = None) -> "Period":
        today = today or local_date(timezone.now())
        return cls(date(today.year, 1, 1), today)


@dataclasses.dataclass(frozen=True)
class ClaimFigures:
    received: int
    answered_on_time: int
    answered_late: int
    open_in_term: int
    open_overdue: int
    closed_unanswered: int


def claims_figures(period: Period, *, today: date) -> ClaimFigures:
    """6.2: claims received in the period, by whether their answer came within the term."""
    Claim = apps.get_model("claims", "Claim")
    unanswered = Q(answered_at__isnull=True)
    is_open = Q(status__in=Claim.OPEN_STATUSES)
    row = Claim.objects.filter(received_on__range=(period.start, period.end)).aggregate(
        n_received=Count("pk"),
        n_on_time=Count("pk", filter=Q(answered_at__isnull=False, answered_on_time=True)),
        n_late=Count("pk", filter=Q(answered_at__isnull=False, answered_on_time=False)),
        n_in_term=Count("pk", filter=unanswered & is_open & Q(due_on__gte=today)),
        n_overdue=Count("pk", filter=unanswered & is_open & Q(due_on__lt=today)),
        n_closed=Count("pk", filter=unanswered & ~is_open),
    )
    return ClaimFigures(
        received=row["n_received"],
        answered_on_time=row["n_on_time"],
        answered_late=row["n_late"],
        open_in_term=row["n_in_term"],
        open_overdue=row["n_overdue"],
        closed_unanswered=row["n_closed"],
    )


@dataclasses.dataclass(frozen=True)
class BreachRow:
    reference: str
    title: str
    discovered_at: datetime
    notification_started_at: datetime | None
    affected: int

    @property
    def days_to_notify(self) -> int | None:
        if self.notification_started_at is None:
            return None
        return (local_date(self.notification_started_at) - local_date(self.discovered_at)).days


def breach_rows(period: Period, *, limit: int = 200) -> list[BreachRow]:
    """5.4.4: incidents discovered in the period, and when telling customers began
    (``affected_count`` is the incident's own counter, kept with the affected rows)."""
    Incident = apps.get_model("disclosures", "BreachIncident")
    rows = (
        Incident.objects.filter(discovered_at__gte=period.since, discovered_at__lt=period.until)
        .order_by("discovered_at", "pk")
        .values_list(
            "reference", "title", "discovered_at", "notification_started_at", "affected_count"
        )[:limit]
    )
    return [BreachRow(*row) for row in rows]


@dataclasses.dataclass(frozen=True)
class ConsentRow:
    code: str
    title: str
    given: int
    withdrawn: int


def consent_rows(period: Period) -> list[ConsentRow]:
    """4.2, 4.3: consents given and withdrawn per purpose in the period (the ledger)."""
    Purpose = apps.get_model("consents", "Purpose")
    Event = apps.get_model("consents", "ConsentEvent")
    in_period = Q(events__occurred_at__gte=period.since, events__occurred_at__lt=period.until)
    purposes = Purpose.objects.annotate(
        given=Count("events", filter=in_period & Q(events__action=Event.Action.GRANT)),
        withdrawn=Count("events", filter=in_period & Q(events__action=Event.Action.WITHDRAW)),
    ).order_by("kind", "position")
    return [ConsentRow(p.code, p.title, p.given, p.withdrawn) for p in purposes]


@dataclasses.dataclass(frozen=True)
class RecipientRow:
    name: str
    disclosures: int
    voided: int
    lines: int


def disclosure_rows(period: Period, *, limit: int = 100) -> list[RecipientRow]:
    """5.3, 5.4: register entries per recipient in the period (voided ones counted apart)."""
    Disclosure = apps.get_model("disclosures", "Disclosure")
    rows = (
        Disclosure.objects.filter(disclosed_at__gte=period.since, disclosed_at__lt=period.until)
        .values("recipient__legal_name")
        .annotate(
            total=Count("pk", distinct=True),
            voided=Count("pk", distinct=True, filter=Q(void__isnull=False)),
            lines=Count("lines"),
        )
        .order_by("-total", "recipient__legal_name")[:limit]
    )
    return [
        RecipientRow(r["recipient__legal_name"], r["total"] - r["voided"], r["voided"], r["lines"])
        for r in rows
    ]


@dataclasses.dataclass(frozen=True)
class StaffRow:
    email: str
    full_name: str
    roles: str
    is_superuser: bool
    last_login: datetime | None


def staff_rows() -> list[StaffRow]:
    """1.5: who has access to the back office now, and when each last signed in."""
    User = get_user_model()
    users = (
        User.objects.filter(is_active=True, is_staff=True)
        .prefetch_related("groups")
        .order_by("email")
    )
    return [
        StaffRow(
            u.email,
            u.full_name,
            ", ".join(sorted(g.name for g in u.groups.all())),
            u.is_superuser,
            u.last_login,
        )
        for u in users
    ]


# --- charts: inline SVG, drawn here (no script, no CDN; the CSP allows neither) -----------

BAR_HEIGHT = 20
LABEL_WIDTH = 190
CHART_WIDTH = 460
LABEL_CHARS = 26


def svg_bars(rows: list[tuple[str, list[tuple[int, str, str]]]], *, title: str):
    """Horizontal stacked bars: one row per label, each part (value, css class, legend).

    Scaled to the largest row total; a zero row still shows its label and "0"."""
    from django.utils.html import format_html, format_html_join

    largest = max((sum(v for v, _c, _n in parts) for _label, parts in rows), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 40
    height = BAR_HEIGHT * len(rows) + 8
    items = []
    for index, (label, parts) in enumerate(rows):
        y = index * BAR_HEIGHT + 4
        short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        items.append(
            format_html('<text x="0" y="{}">{}<title>{}</title></text>', y + 14, short, label)
        )
        x = LABEL_WIDTH
        for value, css, legend in parts:
            width = round(span * value / largest)
            if width:
                items.append(
                    format_html(
                        '<rect class="{}" x="{}" y="{}" width="{}" height="{}">'
                        "<title>{}: {}</title></rect>",
                        css,
                        x,
                        y,
                        width,
                        BAR_HEIGHT - 4,
                        legend,
                        value,
                    )
                )
            x += width
        total = sum(v for v, _c, _n in parts)
        items.append(format_html('<text x="{}" y="{}">{}</text>', x + 4, y + 14, total))
    body = format_html_join("", "{}", ((item,) for item in items))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {} {}" '
        'width="{}" height="{}"><title>{}</title>{}</svg>',
        CHART_WIDTH,
        height,
        CHART_WIDTH,
        height,
        title,
        body,
    )
