import pytest
from django.db import IntegrityError, transaction

from accounts import services
from accounts.models import Customer
from homeshop_privacy.errors import DomainError
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _create(**overrides):
    data = {
        "actor": None,
        "first_name": "Айгерим",
        "last_name": "Сейткалиева",
        "phone": "8 (701) 234-56-78",
        "email": "Aigerim@Example.kz",
    }
    data.update(overrides)
    return services.customer_create(**data)


def test_phone_written_the_local_way_is_stored_as_e164():
    customer = _create()
    customer.refresh_from_db()
    assert customer.phone == "+77012345678"


@pytest.mark.parametrize(
    "phone",
    [
        "12345",
        "+7 495 123 45 67",  # a Moscow number: +7 is shared with Russia
        "+1 202 555 0143",
        "not a phone",
        "",
    ],
)
def test_bad_phone_is_refused_with_a_message_and_saves_nothing(phone):
    with pytest.raises(DomainError) as excinfo:
        _create(phone=phone)
    assert "phone" in excinfo.value.message_dict
    assert Customer.objects.count() == 0


def test_phone_message_is_in_the_customers_language():
    from django.utils import translation

    with translation.override("ru"), pytest.raises(DomainError) as excinfo:
        _create(phone="12345")
    assert "казахстанский" in excinfo.value.message_dict["phone"][0]


@pytest.mark.parametrize("email", ["no-at-sign", "a@b", "two@@example.kz", ""])
def test_bad_email_is_refused_and_saves_nothing(email):
    with pytest.raises(DomainError) as excinfo:
        _create(email=email)
    assert "email" in excinfo.value.message_dict
    assert Customer.objects.count() == 0


def test_second_customer_with_same_email_in_other_case_is_refused_by_the_service():
    _create(email="aigerim@example.kz")
    with pytest.raises(DomainError) as excinfo:
        _create(email="AIGERIM@EXAMPLE.KZ", phone="+77012345679")
    # Named next to the email field, in the user's language (Russian by default).
    assert excinfo.value.message_dict == {
        "email": ["Этот адрес электронной почты уже используется. Укажите другой."]
    }
    assert Customer.objects.count() == 1


@pytest.mark.postgres
def test_email_uniqueness_is_case_insensitive_in_the_database():
    CustomerFactory(email="nurlan@example.kz")
    # Bypass every Python check: the database itself must refuse the duplicate.
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.bulk_create(
            [
                Customer(
                    first_name="Н", last_name="Ж", phone="+77012345670", email="NURLAN@example.KZ"
                )
            ]
        )
    assert Customer.objects.filter(email__iexact="nurlan@example.kz").count() == 1


@pytest.mark.postgres
def test_database_refuses_a_phone_that_is_not_e164():
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.bulk_create(
            [Customer(first_name="Н", last_name="Ж", phone="87012345678", email="x@example.kz")]
        )


def test_admin_names_the_taken_email_in_russian_not_the_constraint(client, officer):
    CustomerFactory(email="Aigerim@Example.kz")
    client.force_login(officer)
    page = client.get("/admin/accounts/customer/add/")
    data = {
        "first_name": "Айгерим",
        "last_name": "Ахметова",
        "phone": "8 701 234 56 78",
        "email": "aigerim@example.KZ",
        "preferred_language": "ru",
        "user": "",
    }
    for formset in page.context["inline_admin_formsets"]:
        data[f"{formset.formset.prefix}-TOTAL_FORMS"] = "0"
        data[f"{formset.formset.prefix}-INITIAL_FORMS"] = "0"
    response = client.post("/admin/accounts/customer/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert [m for messages in errors.values() for m in messages] == [
        "Этот адрес электронной почты уже используется. Укажите другой."
    ]
    assert Customer.objects.count() == 1
