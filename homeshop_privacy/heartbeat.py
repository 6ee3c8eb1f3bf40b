"""Nothing stops silently (issue 9 §6): heartbeats of beat and the workers, and the alarm.

- **Beat** records its heartbeat itself, on every tick of its scheduler
  (``HeartbeatScheduler``, ``CELERY_BEAT_SCHEDULER``): beat alive.
- **Workers** record theirs when they start and whenever one runs
  ``homeshop_privacy.worker_heartbeat``, which beat schedules every
  ``HEARTBEAT_INTERVAL`` seconds: a worker is consuming what beat schedules.
- ``operations_problems`` names what needs attention: a heartbeat older than
  ``HEARTBEAT_MAX_AGE``, outbox messages that failed for good, and a heartbeat that never
  came, once ``HEARTBEAT_MAX_AGE`` has passed since the monitor first found it missing (a
  grace period: beat and the workers start after the web server, no alarm for that).
- ``operations_check`` runs in the *web* process (the admin index, the health endpoint),
  so it works when beat, the workers or the broker are the part that stopped. It opens an
  ``OperationsOutage`` and emails the officers directly with ``django.core.mail`` (not
  through the outbox, whose sending needs a worker), once per outage; the outage closes
  when every check passes again.
"""

import dataclasses
import logging
import time
from datetime import datetime, timedelta

from celery.beat import PersistentScheduler
from celery.signals import worker_ready
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, IntegrityError, close_old_connections, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import roles
from .models import Heartbeat, OperationsOutage, OutboundMessage
from .timestamps import display_datetime

logger = logging.getLogger(__name__)


# --- heartbeats -----------------------------------------------------------------------------


