"""Invented demo data for accounts: customers with Kazakh and Russian names, +7 numbers,
Almaty and Astana addresses, orders, devices and visit events, plus a staff user per role.

Idempotent: every row has a natural key derived from its index, so a second run finds
what the first wrote and the counts stay the same. Called by ``manage.py seed_demo``.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import services
from accounts.models import Address, Customer, CustomerDevice, Order, User, VisitEvent
from homeshop_privacy import roles

DEMO_PASSWORD = "homeshop-demo-2026"
DEMO_STAFF = [
    ("admin@homeshop.kz", "Demo Administrator", None),
    ("officer@homeshop.kz", "Жанар Оспанова", roles.COMPLIANCE_OFFICER),
    # A second officer: the four-eyes rule needs someone other than the author to approve
    # an answer, and the demo's role users alone could not (only the superuser could).
    ("officer2@homeshop.kz", "Айгуль Сапарова", roles.COMPLIANCE_OFFICER),
    ("support@homeshop.kz", "Ерлан Касымов", roles.SUPPORT_AGENT),
    ("auditor@homeshop.kz", "Марина Ли", roles.AUDITOR),
]

FIRST_NAMES_F = ["Айгерим", "Асель", "Дана", "Жанна", "Ольга", "Мадина", "Екатерина", "Камила"]
FIRST_NAMES_M = ["Нурлан", "Данияр", "Ерлан", "Сергей", "Арман", "Тимур", "Алексей", "Бауыржан"]
LAST_NAMES = [
    ("Сейткали", "Сейткалиева"),
    ("Жумабеков", "Жумабекова"),
    ("Ахметов", "Ахметова"),
    ("Иванов", "Иванова"),
    ("Нурланов", "Нурланова"),
    ("Касымов", "Касымова"),
    ("Смагулов", "Смагулова"),
    ("Ким", "Ким"),
    ("Оспанов", "Оспанова"),
    ("Петров", "Петрова"),
]
LATIN = {
    "Айгерим": "aigerim", "Асель": "asel", "Дана": "dana", "Жанна": "zhanna", "Ольга": "olga",
    "Мадина": "madina", "Екатерина": "ekaterina", "Камила": "kamila", "Нурлан": "nurlan",
    "Данияр": "daniyar", "Ерлан": "yerlan", "Сергей": "sergey", "Арман": "arman",
    "Тимур": "timur", "Алексей": "aleksey", "Бауыржан": "bauyrzhan",
}  # fmt: skip
STREETS = {
    "Алматы": ["пр. Абая", "ул. Толе би", "пр. Достык", "ул. Жандосова", "мкр. Самал-2"],
    "Астана": ["пр. Мангилик Ел", "ул. Кенесары", "пр. Кабанбай батыра", "ул. Сыганак"],
}
POSTAL = {"Алматы": "050000", "Астана": "010000"}
SELLERS = ["ТОО «Электроника Плюс»", "ИП «Дом и сад»", "ТОО «Kitchen Pro KZ»", "Homeshop.kz"]
BROWSERS = [("Chrome 131", "Android 14"), ("Safari 18", "iOS 18"), ("Firefox 133", "Windows 11")]
# Operator prefixes of Kazakhstan mobile networks (invented subscriber numbers).
PREFIXES = ["701", "702", "705", "707", "747", "771", "775", "777", "778"]


def seed_demo(*, customers: int = 60, visits: int = 500) -> str:
    seeder = _Seeder()
    seeder._staff()
    admin = User.objects.get(email="admin@homeshop.kz")
    for index in range(customers):
        seeder._customer(index, admin)
    seeder._visits(visits)
    seeder._demo_customer_sign_in(admin)
    signed = Customer.objects.filter(user__isnull=False).order_by("pk").first()
    return (
        (f"customer sign-in {signed.email} at /account/login/; " if signed else "")
        + f"{Customer.objects.count()} customers, {Order.objects.count()} orders, "
        f"{VisitEvent.objects.count()} visit events"
    )


class _Seeder:
    def _staff(self):
        for email, full_name, role in DEMO_STAFF:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(
                    email, DEMO_PASSWORD, full_name=full_name, is_staff=True,
                    is_superuser=role is None,
                )  # fmt: skip
            if role:
                user.groups.add(Group.objects.get(name=role))

    def _customer(self, index: int, actor: User):
        # Every random value is drawn up front, so a second run draws the same ones
        # whatever already exists.
        rng = random.Random(index)
        female = index % 2 == 0
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)[1 if female else 0]
        phone = f"+7{rng.choice(PREFIXES)}{rng.randint(0, 9_999_999):07d}"
        language = rng.choice(["ru", "ru", "kk", "en"])
        city = rng.choice(list(STREETS))
        street = f"{rng.choice(STREETS[city])}, {rng.randint(1, 180)}"
        apartment = str(rng.randint(1, 250))
        orders = [
            (
                timedelta(days=rng.randint(1, 400), minutes=rng.randint(0, 1440)),
                rng.choice(SELLERS),
                Decimal(rng.randint(3, 900) * 990) / 10,
                rng.choice([s for s, _ in Order.Status.choices]),
            )
            for _ in range(rng.randint(1, 4))
        ]
        browser, system = rng.choice(BROWSERS)

        email = f"{LATIN[first]}.demo{index:04d}@example.kz"
        customer = Customer.objects.filter(email__iexact=email).first()
        if customer is None:
            customer = services.customer_create(
                actor=actor,
                first_name=first,
                last_name=last,
                phone=phone,
                email=email,
                preferred_language=language,
                reason="demo data",
            )
        address = customer.addresses.first()
        if address is None:
            address = services.address_save(
                address=Address(
                    customer=customer,
                    city=city,
                    street=street,
                    apartment=apartment,
                    postal_code=POSTAL[city],
                    is_default=True,
                ),
                actor=actor,
                reason="demo data",
            )
        now = timezone.now()
        for n, (age, seller, total, status) in enumerate(orders):
            services.order_record(
                customer=customer,
                number=f"HS-{index:04d}-{n + 1}",
                placed_at=now - age,
                seller_name=seller,
                total=total,
                status=status,
                delivery_address=address,
                actor=actor,
            )
        CustomerDevice.objects.get_or_create(
            customer=customer, browser=browser, operating_system=system
        )

    def _demo_customer_sign_in(self, actor: User):
        """The first demo customer can sign in to the account pages with the demo password."""
        customer = Customer.objects.order_by("pk").first()
        if customer is None or customer.user_id is not None:
            return
        user = services.customer_sign_in_open(customer=customer, actor=actor)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])

    def _visits(self, count: int):
        existing = VisitEvent.objects.filter(cookie_id__startswith="demo-").count()
        if existing >= count:
            return
        rng = random.Random(2026)
        now = timezone.now()
        pages = ["/", "/catalog/kitchen/", "/catalog/tv/", "/cart/", "/product/4417/"]
        VisitEvent.objects.bulk_create(
            VisitEvent(
                occurred_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 90)),
                page_url=f"https://homeshop.kz{rng.choice(pages)}",
                ip_address=f"198.51.100.{rng.randint(1, 254)}",
                user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/131.0",
                referrer="https://homeshop.kz/",
                cookie_id=f"demo-{n:06d}",
            )
            for n in range(existing, count)
        )
