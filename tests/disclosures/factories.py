"""Factories for the disclosures app (invented data only)."""

import datetime as dt
import functools

import factory

from disclosures.models import Recipient, WrittenPermission
from disclosures.validators import bin_check_digit
from tests.factories import CustomerFactory


@functools.cache
def _valid_bins() -> tuple[str, ...]:
    """Every valid BIN registered 2010-04 by a resident legal entity, in order."""
    bins = []
    for serial in range(10_000):
        first = f"1004400{serial:04d}"
        check = bin_check_digit(first)
        if check is not None:
            bins.append(f"{first}{check}")
    return tuple(bins)


def make_bin(serial: int) -> str:
    """The ``serial``-th valid BIN: two serials never share one (skipping a serial without
    a valid check digit to the next one gave two recipients the same unique BIN)."""
    bins = _valid_bins()
    return bins[serial % len(bins)]


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
