"""Kazakhstan's working-day calendar, and the 6.2 term computed on it.

6.2: the claimant is answered within 30 calendar days of receipt. The term is counted
in calendar days from the day after receipt (Civil Code of RK, art. 173, 175), and when
its last day is a non-working day the term ends on the next working day (art. 174, 175).

Non-working days come from three sources, in this order of precedence:

1. ``CalendarOverride`` rows an officer adds for a one-off day off or working day (a
   decree the ``holidays`` package does not know yet);
2. the ``holidays`` package's KZ calendar: public holidays, days off moved from a holiday
   that fell on a weekend (Labour Code art. 85), days off substituted by government
   decree, and the weekend days that decree made working days (``weekend_workdays``);
3. Saturday and Sunday.

Dates are days in Asia/Almaty (the business's time zone): a moment of receipt is first
turned into the local date, whatever the server's clock or the UTC date says.
"""

import dataclasses
import functools
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

KZ_TZ = ZoneInfo("Asia/Almaty")
#: 6.2: the default term, in calendar days.
DEFAULT_TERM_DAYS = 30
# A run of non-working days is never longer than this (New Year + Christmas is ~9).
_LONGEST_RUN = 40


class DayKind:
    WORKING = "working"
    SATURDAY = "saturday"
    SUNDAY = "sunday"
    HOLIDAY = "holiday"
    MOVED_DAY_OFF = "moved_day_off"
    OVERRIDE_DAY_OFF = "override_day_off"
    OVERRIDE_WORKING = "override_working"


# The package's English holiday names, marked for translation into Russian and Kazakh.
HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day"),
    "Orthodox Christmas": _("Orthodox Christmas"),
    "International Women's Day": _("International Women's Day"),
    "Nowruz Holiday": _("Nauryz"),
    "Kazakhstan's People Solidarity Holiday": _("Unity Day of the People of Kazakhstan"),
    "Defender of the Fatherland Day": _("Defender of the Fatherland Day"),
    "Victory Day": _("Victory Day"),
    "Capital Day": _("Capital Day"),
    "Constitution Day": _("Constitution Day"),
    "Republic Day": _("Republic Day"),
    "Independence Day": _("Independence Day"),
    "Eid al-Adha": _("Kurban Ait"),
    "First President Day": _("First President Day"),
}
_OBSERVED = re.compile(r"^(?P<name>.+) \(observed(?:, estimated)?\)$")
_SUBSTITUTED = re.compile(r"^Day off \(substituted from (?P<m>\d\d)/(?P<d>\d\d)/(?P<y>\d{4})\)$")
_ESTIMATED = re.compile(r" \(estimated\)$")


@dataclasses.dataclass(frozen=True)
class DayStatus:
    """Whether a day is a working day in Kazakhstan, and why not."""

    day: date
    kind: str
    #: The package's English holiday name, or the officer's note for an override.
    name: str = ""
    #: For a moved day off: the day whose rest it carries (a weekend holiday or workday).
    moved_from: date | None = None

    @property
    def working(self) -> bool:
        return self.kind in (DayKind.WORKING, DayKind.OVERRIDE_WORKING)

    def reason(self) -> str:
        """Why the day is not a working day, in the active language."""
        day = short_date(self.day)
        if self.kind == DayKind.SATURDAY:
            return gettext("%(day)s is a Saturday") % {"day": day}
        if self.kind == DayKind.SUNDAY:
            return gettext("%(day)s is a Sunday") % {"day": day}
        if self.kind == DayKind.HOLIDAY:
            return gettext("%(day)s is a public holiday (%(name)s)") % {
                "day": day,
                "name": holiday_name(self.name),
            }
        if self.kind == DayKind.MOVED_DAY_OFF and self.name:
            return gettext("%(day)s is a day off in place of %(name)s") % {
                "day": day,
                "name": holiday_name(self.name),
            }
        if self.kind == DayKind.MOVED_DAY_OFF:
            return gettext("%(day)s is a day off moved from %(from)s") % {
                "day": day,
                "from": short_date(self.moved_from),
            }
        if self.kind == DayKind.OVERRIDE_DAY_OFF:
            return gettext("%(day)s is a day off (%(note)s)") % {"day": day, "note": self.name}
        return ""


