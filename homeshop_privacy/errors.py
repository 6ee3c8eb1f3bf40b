"""The one error type every service raises when it refuses a change.

It is a ``ValidationError`` so that forms and the admin show its message (or its
per-field messages) next to the input that caused it; the message is meant for the
person who made the request and is translated into their language.
"""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A change was refused; nothing was written."""

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> "DomainError":
        if hasattr(exc, "error_dict"):
            return cls(exc.error_dict)
        return cls(exc.error_list)


def validate(obj, *, exclude=None) -> None:
    """``full_clean()`` the object; a refusal becomes a ``DomainError`` with the same messages."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from exc
