"""Audit trail helpers (django-simple-history).

The history middleware attributes changes made in a web request to its user; services
are also called from tasks and commands, so they name the actor and the reason
themselves through these helpers.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.utils import bulk_create_with_history

from .errors import DomainError, nul_errors


def stamp(obj: models.Model, *, actor, reason: str) -> models.Model:
    """Mark ``obj`` so that its next save records ``actor`` and ``reason`` in its history."""
    obj._history_user = actor
    obj._change_reason = reason
    return obj


def check_fields(obj: models.Model, *, update_fields=None) -> None:
    """Refuse a value its column cannot hold (too long, a bad choice, too many digits)
    with a ``DomainError`` before the database refuses it with a server error (issue 9
    §5). The services' own ``validate()`` (``full_clean``) stays the full check: this is
    the net under every tracked save, cheap because it runs no query (relations and
    uniqueness are left to ``validate()`` and the database).
    """
    fields = obj._meta.concrete_fields
    exclude = {f.name for f in fields if f.is_relation}
    if update_fields is not None:
        exclude |= {f.name for f in fields if {f.name, f.attname}.isdisjoint(update_fields)}
    nul = nul_errors(obj, exclude=exclude)
    if nul:
        raise DomainError(nul)
    try:
        obj.clean_fields(exclude=exclude)
    except ValidationError as exc:
        # "Required" is a form's rule, not the column's: services may leave a blank
        # text that the model does not offer to forms as optional.
        errors = {
            name: [e for e in errors if e.code != "blank"]
            for name, errors in exc.error_dict.items()
        }
        errors = {name: found for name, found in errors.items() if found}
        if errors:
            raise DomainError(errors) from exc


def save_tracked(obj: models.Model, *, actor, reason: str, **save_kwargs) -> models.Model:
    check_fields(obj, update_fields=save_kwargs.get("update_fields"))
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
