"""A keyed registry that apps fill from their ``AppConfig.ready()``.

``accounts`` depends on no other app (DESIGN.md), yet its pages and its data must show
what the other apps hold about a customer. Each app contributes entries to a registry
here instead of the page importing the app; the page reads the registry when it is
built, so the order in which apps (or their admin modules) are imported never matters.
"""

from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar

from django.core.exceptions import ImproperlyConfigured


class Entry(Protocol):
    key: str
    order: int


E = TypeVar("E", bound=Entry)


class Registry(Generic[E]):
    def __init__(self, what: str, *, reserved: Iterable[str] = ()):
        self.what = what  # named in configuration errors: "account section"
        self.reserved = frozenset(reserved)
        self._entries: dict[str, E] = {}

    def register(self, entry: E) -> E:
        """Add an entry; a second entry under the same key is a configuration error.

        Re-registering the identical entry is accepted, so a ``ready()`` run twice (some
        test runners do) is harmless.
        """
        if not entry.key or not entry.key.replace("_", "").isalnum():
            raise ImproperlyConfigured(
                f"{self.what.capitalize()} key {entry.key!r} must be letters, digits "
                "and underscores."
            )
        if entry.key in self.reserved:
            raise ImproperlyConfigured(f"{self.what.capitalize()} key {entry.key!r} is reserved.")
        existing = self._entries.get(entry.key)
        if existing is not None and existing != entry:
            raise ImproperlyConfigured(
                f"{self.what.capitalize()} {entry.key!r} is already registered."
            )
        self._entries[entry.key] = entry
        return entry

    def unregister(self, key: str) -> None:
        self._entries.pop(key, None)

    def get(self, key: str) -> E | None:
        return self._entries.get(key)

    def all(self) -> list[E]:
        """Entries in their order (then by key, so the order is stable)."""
        return sorted(self._entries.values(), key=lambda e: (e.order, e.key))
