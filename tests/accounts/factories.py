"""Factories for the account-page tests (customers who can sign in, their devices)."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import CustomerDevice
from tests.factories import CustomerFactory, UserFactory

PASSWORD = "correct-horse-battery"


class SignedUpCustomerFactory(CustomerFactory):
    """A customer with a sign-in account (password ``PASSWORD``), same email for both."""

    user = factory.SubFactory(UserFactory, email=factory.SelfAttribute("..email"), full_name="")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerDevice

    customer = factory.SubFactory(CustomerFactory)
    browser = factory.Sequence(lambda n: f"Chrome {120 + n}")
    operating_system = "Android 14"
    first_seen_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    last_seen_at = factory.LazyFunction(timezone.now)
