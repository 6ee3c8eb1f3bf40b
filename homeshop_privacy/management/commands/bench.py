"""Benchmarks: how list pages and selectors scale with the number of rows.

Each benchmark is measured twice in the same run, on a small table (the baseline) and on
a table many times larger, and reported as a ratio of the two timings and query counts.
A page that stays fast with millions of rows has a ratio near 1; a ratio near the size
factor means it scans or counts the whole table. Runs in a throwaway database created
for the run (``test_<name>``), never in the configured one. No timing is asserted.

Apps add benchmarks in ``<app>/bench.py`` as ``BENCHMARKS = [Benchmark(...)]``, and
comparisons of two ways of doing the same work (e.g. an insert with and without its hash
chain, issue 9 §2) as ``COMPARISONS = [Comparison(...)]``, reported as the ratio of their
timings measured in the same run.
"""

import statistics
import time
from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext, setup_test_environment

from homeshop_privacy.benchmarks import Benchmark, Comparison

APPS = ("homeshop_privacy", "accounts", "consents", "disclosures", "claims")


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


class Command(BaseCommand):
    help = "Measure list pages and selectors at two sizes; report ratios."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=100, help="large size / small size")
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--only", default="", help="run benchmarks whose name contains this")

    def handle(self, *args, scale, repeat, only, **options):
        benchmarks: list[Benchmark] = []
        comparisons: list[Comparison] = []
        for app in APPS:
            try:
                module = import_module(f"{app}.bench")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.bench":
                    raise
                continue
            benchmarks += [b for b in getattr(module, "BENCHMARKS", []) if only in b.name]
            comparisons += [c for c in getattr(module, "COMPARISONS", []) if only in c.name]

        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        self.stdout.write(f"database: {connection.vendor}, scale x{scale}, median of {repeat}")
        if benchmarks:
            self.stdout.write(
                f"{'benchmark':<46} {'small':>9} {'large':>9} {'ratio':>7} {'queries':>9}"
            )
        try:
            for bench in benchmarks:
                small_n = bench.small
                large_n = bench.small * scale
                state = bench.setup(small_n)
                small_t, small_q = _time(lambda s=state, b=bench: b.run(s), repeat)
                state = bench.setup(large_n)
                large_t, large_q = _time(lambda s=state, b=bench: b.run(s), repeat)
                reset_queries()
                self.stdout.write(
                    f"{bench.name:<46} {small_t * 1000:>7.1f}ms {large_t * 1000:>7.1f}ms "
                    f"{large_t / small_t:>6.2f}x {small_q:>4}→{large_q:<4}"
                )
            if comparisons:
                self.stdout.write(
                    f"{'comparison':<46} {'baseline':>9} {'measured':>9} {'ratio':>7} "
                    f"{'queries':>9}"
                )
            for comparison in comparisons:
                state = comparison.setup(comparison.size)
                base_t, base_q = _time(lambda s=state, c=comparison: c.baseline(s), repeat)
                meas_t, meas_q = _time(lambda s=state, c=comparison: c.measured(s), repeat)
                reset_queries()
                self.stdout.write(
                    f"{comparison.name:<46} {base_t * 1000:>7.1f}ms {meas_t * 1000:>7.1f}ms "
                    f"{meas_t / base_t:>6.2f}x {base_q:>4}→{meas_q:<4}"
                )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        if benchmarks:
            self.stdout.write(
                "ratio = large/small time; near 1 means the page does not grow with the table."
            )
        if comparisons:
            self.stdout.write("comparison ratio = measured/baseline time, in the same run.")
