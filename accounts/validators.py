"""Validation of the 3.2 contact data: Kazakhstan phone numbers, stored as E.164."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PHONE_MESSAGE = _("Enter a Kazakhstan mobile or landline number, for example +7 701 234 56 78.")


def phone_to_e164(value: str) -> str:
    """Parse a Kazakhstan number written any usual way (8 701…, +7 (701)…) into E.164.

    Kazakhstan shares +7 with Russia, so the region of the parsed number is checked too.
    """
    raw = (value or "").strip()
    try:
        number = phonenumbers.parse(raw, "KZ")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.region_code_for_number(number) != "KZ"
    ):
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_kz_phone(value: str) -> None:
    if phone_to_e164(value) != value:
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")


def phone_display(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "KZ")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
