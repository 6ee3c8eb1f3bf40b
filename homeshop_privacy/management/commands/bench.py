"""Benchmarks at scale (issue 14): ``make bench SCALE=0.01`` (default) or ``SCALE=1``.

Two databases of generated data (``homeshop_privacy.bench_data``): one at ``--scale``
(1 = a million customers) and one a hundred times smaller. Each is created, migrated and
filled in SQL on its first use and kept for the next runs (``--regenerate`` starts again).
They are never the development or the test database.

Measured in both, through Django's test client as a superuser: every admin list page
(first page, each filter's first choice, each search, page 1,000), the customer page of
the customer with the most rows, the customer's account page; then the reminder sweep,
the consent selectors and the cost of a customer save (``<app>/bench.py``). For each:

- time: the median of ``--repeat`` runs, interleaved with the raw SQL below;
- queries: how many the page ran, and the slowest of them;
- SQL: the time of the page's own queries, and its ratio to *raw SQL returning the same
  rows* (``SELECT * FROM <table> WHERE id = ANY(<ids on the page>)`` for list pages, the
  hand-written query for selectors), the lower bound of finding those rows;
- growth: time on the large database over time on the small one (1 = does not grow).

Results go to ``docs/benchmarks.md`` (``--output``) with date, machine and scale. No timing
is asserted anywhere. ``COMPARISONS`` of ``<app>/bench.py`` (two ways of doing the same
work) still run in a throwaway test database, as before.
"""

import dataclasses
import logging
import os
import platform
import re
import statistics
import time
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.utils import timezone

from homeshop_privacy import bench_data
from homeshop_privacy.benchmarks import Comparison, Measure

APPS = ("homeshop_privacy", "accounts", "consents", "disclosures", "claims")
MARK_TABLE = "bench_generated"


def _time(fn, repeat: int) -> tuple[float, int]:
    fn()  # warm up caches and connections
    timings = []
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), queries


def _time_pair(baseline, measured, repeat: int) -> tuple[float, float, int, int, float]:
    """Baseline and measured run in alternation, round after round (a load arriving
    mid-run weighs on both alike); medians of each and of the per-round ratios."""
    counts = []
    for fn in (baseline, measured):
        fn()  # warm up caches and connections
        with CaptureQueriesContext(connection) as ctx:
            fn()
        counts.append(len(ctx.captured_queries))
    base_q, meas_q = counts
    base, meas, ratios = [], [], []
    for _ in range(max(repeat, 3)):
        start = time.perf_counter()
        baseline()
        b = time.perf_counter() - start
        start = time.perf_counter()
        measured()
        m = time.perf_counter() - start
        base.append(b)
        meas.append(m)
        ratios.append(m / b)
    return (
        statistics.median(base),
        statistics.median(meas),
        base_q,
        meas_q,
        statistics.median(ratios),
    )


class _QueryTimer:
    """Each query's SQL and wall time (``connection.execute_wrapper``), to the microsecond."""

    def __init__(self):
        self.queries: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, time.perf_counter() - start))


@dataclasses.dataclass
class Result:
    name: str
    seconds: float = 0.0
    queries: int = 0
    sql_seconds: float = 0.0
    raw_seconds: float | None = None
    slowest: str = ""
    slowest_seconds: float = 0.0
    small_seconds: float | None = None
    small_queries: int | None = None
    error: str = ""
    ratio_of: str = "sql"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.raw_seconds:
            measured = self.seconds if self.ratio_of == "time" else self.sql_seconds
            return measured / self.raw_seconds
        return None

    @property
    def growth(self) -> float | None:
        if self.small_seconds:
            return self.seconds / self.small_seconds
        return None


def _selected(name: str, only: str) -> bool:
    return any(part in name for part in only.split("|"))


