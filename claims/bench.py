"""Measures of the daily reminder sweep at scale (see ``manage.py bench``, issue 14)."""

from homeshop_privacy.benchmarks import Measure, raw_sql

from . import services
from .selectors import claims_needing_reminders

SWEPT = (services.REASON_REMINDER, services.REASON_ESCALATION)


def _forget_sweeps(state=None):
    """Remove what a sweep wrote, so the next run writes it all again."""
    for table in ("homeshop_privacy_historicaloutboundmessage", "homeshop_privacy_outboundmessage"):
        raw_sql(f"DELETE FROM {table} WHERE reason = ANY(%s)", [list(SWEPT)])


def _first_run_state():
    from django.utils import timezone

    from homeshop_privacy.calendar import local_date

    _forget_sweeps()
    today = local_date(timezone.now())
    return {"today": today, "claims": claims_needing_reminders(today=today).count()}


def _sweep(state):
    state["sent"] = services.claims_reminders_sweep(today=state["today"])


def _rerun_state():
    state = _first_run_state()
    _sweep(state)
    return state


MEASURES = [
    Measure(
        "claims: reminder sweep, every reminder written",
        setup=_first_run_state,
        run=_sweep,
        after=_forget_sweeps,
    ),
    Measure(
        "claims: reminder sweep again, nothing to send",
        setup=_rerun_state,
        run=_sweep,
    ),
]
