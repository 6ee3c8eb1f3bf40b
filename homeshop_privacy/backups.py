"""Checking a restored backup (issue 9 §6; the README's "Back up and restore").

``backup_verify`` runs against the database the settings name (``DATABASE_URL`` pointing
at the restored copy) and is the one place a restore is judged: it counts the rows of
every table of the project's apps (the legal records among them: consent events and
wordings, policy versions, the disclosure register with its lines and voids, written
permissions, breaches with their notices, claims with their answers and deadline changes,
the personal-data access log, and every history table) and runs ``ledger_verify`` (the
hash chains, issue 9 §2) when that command is installed.
"""

from django.apps import apps
from django.core.management import call_command, get_commands
from django.db import connections

from .roles import PROJECT_APPS


def table_row_counts(*, using: str = "default") -> dict[str, int]:
    """``{"consents.consentevent": 12, ...}`` for every model of the project's apps."""
    counts = {}
    for app_label in PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            counts[model._meta.label_lower] = model._base_manager.using(using).count()
    return dict(sorted(counts.items()))


def backup_verify(*, using: str = "default", stdout=None) -> dict[str, int]:
    """The restored database's row counts, after the checks that can refuse it.

    Raises ``CommandError`` (from ``ledger_verify``) when a chain is broken.
    """
    connections[using].ensure_connection()
    counts = table_row_counts(using=using)
    if "ledger_verify" in get_commands():
        # Issue 9 §2: the restored ledgers must still verify, row by row.
        call_command("ledger_verify", stdout=stdout)
    return counts
