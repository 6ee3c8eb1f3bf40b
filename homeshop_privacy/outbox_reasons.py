"""What each outbox reason means to a person (issue 13).

A reason is a stable code (``claims.acknowledgement``): part of the row's unique key and
of the logs, never translated. The app that sends the email registers a label for it from
its ``AppConfig.ready()``; the admin shows the label in the staff member's language, and
the code only for a reason nobody labelled.
"""

from django.utils.functional import Promise

_LABELS: dict[str, Promise | str] = {}


def reason_labels_register(labels: dict[str, Promise | str]) -> None:
    _LABELS.update(labels)


def reason_label(reason: str) -> str:
    label = _LABELS.get(reason)
    return str(label) if label is not None else reason


def reason_choices() -> list[tuple[str, str]]:
    """(code, label) of every labelled reason, by label in the active language."""
    return sorted(((code, str(label)) for code, label in _LABELS.items()), key=lambda c: c[1])
