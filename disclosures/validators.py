"""Validation of a Kazakhstan business identification number (BIN).

A BIN (and an individual's IIN) is 12 digits, the last a check digit: the first eleven
digits weighted 1..11, summed, modulo 11; when that gives 10 the weights 3..11, 1, 2
are used instead, and a second 10 means the number cannot be valid.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FIRST_WEIGHTS = tuple(range(1, 12))
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

BIN_MESSAGE = _("Enter a valid 12-digit Kazakhstan BIN (its check digit does not match).")


def bin_check_digit(first_eleven: str) -> int | None:
    """The check digit for eleven digits, or None when no check digit can make them valid."""
    digits = [int(ch) for ch in first_eleven]
    check = sum(d * w for d, w in zip(digits, FIRST_WEIGHTS, strict=True)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, SECOND_WEIGHTS, strict=True)) % 11
        if check == 10:
            return None
    return check


def is_valid_bin(value: str) -> bool:
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return False
    return bin_check_digit(value[:11]) == int(value[11])


def validate_bin(value: str) -> None:
    if not is_valid_bin(value):
        raise ValidationError(BIN_MESSAGE, code="invalid_bin")
