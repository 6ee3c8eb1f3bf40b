"""The shape of a benchmark for ``manage.py bench`` (see that command)."""

import dataclasses
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass
class Benchmark:
    name: str
    small: int
    #: Called with a size; makes the table that big (adding rows) and returns a state.
    setup: Callable[[int], Any]
    #: The measured operation, called with the state.
    run: Callable[[Any], Any]


def admin_client(email: str = "bench-admin@homeshop.kz"):
    """A test client signed in as a superuser (created once)."""
    from django.test import Client

    from accounts.models import User

    user = User.objects.filter(email=email).first() or User.objects.create_superuser(
        email, "bench-password-not-secret"
    )
    client = Client()
    client.force_login(user)
    return client


@dataclasses.dataclass
class Comparison:
    """Two ways of doing the same work, timed in the same run; reported as a ratio.

    Apps list them as ``COMPARISONS = [Comparison(...)]`` in ``<app>/bench.py``.
    """

    name: str
    size: int
    #: Called with ``size``; returns a state.
    setup: Callable[[int], Any]
    #: The reference way (e.g. a plain insert).
    baseline: Callable[[Any], Any]
    #: The way measured against it (e.g. the same insert, hash-chained).
    measured: Callable[[Any], Any]
