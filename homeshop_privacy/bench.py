"""Benchmarks of the project's own helpers (see ``manage.py bench``)."""

from .api.bench import COMPARISONS  # noqa: F401  (the API's, issue 12)
