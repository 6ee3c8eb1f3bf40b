"""The one error type every service raises when it refuses a change.

It is a ``ValidationError`` so that forms and the admin show its message (or its
per-field messages) next to the input that caused it; the message is meant for the
person who made the request and is translated into their language.
"""

import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DomainError(ValidationError):
    """A change was refused; nothing was written."""

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> "DomainError":
        if hasattr(exc, "error_dict"):
            return cls(exc.error_dict)
        return cls(exc.error_list)


def domain_error_to_form(form, exc: ValidationError) -> None:
    """Show a refusal next to the inputs it names, the rest above the form.

    The one place a ``DomainError`` becomes form errors: the admin (through
    ``admin_services.ServiceAdmin``), the account pages and the workflow steps.
    """
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)


NUL_MESSAGE = _("This text contains a NUL character, which cannot be stored.")


def nul_errors(obj, *, exclude=()) -> dict[str, list[str]]:
    """Text fields holding a NUL byte, which PostgreSQL refuses with a server error
    (issue 9 §5). Forms refuse it already; services are called by tasks, commands and the
    API as well, so the models' own checks do too."""
    errors = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.is_relation:
            continue
        value = getattr(obj, field.attname, None)
        if isinstance(value, str) and "\x00" in value:
            errors[field.name] = [str(NUL_MESSAGE)]
        elif isinstance(value, list | dict) and "\\u0000" in json.dumps(value):
            errors[field.name] = [str(NUL_MESSAGE)]
    return errors


def validate(obj, *, exclude=None) -> None:
    """``full_clean()`` the object; a refusal becomes a ``DomainError`` with the same messages."""
    # Before full_clean: its constraint checks send the values to the database.
    nul = nul_errors(obj, exclude=exclude or ())
    if nul:
        raise DomainError(nul)
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from exc