def heartbeat_record(*, kind: str, at: datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(kind=kind, defaults={"seen_at": at or timezone.now()})


def heartbeat_ages(*, now: datetime | None = None) -> dict[str, timedelta | None]:
    """Age of each kind's last heartbeat; None when it never reported."""
    now = now or timezone.now()
    seen = dict(Heartbeat.objects.filter(seen_at__isnull=False).values_list("kind", "seen_at"))
    return {kind: (now - seen[kind]) if kind in seen else None for kind in Heartbeat.Kind.values}


def _missing_since(*, kinds: list[str], now: datetime) -> dict[str, datetime]:
    """When the monitor first found each of ``kinds`` (never reported) missing; recorded
    the first time it looks, in the database, so every web process counts from then."""
    for kind in kinds:
        try:
            with transaction.atomic():
                Heartbeat.objects.get_or_create(kind=kind, defaults={"missing_since": now})
        except IntegrityError:
            pass  # another process recorded it (or the process itself reported) just now
    rows = Heartbeat.objects.filter(kind__in=kinds, seen_at__isnull=True)
    return dict(rows.values_list("kind", "missing_since"))


def heartbeats_overdue(*, now: datetime | None = None) -> dict[str, timedelta | None]:
    """The kinds that need attention, with the age of their last heartbeat (None: it never
    reported, and ``HEARTBEAT_MAX_AGE`` has passed since it was first found missing)."""
    now = now or timezone.now()
    max_age = timedelta(seconds=settings.HEARTBEAT_MAX_AGE)
    ages = heartbeat_ages(now=now)
    never = [kind for kind, age in ages.items() if age is None]
    missing_since = _missing_since(kinds=never, now=now) if never else {}
    overdue: dict[str, timedelta | None] = {}
    for kind, age in ages.items():
        if age is not None and age > max_age:
            overdue[kind] = age
        elif age is None and now - missing_since.get(kind, now) > max_age:
            overdue[kind] = None
    return overdue


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's scheduler, recording beat's heartbeat on its ticks.

    A failing database must not stop beat: the heartbeat is then skipped (and goes stale,
    which is what the web process reports).
    """

    _last_heartbeat = float("-inf")

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        if time.monotonic() - self._last_heartbeat >= settings.HEARTBEAT_INTERVAL / 2:
            close_old_connections()
            try:
                heartbeat_record(kind=Heartbeat.Kind.BEAT)
                self._last_heartbeat = time.monotonic()
            except DatabaseError as exc:
                logger.warning("heartbeat.beat_failed error=%s", type(exc).__name__)
            finally:
                close_old_connections()
        return min(interval, settings.HEARTBEAT_INTERVAL / 2)


@worker_ready.connect(dispatch_uid="homeshop_heartbeat_worker_ready")
def _worker_started(**kwargs):
    try:
        heartbeat_record(kind=Heartbeat.Kind.WORKER)
    except DatabaseError as exc:
        logger.warning("heartbeat.worker_failed error=%s", type(exc).__name__)
    finally:
        close_old_connections()


# --- what needs attention -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing that needs an operator; ``text()`` speaks the active language."""

    code: str  # "beat", "worker", "outbox": what the outage row records
    minutes: int | None = None
    count: int = 0

    def text(self) -> str:
        what = self._what()
        if self.code == Heartbeat.Kind.BEAT:
            return f"{what} " + _("Ask the operator to start the Celery scheduler (beat).")
        if self.code == Heartbeat.Kind.WORKER:
            return f"{what} " + _("Ask the operator to start a Celery worker.")
        return what

    def _what(self) -> str:
        if self.code == Heartbeat.Kind.BEAT:
            if self.minutes is None:
                return _(
                    "Celery beat has never reported: scheduled jobs (outbox sweep, claim "
                    "reminders, breach notices) do not run."
                )
            return ngettext(
                "Celery beat last reported %(minutes)d minute ago: scheduled jobs (outbox "
                "sweep, claim reminders, breach notices) do not run.",
                "Celery beat last reported %(minutes)d minutes ago: scheduled jobs (outbox "
                "sweep, claim reminders, breach notices) do not run.",
                self.minutes,
            ) % {"minutes": self.minutes}
        if self.code == Heartbeat.Kind.WORKER:
            if self.minutes is None:
                return _("No Celery worker has ever reported: emails and reminders are not sent.")
            return ngettext(
                "No Celery worker has run a scheduled task for %(minutes)d minute: emails and "
                "reminders may not be sent.",
                "No Celery worker has run a scheduled task for %(minutes)d minutes: emails and "
                "reminders may not be sent.",
                self.minutes,
            ) % {"minutes": self.minutes}
        return ngettext(
            "%(count)d email failed for good: see the outbox and retry it.",
            "%(count)d emails failed for good: see the outbox and retry them.",
            self.count,
        ) % {"count": self.count}


def operations_problems(*, now: datetime | None = None) -> list[Problem]:
    now = now or timezone.now()
    problems = []
    for kind, age in heartbeats_overdue(now=now).items():
        if age is None:
            problems.append(Problem(code=kind))
        else:
            problems.append(Problem(code=kind, minutes=int(age.total_seconds() // 60)))
    failed = OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED).count()
    if failed:
        problems.append(Problem(code="outbox", count=failed))
    return problems


# --- the alarm ------------------------------------------------------------------------------


def officer_addresses() -> list[str]:
    users = get_user_model().objects.filter(
        is_active=True, is_staff=True, groups__name=roles.COMPLIANCE_OFFICER
    )
    return sorted({email for email in users.values_list("email", flat=True) if email})


def _alert_send(*, problems: list[Problem], now: datetime) -> bool:
    recipients = officer_addresses()
    if not recipients:
        logger.warning("operations.alert_no_officers")
        return False
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("The privacy back office found a problem at %(time)s (Asia/Almaty):")
            % {"time": display_datetime(now)},
            "",
            *(f"- {problem.text()}" for problem in problems),
            "",
            _("The admin index shows the state: %(url)s") % {"url": _admin_index_url()},
            _("This email is sent once per outage; nothing else is sent until it is resolved."),
        ]
        subject = _("Homeshop privacy: background processing needs attention")
    message = EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        connection=get_connection(fail_silently=False),
    )
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - any mail failure: retried on a later check
        logger.warning("operations.alert_failed error=%s", type(exc).__name__)
        return False
    return True


def _admin_index_url() -> str:
    return settings.SITE_URL + reverse("admin:index")


def outage_update(
    *, problems: list[Problem], now: datetime | None = None
) -> OperationsOutage | None:
    """Open, alert or close the outage for the problems found now; returns the open outage.

    The open row is locked while deciding, so two requests at once send one email.
    """
    now = now or timezone.now()
    with transaction.atomic():
        outage = OperationsOutage.objects.select_for_update().filter(closed_at__isnull=True).first()
        if not problems:
            if outage is not None:
                outage.closed_at = now
                outage.save(update_fields=["closed_at"])
                logger.info("operations.outage_closed id=%s", outage.pk)
            return None
        codes = {problem.code for problem in problems}
        if outage is None:
            try:
                with transaction.atomic():
                    outage = OperationsOutage.objects.create(
                        opened_at=now, problems=",".join(sorted(codes))
                    )
            except IntegrityError:
                return None  # another process opened it a moment ago and alerts
            logger.info("operations.outage_opened id=%s problems=%s", outage.pk, outage.problems)
        elif not codes <= set(outage.problems.split(",")):
            # Everything that went wrong during the outage, for the record.
            outage.problems = ",".join(sorted(codes | set(outage.problems.split(","))))
            outage.save(update_fields=["problems"])
        if outage.notified_at is not None:
            return outage
        retry = timedelta(seconds=settings.OPS_ALERT_RETRY)
        if outage.notify_attempted_at is not None and now - outage.notify_attempted_at < retry:
            return outage
        outage.notify_attempted_at = now
        if _alert_send(problems=problems, now=now):
            outage.notified_at = now
            logger.info("operations.outage_alerted id=%s", outage.pk)
        outage.save(update_fields=["notify_attempted_at", "notified_at"])
        return outage


def operations_check(*, now: datetime | None = None) -> tuple[list[Problem], datetime | None]:
    """The problems found now and when the officers were emailed about them (None: not yet),
    after opening, alerting or closing the outage they make.

    Off (nothing found, nothing written) when ``OPS_MONITOR`` is false: the test suite,
    whose processes have no beat or worker beside them, turns it on where it tests it.
    """
    if not settings.OPS_MONITOR:
        return [], None
    problems = operations_problems(now=now)
    outage = outage_update(problems=problems, now=now)
    return problems, outage.notified_at if outage is not None else None
