"""Factories for the disclosures app (invented data only)."""

import datetime as dt

import factory

from disclosures.models import Recipient, WrittenPermission
from disclosures.validators import bin_check_digit
from tests.factories import CustomerFactory


def make_bin(serial: int) -> str:
    """A valid BIN: registered 2010-04, resident legal entity, then ``serial``.

    Serials are spread 11 apart: a serial whose check digit is impossible moves to the next
    number, which must not be the next serial's own BIN (two recipients in a row collided).
    """
    for bump in range(11):
        first = f"1004400{(serial * 11 + bump) % 10_000:04d}"
        check = bin_check_digit(first)
        if check is not None:
            return f"{first}{check}"
    raise AssertionError("no valid BIN found")


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient

    legal_name = factory.Sequence(lambda n: f"ТОО «Курьер Экспресс {n}»")
    kind = Recipient.Kind.COURIER
    bin = factory.Sequence(make_bin)
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
