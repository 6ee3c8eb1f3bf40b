"""Customer account pages (5.2.1, 5.1.2, 3.2, 3.4): who sees what, and editing."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Address, Customer, Order
from homeshop_privacy.customer_pages import account_sections
from tests.accounts.factories import DeviceFactory, SignedUpCustomerFactory
from tests.factories import AddressFactory, CustomerFactory, OrderFactory, StaffFactory

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
HOME = reverse("accounts:home")


@pytest.mark.parametrize(
    "name, args",
    [
        ("accounts:home", []),
        ("accounts:edit", []),
        ("accounts:address_add", []),
        ("accounts:address_edit", [1]),
        ("accounts:address_delete", [1]),
        ("accounts:export_json", []),
        ("accounts:export_csv", []),
        ("accounts:close", []),
    ],
)
def test_anonymous_visitor_is_sent_to_the_customer_sign_in(client, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_customer_signs_in_with_email_and_password_and_lands_on_their_page(client, me):
    response = client.post(
        reverse("accounts:login"),
        {"username": me.email.upper(), "password": "correct-horse-battery"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 302
    assert response["Location"] == HOME
    page = client.get(HOME).content.decode()
    assert "Сейткалиева" in page


def test_wrong_password_is_refused_with_a_message_in_kazakh(client, me):
    response = client.post(
        reverse("accounts:login"),
        {"username": me.email, "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="kk",
    )
    assert response.status_code == 200
    assert "Электрондық пошта мекенжайы немесе құпия сөз қате." in response.content.decode()


def test_sign_out_ends_the_session(my_client):
    response = my_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert my_client.get(HOME).status_code == 302


def test_staff_user_without_customer_gets_a_clear_page_not_an_error(client):
    staff = StaffFactory(email="officer@homeshop.kz")
    client.force_login(staff)
    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 403
    page = response.content.decode()
    assert "не связана с покупателем" in page
    assert reverse("admin:index") in page


def test_page_shows_the_3_2_data_with_the_phone_formatted(my_client, me):
    me.phone = "+77012345678"
    me.save()
    page = my_client.get(HOME).content.decode()
    assert me.first_name in page
    assert me.last_name in page
    assert me.email in page
    assert "+7 701 234 5678" in page
    assert "+77012345678" not in page
    assert "Русский" in page


def test_page_shows_addresses_orders_and_devices(my_client, me):
    AddressFactory(customer=me, street="ул. Толе би, 59")
    OrderFactory(
        customer=me,
        number="HS-777001",
        placed_at=datetime(2026, 3, 8, 12, 0, tzinfo=ALMATY),
        total=Decimal("45990.00"),
        status=Order.Status.DELIVERED,
    )
    DeviceFactory(customer=me, browser="Safari 18", operating_system="iOS 18")
    page = my_client.get(HOME).content.decode()
    assert "ул. Толе би, 59" in page
    assert "HS-777001" in page
    assert "08.03.2026" in page
    assert "Доставлен" in page
    assert "Safari 18" in page and "iOS 18" in page


def test_customer_sees_none_of_another_customers_data(my_client, me):
    other = CustomerFactory(first_name="Нурлан", last_name="Жумабеков", email="nurlan@example.kz")
    AddressFactory(customer=other, street="пр. Достык, 97")
    OrderFactory(customer=other, number="HS-999999")
    DeviceFactory(customer=other, browser="Opera 99")
    page = my_client.get(HOME).content.decode()
    for foreign in ("Жумабеков", "nurlan@example.kz", "пр. Достык, 97", "HS-999999", "Opera 99"):
        assert foreign not in page


def test_orders_are_paginated_newest_first(my_client, me):
    for day in range(1, 26):
        OrderFactory(
            customer=me,
            number=f"HS-2026-{day:02d}",
            placed_at=datetime(2026, 10, day, 10, 0, tzinfo=ALMATY),
        )
    first = my_client.get(HOME).content.decode()
    assert "HS-2026-25" in first and "HS-2026-06" in first
    assert "HS-2026-05" not in first
    assert "Страница 1 из 2" in first
    second = my_client.get(HOME, {"page": 2}).content.decode()
    assert "HS-2026-05" in second and "HS-2026-01" in second
    assert "HS-2026-06" not in second


def _customer_with_orders(customer, orders):
    address = AddressFactory(customer=customer)
    OrderFactory.create_batch(orders, customer=customer, delivery_address=address)
    DeviceFactory.create_batch(3, customer=customer)


def _check(response, orders):
    assert response.status_code == 200
    assert response.content.decode().count("HS-") == min(orders, 20)


@pytest.mark.parametrize("orders", [1, 60])
def test_accounts_own_blocks_take_a_fixed_number_of_queries(
    my_client, me, orders, monkeypatch, django_assert_max_num_queries
):
    # Without other apps' sections: session, user, customer, addresses, order count,
    # order page, devices, closure request (+ the request's savepoint pair).
    monkeypatch.setattr(account_sections, "_entries", {})
    _customer_with_orders(me, orders)
    with django_assert_max_num_queries(10):
        response = my_client.get(HOME)
    _check(response, orders)


def test_queries_of_the_account_page_do_not_grow_with_orders(client, db):
    # With every section the other apps registered, too.
    counts = []
    for orders in (1, 60):
        customer = SignedUpCustomerFactory()
        _customer_with_orders(customer, orders)
        client.force_login(customer.user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(HOME)
        _check(response, orders)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_account_pages_are_not_cached(my_client):
    response = my_client.get(HOME)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


# 5.1.2: correcting the data ---------------------------------------------------------


def _edit_data(me, **overrides):
    data = {
        "first_name": me.first_name,
        "last_name": me.last_name,
        "phone": me.phone,
        "email": me.email,
        "preferred_language": me.preferred_language,
    }
    data.update(overrides)
    return data


def test_edit_accepts_a_phone_written_the_local_way_and_keeps_the_old_one(my_client, me):
    old_phone = me.phone
    response = my_client.post(reverse("accounts:edit"), _edit_data(me, phone="8 (707) 555-12-34"))
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.phone == "+77075551234"
    latest, previous = me.history.order_by("-history_id")[:2]
    assert previous.phone == old_phone
    assert latest.history_user == me.user
    assert "5.1.2" in latest.history_change_reason


def test_edit_with_a_bad_phone_shows_the_message_in_russian_and_changes_nothing(my_client, me):
    before = Customer.objects.values().get(pk=me.pk)
    versions = me.history.count()
    response = my_client.post(
        reverse("accounts:edit"),
        _edit_data(me, phone="+7 495 123 45 67", first_name="Изменённое"),
    )
    assert response.status_code == 200
    assert "Введите казахстанский" in response.content.decode()
    assert Customer.objects.values().get(pk=me.pk) == before
    assert me.history.count() == versions


def test_edit_with_another_customers_email_is_refused_in_russian(my_client, me):
    CustomerFactory(email="taken@example.kz")
    response = my_client.post(reverse("accounts:edit"), _edit_data(me, email="Taken@Example.kz"))
    assert response.status_code == 200
    assert "Этот адрес электронной почты уже используется. Укажите другой." in (
        response.content.decode()
    )
    me.refresh_from_db()
    assert me.email != "Taken@Example.kz"


# delivery addresses -------------------------------------------------------------------


def test_customer_adds_an_address_with_history_by_them(my_client, me):
    response = my_client.post(
        reverse("accounts:address_add"),
        {"city": "Астана", "street": "пр. Мангилик Ел, 55", "apartment": "", "postal_code": ""},
    )
    assert response.status_code == 302
    address = Address.objects.get(customer=me)
    assert address.street == "пр. Мангилик Ел, 55"
    assert address.history.get().history_user == me.user


def test_making_a_new_default_address_clears_the_old_default(my_client, me):
    old = AddressFactory(customer=me, is_default=True)
    response = my_client.post(
        reverse("accounts:address_add"),
        {"city": "Алматы", "street": "ул. Жандосова, 1", "is_default": "on"},
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new = Address.objects.get(customer=me, street="ул. Жандосова, 1")
    assert new.is_default and not old.is_default


def test_customer_edits_their_address(my_client, me):
    address = AddressFactory(customer=me, street="ул. Абая, 1")
    response = my_client.post(
        reverse("accounts:address_edit", args=[address.pk]),
        {"city": "Алматы", "street": "ул. Абая, 2", "apartment": "5", "postal_code": "050000"},
    )
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.street == "ул. Абая, 2"
    assert address.history.order_by("history_id").first().street == "ул. Абая, 1"


@pytest.mark.parametrize("name", ["accounts:address_edit", "accounts:address_delete"])
def test_another_customers_address_is_not_found(my_client, name):
    foreign = AddressFactory(customer=CustomerFactory(), street="пр. Достык, 97")
    assert my_client.get(reverse(name, args=[foreign.pk])).status_code == 404
    response = my_client.post(reverse(name, args=[foreign.pk]), {"city": "X", "street": "hijacked"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.street == "пр. Достык, 97"


def test_deleting_an_address_keeps_it_in_history_and_orders_keep_theirs(my_client, me):
    address = AddressFactory(customer=me, street="ул. Толе би, 59")
    order = OrderFactory(customer=me, delivery_address=address)
    response = my_client.post(reverse("accounts:address_delete", args=[address.pk]))
    assert response.status_code == 302
    assert not Address.objects.filter(pk=address.pk).exists()
    deleted = Address.history.filter(id=address.pk).latest("history_id")
    assert deleted.history_type == "-"
    assert deleted.street == "ул. Толе би, 59"
    assert deleted.history_user == me.user
    order.refresh_from_db()
    assert order.delivery_address is None
    # The order's own history says where it was to be delivered before.
    assert order.history.earliest("history_id").delivery_address_id == address.pk
    assert order.history.latest("history_id").history_user == me.user


def test_signed_up_factory_links_user_and_customer():
    customer = SignedUpCustomerFactory()
    assert customer.user.customer == customer


def test_corrected_email_is_the_one_to_sign_in_and_reset_the_password_with(my_client, me):
    """Once confirmed from the new address (issue 9 §5), it is the sign-in address."""
    from accounts import services
    from accounts.models import EmailChangeRequest
    from homeshop_privacy.models import OutboundMessage
    from tests.accounts.factories import PASSWORD

    response = my_client.post(
        reverse("accounts:edit"), _edit_data(me, email="Aigerim.New@Example.kz")
    )
    assert response.status_code == 302
    token = services.email_change_token(EmailChangeRequest.objects.get(customer=me))
    response = my_client.post(reverse("accounts:email_confirm", args=[token]))
    assert response.status_code == 302
    me.user.refresh_from_db()
    assert me.user.email == "Aigerim.New@example.kz"
    assert me.user.history.latest("history_id").history_user == me.user
    my_client.logout()
    assert my_client.login(username="aigerim.new@example.kz", password=PASSWORD)
    my_client.logout()
    my_client.post(reverse("accounts:password_reset"), {"email": "aigerim.new@example.kz"})
    assert list(
        OutboundMessage.objects.filter(reason="accounts.password_reset").values_list(
            "recipient", flat=True
        )
    ) == ["Aigerim.New@example.kz"]


def test_email_of_another_sign_in_account_is_refused_and_nothing_changes(my_client, me):
    from tests.factories import StaffFactory

    StaffFactory(email="boss@homeshop.kz")
    old = me.email
    response = my_client.post(reverse("accounts:edit"), _edit_data(me, email="Boss@homeshop.kz"))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Этот адрес электронной почты уже используется. Укажите другой."
    ]
    me.refresh_from_db()
    me.user.refresh_from_db()
    assert (me.email, me.user.email) == (old, old)
