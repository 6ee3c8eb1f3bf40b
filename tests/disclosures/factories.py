"""Factories for the disclosures app (invented data only)."""

import datetime as dt

import factory

from disclosures.models import Recipient, WrittenPermission
from disclosures.validators import bin_check_digit
from tests.factories import CustomerFactory


def make_bin(serial: int) -> str:
    """A valid BIN: registered 2010-04, resident legal entity, then ``serial``."""
    for bump in range(100):
        first = f"1004400{(serial + bump) % 10_000:04d}"
        check = bin_check_digit(first)
        if check is not None:
            return f"{first}{check}"
    raise AssertionError("no valid BIN found")


_VALID_SERIALS = [s for s in range(10_000) if bin_check_digit(f"1004400{s:04d}") is not None]


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient

    legal_name = factory.Sequence(lambda n: f"ТОО «Курьер Экспресс {n}»")
    kind = Recipient.Kind.COURIER
    # Only serials that have a check digit: make_bin bumps an invalid serial to the next
    # one, so sequence numbers n and n+1 could give the same BIN (a unique constraint).
    bin = factory.Sequence(lambda n: make_bin(_VALID_SERIALS[n % len(_VALID_SERIALS)]))
    country = "KZ"
    contact = "dpo@courier.example.kz"
    agreement_reference = factory.Sequence(lambda n: f"DPA-{n:04d}")
    agreement_date = dt.date(2026, 1, 15)


class WrittenPermissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WrittenPermission

    customer = factory.SubFactory(CustomerFactory)
    recipient = factory.SubFactory(RecipientFactory, kind=Recipient.Kind.OTHER)
    categories = ["identity", "contact"]
    scope = "Передача ФИО и телефона для участия в программе лояльности партнёра"
    signed_on = dt.date(2026, 11, 1)
    document_reference = factory.Sequence(lambda n: f"WP-{n:05d}")
