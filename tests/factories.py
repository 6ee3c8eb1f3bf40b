"""factory-boy factories every app's tests share: users, staff, customers, addresses,
orders and visits (invented data only). Each app's own models have theirs next to its
tests (``tests/<app>/factories.py``)."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Address, Customer, Order, User, VisitEvent


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.kz")
    full_name = factory.Sequence(lambda n: f"Test User {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True
    email = factory.Sequence(lambda n: f"staff{n}@homeshop.kz")

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(Group.objects.get(name=extracted))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Iterator(["Айгерим", "Нурлан", "Ольга", "Данияр", "Асель"])
    last_name = factory.Iterator(["Сейткалиева", "Жумабеков", "Ким", "Ахметов", "Нурланова"])
    phone = factory.Sequence(lambda n: f"+7701{n % 10_000_000:07d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.kz")
    preferred_language = "ru"


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    city = "Алматы"
    street = factory.Sequence(lambda n: f"пр. Абая, {n + 1}")
    apartment = "12"
    postal_code = "050000"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"HS-{100000 + n}")
    placed_at = factory.LazyFunction(timezone.now)
    seller_name = "ТОО «Электроника Плюс»"
    status = Order.Status.PAID
    total = Decimal("45990.00")


class VisitEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitEvent

    occurred_at = factory.LazyFunction(timezone.now)
    page_url = "https://homeshop.kz/catalog/"
    ip_address = "192.0.2.10"
    user_agent = "Mozilla/5.0 (Linux; Android 14)"
    referrer = "https://homeshop.kz/"
    cookie_id = factory.Sequence(lambda n: f"c{n:08d}")
