"""Audit trail helpers (django-simple-history).

The history middleware attributes changes made in a web request to its user; services
are also called from tasks and commands, so they name the actor and the reason
themselves through these helpers.
"""

from collections.abc import Iterable

from django.db import models
from simple_history.utils import bulk_create_with_history


def stamp(obj: models.Model, *, actor, reason: str) -> models.Model:
    """Mark ``obj`` so that its next save records ``actor`` and ``reason`` in its history."""
    obj._history_user = actor
    obj._change_reason = reason
    return obj


def save_tracked(obj: models.Model, *, actor, reason: str, **save_kwargs) -> models.Model:
    stamp(obj, actor=actor, reason=reason)
    obj.save(**save_kwargs)
    return obj


def bulk_create_tracked(
    model: type[models.Model],
    objs: Iterable[models.Model],
    *,
    actor,
    reason: str,
    batch_size: int = 1000,
) -> list[models.Model]:
    """Create many rows and their history rows in a handful of queries."""
    return bulk_create_with_history(
        list(objs),
        model,
        batch_size=batch_size,
        default_user=actor,
        default_change_reason=reason,
    )