def _switch(name: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name


def _database_exists(name: str) -> bool:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _scale_tag(scale: float) -> str:
    return re.sub(r"[^0-9]", "_", f"{scale:g}")


class Command(BaseCommand):
    help = "Generate (once) and measure a data set at scale; write docs/benchmarks.md."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=0.01, help="1 = a million customers (issue 14)"
        )
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument(
            "--only", default="", help="run measures whose name contains this (a|b: either)"
        )
        parser.add_argument("--regenerate", action="store_true")
        parser.add_argument("--no-small", action="store_true", help="skip the 100x smaller run")
        parser.add_argument("--output", default="docs/benchmarks.md")
        parser.add_argument(
            "--print-only", action="store_true", help="print, do not write --output"
        )

    # --- databases ------------------------------------------------------------------------

    def _ensure(self, scale: float, regenerate: bool) -> str:
        base = settings.DATABASES["default"]["NAME"]
        base = re.sub(r"_bench_[0-9_]+$", "", base)
        name = f"{base}_bench_{_scale_tag(scale)}"
        if regenerate and _database_exists(name):
            _switch(base)
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE "{name}"')
        if not _database_exists(name):
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        _switch(name)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARK_TABLE} (scale float, at timestamptz)")
            cursor.execute(f"SELECT scale FROM {MARK_TABLE}")
            done = cursor.fetchone()
        # Migrations run on every use: a new index reaches the kept data set too.
        self.stdout.write(f"{name}: migrating")
        call_command("migrate", verbosity=0, interactive=False)
        if done is None:
            self.stdout.write(f"{name}: generating scale {scale:g}")
            start = time.perf_counter()
            bench_data.generate(scale=scale, log=self.stdout.write)
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {MARK_TABLE} VALUES (%s, now())", [scale])
            self.stdout.write(f"{name}: generated in {time.perf_counter() - start:.0f}s")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return name

    # --- measuring ------------------------------------------------------------------------

    def _measure(self, measure: Measure, repeat: int) -> Result:
        result = Result(measure.name, ratio_of=measure.ratio_of)
        try:
            state = measure.setup()
            measure.run(state)  # warm up
            with CaptureQueriesContext(connection) as ctx:
                measure.run(state)
            result.queries = len(ctx.captured_queries)
            times, sql_times, raw_times = [], [], []
            for _ in range(repeat):
                timer = _QueryTimer()
                with connection.execute_wrapper(timer):
                    start = time.perf_counter()
                    measure.run(state)
                    times.append(time.perf_counter() - start)
                sql_times.append(sum(seconds for _sql, seconds in timer.queries))
                slow = max(timer.queries, key=lambda q: q[1], default=None)
                if slow and slow[1] > result.slowest_seconds:
                    result.slowest, result.slowest_seconds = slow
                if measure.raw is not None:
                    start = time.perf_counter()
                    found = measure.raw(state)
                    if found is not False:
                        raw_times.append(time.perf_counter() - start)
                if measure.after is not None:
                    measure.after(state)
            if isinstance(state, dict) and "sent" in state:
                result.note = f"{state['sent']:,} messages from {state.get('claims', 0):,} claims"
            result.seconds = statistics.median(times)
            result.sql_seconds = statistics.median(sql_times)
            if raw_times:
                result.raw_seconds = statistics.median(raw_times)
        except Exception as exc:  # noqa: BLE001 - one broken page must not hide the others
            result.error = f"{type(exc).__name__}: {exc}"[:200]
        reset_queries()
        return result

    def _run_all(self, only: str, repeat: int) -> dict[str, Result]:
        measures: list[Measure] = []
        for app in APPS:
            try:
                module = import_module(f"{app}.bench")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.bench":
                    raise
                continue
            measures += getattr(module, "MEASURES", [])
        from homeshop_privacy.bench_pages import admin_pages

        results = {}
        for measure in [*admin_pages(), *measures]:
            if not _selected(measure.name, only):
                continue
            result = self._measure(measure, repeat)
            results[measure.name] = result
            self.stdout.write(self._line(result))
        return results

    def _line(self, r: Result) -> str:
        if r.error:
            return f"{r.name:<60} ERROR {r.error}"
        ratio = f"{r.ratio:6.1f}x" if r.ratio is not None else "     -"
        return (
            f"{r.name:<60} {r.seconds * 1000:8.1f}ms {r.queries:3}q "
            f"sql {r.sql_seconds * 1000:7.1f}ms raw {ratio}"
        )

    def handle(self, *args, scale, repeat, only, regenerate, no_small, output, print_only, **o):
        if connection.vendor != "postgresql":
            self.stderr.write("make bench needs PostgreSQL (DATABASE_URL).")
            return
        setup_test_environment()
        settings.DEBUG = False
        logging.disable(logging.INFO)  # sign-in and sweep log lines would drown the table
        # Messages written by a sweep are handed to an in-memory broker, not to a worker.
        # (Celery reads CELERY_BROKER_URL from the environment before its configuration.)
        from homeshop_privacy.celery import app

        os.environ["CELERY_BROKER_URL"] = app.conf.broker_url = "memory://"
        base = settings.DATABASES["default"]["NAME"]
        started = timezone.now()
        small = {}
        if not no_small:
            self._ensure(scale / 100, regenerate)
            self.stdout.write(f"--- scale {scale / 100:g} (the 100x smaller data set)")
            small = self._run_all(only, repeat)
        self._ensure(scale, regenerate)
        self.stdout.write(f"--- scale {scale:g}")
        large = self._run_all(only, repeat)
        for name, result in large.items():
            if name in small and not small[name].error:
                result.small_seconds = small[name].seconds
                result.small_queries = small[name].queries
        _switch(base)
        try:
            comparisons = self._comparisons(only, repeat)
        except Exception as exc:  # noqa: BLE001 - the figures above are still worth writing
            self.stderr.write(f"comparisons not measured: {exc}")
            comparisons = []
        text = self._report(scale, started, large, comparisons)
        if print_only:
            self.stdout.write(text)
        else:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            path = Path(output)
            old = path.read_text() if path.exists() else ""
            kept = self._kept_sections(old)
            path.write_text(text + kept)
            self.stdout.write(f"written to {output}")

    def _comparisons(
        self, only: str, repeat: int
    ) -> list[tuple[str, float, float, int, int, float]]:
        comparisons: list[Comparison] = []
        for app in APPS:
            try:
                module = import_module(f"{app}.bench")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.bench":
                    raise
                continue
            comparisons += [
                c for c in getattr(module, "COMPARISONS", []) if _selected(c.name, only)
            ]
        if not comparisons:
            return []
        # A test database of its own: the suite's (test_<name>) may be in use meanwhile.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = (
            f"{connection.settings_dict['NAME']}_bench_comparisons"
        )
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        out = []
        try:
            for comparison in comparisons:
                state = comparison.setup(comparison.size)
                base_t, meas_t, base_q, meas_q, ratio = _time_pair(
                    lambda s=state, c=comparison: c.baseline(s),
                    lambda s=state, c=comparison: c.measured(s),
                    repeat,
                )
                reset_queries()
                out.append((comparison.name, base_t, meas_t, base_q, meas_q, ratio))
                self.stdout.write(
                    f"{comparison.name:<60} {base_t * 1000:7.1f}ms {meas_t * 1000:7.1f}ms "
                    f"{ratio:6.2f}x (median of per-round ratios)"
                )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        return out

    # --- the report -----------------------------------------------------------------------

    KEEP_MARK = "<!-- sections below are written by other commands; make bench keeps them -->"

    def _kept_sections(self, old: str) -> str:
        if self.KEEP_MARK in old:
            return "\n" + old[old.index(self.KEEP_MARK) :]
        return "\n" + self.KEEP_MARK + "\n"

    def _report(self, scale, started, large: dict[str, Result], comparisons) -> str:
        sizes = bench_data.sizes(scale)
        uname = platform.uname()
        cpu = os.cpu_count()
        lines = [
            "# Benchmarks (`make bench`)",
            "",
            f"- date: {started:%Y-%m-%d %H:%M} UTC",
            f"- machine: {uname.system} {uname.release} {uname.machine}, {cpu} cores "
            f"(shared with other work while measuring), Python {platform.python_version()}, "
            f"PostgreSQL {connection.pg_version // 10000}",
            f"- scale {scale:g}: "
            + ", ".join(f"{count:,} {table.replace('_', ' ')}" for table, count in sizes.items()),
            "- time: median of interleaved runs, pages through Django's test client; × raw: a"
            " page's own SQL time / raw SQL returning the same rows (for list pages, those rows"
            " by primary key), for jobs and selectors their whole time / the raw SQL or plain"
            " way named; growth: time here / time on the data set 100x smaller.",
            "",
            "| measure | time ms | queries | SQL ms | × raw | growth | slowest query ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in large.values():
            if r.error:
                lines.append(f"| {r.name} | error: {r.error} | | | | | |")
                continue
            ratio = f"{r.ratio:.1f}" if r.ratio is not None else "–"
            growth = f"{r.growth:.2f}" if r.growth is not None else "–"
            queries = str(r.queries)
            if r.small_queries is not None and r.small_queries != r.queries:
                queries = f"{r.small_queries}→{r.queries}"
            name = f"{r.name} ({r.note})" if r.note else r.name
            lines.append(
                f"| {name} | {r.seconds * 1000:.1f} | {queries} | {r.sql_seconds * 1000:.1f} "
                f"| {ratio} | {growth} | {r.slowest_seconds * 1000:.1f} |"
            )
        if comparisons:
            lines += [
                "",
                "Two ways of doing the same work, in a throwaway test database:",
                "",
                "| comparison | baseline ms | measured ms | ratio (median of rounds) |",
                "|---|---:|---:|---:|",
            ]
            for name, base_t, meas_t, _bq, _mq, ratio in comparisons:
                lines.append(
                    f"| {name} | {base_t * 1000:.1f} | {meas_t * 1000:.1f} | {ratio:.2f} |"
                )
        slow = [r for r in large.values() if not r.error and r.slowest_seconds > 0.05]
        if slow:
            lines += ["", "Slowest query of each page slower than 50 ms in SQL:", ""]
            for r in slow:
                sql = re.sub(r"\s+", " ", r.slowest)[:300]
                lines.append(f"- {r.name} ({r.slowest_seconds * 1000:.0f} ms): `{sql}`")
        return "\n".join(lines) + "\n"