@dataclasses.dataclass(frozen=True)
class Deadline:
    """The end of a term: the nominal last day and the working day it moved to."""

    received_on: date
    term_days: int
    last_day: date
    due_on: date
    #: The non-working days stepped over, from ``last_day`` on.
    skipped: tuple[DayStatus, ...] = ()

    @property
    def moved(self) -> bool:
        return self.due_on != self.last_day

    def reasons(self) -> list[str]:
        return [status.reason() for status in self.skipped]

    def explanation(self) -> str:
        """E.g. "31 October is a Saturday, 1 November is a Sunday → 2 November"; "" if not moved."""
        if not self.moved:
            return ""
        return f"{', '.join(self.reasons())} → {short_date(self.due_on)}"

    def skipped_as_json(self) -> list[dict]:
        """A JSON-storable form, kept on a row so the reason shown never drifts."""
        return [
            {
                "day": s.day.isoformat(),
                "kind": s.kind,
                "name": s.name,
                "moved_from": s.moved_from.isoformat() if s.moved_from else None,
            }
            for s in self.skipped
        ]


def skipped_from_json(items: list[dict] | None) -> tuple[DayStatus, ...]:
    return tuple(
        DayStatus(
            day=date.fromisoformat(item["day"]),
            kind=item["kind"],
            name=item.get("name") or "",
            moved_from=date.fromisoformat(item["moved_from"]) if item.get("moved_from") else None,
        )
        for item in items or ()
    )


def explain_skipped(items: list[dict] | None, due_on: date) -> str:
    """The stored reasons of a moved deadline, in the active language."""
    skipped = skipped_from_json(items)
    if not skipped:
        return ""
    return f"{', '.join(s.reason() for s in skipped)} → {short_date(due_on)}"


def short_date(day: date) -> str:
    # "31 October" / "31 октября" / "31 қазан": day and month in the active language.
    return formats.date_format(day, "j E")


def holiday_name(name: str) -> str:
    parts = [HOLIDAY_NAMES.get(part.strip(), part.strip()) for part in name.split(";")]
    return "; ".join(str(part) for part in parts)


