"""One normaliser and validator for every email address the project takes (issue 9 §5).

3.2 allows one customer per email address. Text that looks like an address already on
file but is not the same string — ``bob@example.kz`` followed by a zero-width space
(U+200B) or a byte-order mark (U+FEFF), or written with a Cyrillic ``е`` — would get
round that rule and reach another mailbox than the one the person reads. So:

- ``email_normalise`` brings the text to Unicode NFKC (full-width letters become plain
  ones), trims the ends and lowercases the domain;
- ``validate_email_address`` refuses invisible or control characters anywhere, and a
  part of the address (the part before ``@``, each label of the domain) that mixes
  letters of two scripts.

Customer forms, the admin (through ``EmailAddressField``), the account page and the
services all go through these two functions.
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

INVISIBLE_MESSAGE = _(
    "The email address contains invisible or control characters. Type it again by hand."
)
MIXED_SCRIPTS_MESSAGE = _(
    "The email address mixes letters of different alphabets (for example a Cyrillic "
    "“е” among Latin letters). Type it again with one keyboard layout."
)
# 3.2: said the same way whoever holds the address (a customer or a staff member), so
# that the message tells nobody which staff accounts exist.
EMAIL_TAKEN_MESSAGE = _("This email address is already in use. Choose another one.")

# Control (Cc), format (Cf: U+200B, U+200D, U+2060, U+FEFF...), surrogates, private use,
# unassigned, and every kind of space or separator.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}


def email_normalise(value: str | None) -> str:
    """NFKC, trimmed, domain in lower case; the local part keeps its case."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    local, at, domain = value.rpartition("@")
    if not at:
        return value
    return f"{local}@{domain.lower()}"


def same_address(a: str | None, b: str | None) -> bool:
    """One mailbox: equal after NFKC and case folding (as Django's reset form compares)."""
    return email_normalise(a).casefold() == email_normalise(b).casefold()


def _script(char: str) -> str | None:
    if not char.isalpha():
        return None  # digits, dots, hyphens belong to every script
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def _mixes_scripts(part: str) -> bool:
    return len({s for s in map(_script, part) if s is not None}) > 1


def validate_email_address(value: str) -> None:
    """Refuse invisible characters and mixed scripts, then apply Django's own rules."""
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in value or ""):
        raise ValidationError(INVISIBLE_MESSAGE, code="email_invisible")
    local, _at, domain = (value or "").rpartition("@")
    if any(_mixes_scripts(part) for part in [local, *domain.split(".")]):
        raise ValidationError(MIXED_SCRIPTS_MESSAGE, code="email_mixed_scripts")
    validate_email(value)


class EmailAddressFormField(forms.EmailField):
    """A form field that normalises before it validates."""

    default_validators = [validate_email_address]

    def to_python(self, value):
        return email_normalise(super().to_python(value))


class EmailAddressField(models.EmailField):
    """The model field of every email address a person types (users, customers)."""

    default_validators = [validate_email_address]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": EmailAddressFormField, **kwargs})


def mask_address(email: str) -> str:
    """The address as pages show it to whoever holds a link: ``a•••••@example.kz``."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}{'•' * min(max(len(local) - 1, 3), 6)}@{domain}"
