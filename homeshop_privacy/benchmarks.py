"""The shapes of ``manage.py bench``'s figures (see that command)."""

import dataclasses
from collections.abc import Callable
from typing import Any

_clients: dict = {}


def admin_client(email: str = "bench-admin@homeshop.kz"):
    """A test client signed in as a superuser with a verified second factor (one per
    database, reused)."""
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import staff_session_refresh
    from accounts.models import User

    key = (connection.settings_dict["NAME"], email)
    if key in _clients:
        return _clients[key]
    user = User.objects.filter(email=email).first() or User.objects.create_superuser(
        email, "bench-password-not-secret"
    )
    client = Client()
    client.force_login(user)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="bench authenticator", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    staff_session_refresh(session, force=True)
    session.save()
    _clients[key] = client
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


@dataclasses.dataclass
class Measure:
    """One figure of ``manage.py bench`` at scale, run on its generated data set.

    Apps list them as ``MEASURES = [Measure(...)]`` in ``<app>/bench.py``; the admin list
    pages are enumerated by ``homeshop_privacy.bench_pages``.
    """

    name: str
    #: Called once per data set; returns a state (e.g. a signed-in client, ids to look up).
    setup: Callable[[], Any]
    #: The measured operation, called with the state.
    run: Callable[[Any], Any]
    #: Raw SQL returning the same rows, timed interleaved with ``run`` (optional).
    raw: Callable[[Any], Any] | None = None
    #: Called after each run, outside the timing (e.g. undo what a sweep wrote).
    after: Callable[[Any], Any] | None = None
    #: What is compared with ``raw``: the SQL time of ``run`` (a page renders too) or its
    #: whole time (``"time"``: ``raw`` does the same work another way).
    ratio_of: str = "sql"


def raw_sql(sql: str, params=None) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
