"""The email-change request sends a confirmation email: it is limited (attack review 2).

Thirty posts of the account page used to send thirty emails to any address.
"""

import pytest
import time_machine
from django.utils import timezone

from accounts import services
from accounts.models import EmailChangeRequest
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from tests.accounts.factories import SignedUpCustomerFactory

pytestmark = pytest.mark.django_db

THROTTLED_RU = "Слишком много запросов на смену адреса"


def _ask(customer, new_email):
    return services.customer_email_change_request(
        customer=customer, new_email=new_email, actor=customer.user
    )


def test_the_fourth_request_in_an_hour_is_refused_and_nothing_is_written():
    me = SignedUpCustomerFactory(email="me@example.kz")
    for i in range(3):
        _ask(me, f"new{i}@example.kz")
    messages, changes = OutboundMessage.objects.count(), EmailChangeRequest.objects.count()
    with pytest.raises(DomainError) as excinfo:
        _ask(me, "new3@example.kz")
    assert THROTTLED_RU in excinfo.value.message_dict["email"][0]
    assert OutboundMessage.objects.count() == messages
    assert EmailChangeRequest.objects.count() == changes
    assert not OutboundMessage.objects.filter(recipient="new3@example.kz").exists()


def test_an_hour_later_the_customer_may_ask_again():
    me = SignedUpCustomerFactory(email="me@example.kz")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for i in range(3):
            _ask(me, f"new{i}@example.kz")
    with time_machine.travel(start + timezone.timedelta(minutes=61), tick=False):
        assert _ask(me, "new3@example.kz") is not None


def test_one_target_address_gets_at_most_three_requests_a_day_from_all_customers():
    start = timezone.now()
    for hour in range(3):
        with time_machine.travel(start + timezone.timedelta(hours=hour), tick=False):
            _ask(SignedUpCustomerFactory(), "victim@example.kz")
    with time_machine.travel(start + timezone.timedelta(hours=5), tick=False):
        with pytest.raises(DomainError):
            _ask(SignedUpCustomerFactory(), "Victim@example.kz")
    assert OutboundMessage.objects.filter(recipient__iexact="victim@example.kz").count() == 3


def test_the_account_page_shows_the_limit(client):
    me = SignedUpCustomerFactory(email="me@example.kz", preferred_language="ru")
    client.force_login(me.user)
    data = {"first_name": me.first_name, "last_name": me.last_name, "phone": me.phone}
    for i in range(4):
        response = client.post(
            "/account/edit/", {**data, "email": f"n{i}@example.kz", "preferred_language": "ru"}
        )
    assert response.status_code == 200
    assert THROTTLED_RU in response.content.decode()
    assert EmailChangeRequest.objects.count() == 3