def local_date(moment: datetime) -> date:
    """The date in Asia/Almaty of an aware moment (a receipt at 00:30 Almaty is that day)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("A moment of receipt must carry its time zone.")
    return moment.astimezone(KZ_TZ).date()


@functools.lru_cache(maxsize=32)
def _package_year(year: int) -> holidays.HolidayBase:
    # Immutable reference data: a per-process cache holds nothing that can go stale
    # except through a new release of the package.
    return holidays.country_holidays("KZ", years=year, language="en_US")


def _package_status(day: date) -> DayStatus:
    calendar = _package_year(day.year)
    name = calendar.get(day)
    if name:
        names = [part.strip() for part in name.split(";")]
        base_names = []
        for part in names:
            if match := _SUBSTITUTED.match(part):
                moved_from = date(int(match["y"]), int(match["m"]), int(match["d"]))
                return DayStatus(day, DayKind.MOVED_DAY_OFF, moved_from=moved_from)
            if match := _OBSERVED.match(part):
                return DayStatus(day, DayKind.MOVED_DAY_OFF, name=match["name"])
            base_names.append(_ESTIMATED.sub("", part))
        return DayStatus(day, DayKind.HOLIDAY, name="; ".join(base_names))
    if day.weekday() == 5 and day not in calendar.weekend_workdays:
        return DayStatus(day, DayKind.SATURDAY)
    if day.weekday() == 6 and day not in calendar.weekend_workdays:
        return DayStatus(day, DayKind.SUNDAY)
    return DayStatus(day, DayKind.WORKING)


def _overrides(start: date, end: date) -> dict[date, tuple[str, str]]:
    from .models import CalendarOverride

    rows = CalendarOverride.objects.filter(day__range=(start, end)).values_list(
        "day", "kind", "note"
    )
    return {day: (kind, note) for day, kind, note in rows}


def _status(day: date, overrides: dict[date, tuple[str, str]]) -> DayStatus:
    from .models import CalendarOverride

    if day in overrides:
        kind, note = overrides[day]
        if kind == CalendarOverride.Kind.DAY_OFF:
            return DayStatus(day, DayKind.OVERRIDE_DAY_OFF, name=note)
        return DayStatus(day, DayKind.OVERRIDE_WORKING, name=note)
    return _package_status(day)


def day_status(day: date) -> DayStatus:
    return _status(day, _overrides(day, day))


def term_deadline(*, received: datetime | date, term_days: int = DEFAULT_TERM_DAYS) -> Deadline:
    """6.2: the due date of a term of ``term_days`` calendar days from ``received``.

    ``received`` is the moment of receipt (aware datetime, turned into the Almaty date)
    or that date itself. Day 1 is the day after receipt (Civil Code art. 175); if the
    last day is not a working day, the term ends on the next working day (art. 174).
    """
    if term_days < 1:
        raise ValueError("A term is at least one day.")
    received_on = local_date(received) if isinstance(received, datetime) else received
    last_day = received_on + timedelta(days=term_days)
    day = last_day
    skipped: list[DayStatus] = []
    while True:
        # One query for the stretch that can follow the last day; a longer run is
        # impossible in practice but would just load the next stretch.
        overrides = _overrides(day, day + timedelta(days=_LONGEST_RUN))
        for _step in range(_LONGEST_RUN + 1):
            status = _status(day, overrides)
            if status.working:
                return Deadline(received_on, term_days, last_day, day, tuple(skipped))
            skipped.append(status)
            day += timedelta(days=1)


def working_days_deadline(*, received: datetime | date, term_days: int) -> Deadline:
    """Issue 11: the due date of a term of ``term_days`` WORKING days from ``received``
    (Law 94-V art. 25 p.2: 1 working day; art. 8 p.7: 15 working days).

    Day 1 is the first working day after the day of receipt; the term ends on the
    ``term_days``-th working day. ``skipped`` holds the non-working days stepped over, so
    the reason a term is longer in calendar days is shown like 6.2's.
    """
    if term_days < 1:
        raise ValueError("A term is at least one day.")
    received_on = local_date(received) if isinstance(received, datetime) else received
    last_day = received_on + timedelta(days=term_days)
    day = received_on
    counted = 0
    skipped: list[DayStatus] = []
    overrides = _overrides(day, day + timedelta(days=term_days * 2 + _LONGEST_RUN))
    while True:
        day += timedelta(days=1)
        if day not in overrides and (day - received_on).days % _LONGEST_RUN == 0:
            overrides |= _overrides(day, day + timedelta(days=_LONGEST_RUN))
        status = _status(day, overrides)
        if not status.working:
            skipped.append(status)
            continue
        counted += 1
        if counted == term_days:
            return Deadline(received_on, term_days, last_day, day, tuple(skipped))


# --- the yearly check (issue 13) ----------------------------------------------------------

#: From this day of a year (Almaty), the admin asks an officer to confirm the next year.
CONFIRM_NEXT_YEAR_FROM = (11, 1)


@dataclasses.dataclass(frozen=True)
class YearDay:
    """One day of a year where the package or an officer says something other than
    "a weekday is a working day, Saturday and Sunday are not"."""

    day: date
    package: DayStatus
    override_kind: str = ""  # CalendarOverride.Kind, or "" when none
    override_note: str = ""

    @property
    def package_says(self) -> str:
        if self.package.working:
            if self.day.weekday() >= 5:
                return gettext("working day (moved by decree)")
            return gettext("working day")
        return self.package.reason()

    @property
    def working(self) -> bool:
        from .models import CalendarOverride

        if self.override_kind:
            return self.override_kind == CalendarOverride.Kind.WORKING_DAY
        return self.package.working


def year_review(year: int) -> list[YearDay]:
    """The package's days off and moved working days of ``year``, and the officers'
    overrides, side by side (one query)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    overrides = _overrides(start, end)
    package = _package_year(year)
    rows = []
    day = start
    while day <= end:
        status = _package_status(day)
        plain = status.kind in (DayKind.SATURDAY, DayKind.SUNDAY) or (
            status.kind == DayKind.WORKING and day not in package.weekend_workdays
        )
        if not plain or day in overrides:
            kind, note = overrides.get(day, ("", ""))
            rows.append(YearDay(day, status, kind, note))
        day += timedelta(days=1)
    return rows


def year_to_confirm(today: date) -> int | None:
    """The year an officer should confirm now: the next one, from 1 November."""
    if (today.month, today.day) >= CONFIRM_NEXT_YEAR_FROM:
        return today.year + 1
    return None


def package_version() -> str:
    return holidays.__version__


def calendar_confirmation_latest(year: int):
    """The latest confirmation of ``year``'s calendar, with who made it; None if none."""
    from .models import CalendarConfirmation

    return (
        CalendarConfirmation.objects.filter(year=year)
        .select_related("confirmed_by")
        .order_by("-confirmed_at", "-pk")
        .first()
    )


@transaction.atomic
def calendar_year_confirm(*, year: int, actor):
    """An officer says ``year``'s days off and overrides match the government's decrees."""
    from .errors import DomainError
    from .models import CalendarConfirmation, CalendarOverride

    if not 2000 <= year <= 2100:
        raise DomainError(gettext("There is no calendar of %(year)s to confirm.") % {"year": year})
    overrides = CalendarOverride.objects.filter(day__year=year).count()
    return CalendarConfirmation.objects.create(
        year=year, confirmed_by=actor, package_version=package_version(), overrides=overrides
    )
