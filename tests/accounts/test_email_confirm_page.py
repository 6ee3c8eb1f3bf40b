"""The confirmation page checks the link on GET as confirming would (user review 5)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from accounts import services
from accounts.models import EmailChangeRequest
from tests.accounts.factories import SignedUpCustomerFactory

pytestmark = pytest.mark.django_db

CONFIRM_BUTTON = ">Confirm</button>"


@pytest.fixture(autouse=True)
def _language_back(settings):
    # The English pages leave English active in this thread; later tests expect Russian.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _ask(customer, new_email):
    change = services.customer_email_change_request(
        customer=customer, new_email=new_email, actor=customer.user
    )
    return reverse("accounts:email_confirm", args=[services.email_change_token(change)])


def _page(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    return response.status_code, response.content.decode()


def test_a_valid_link_names_the_address_being_confirmed(client):
    me = SignedUpCustomerFactory(email="me@example.kz")
    status, page = _page(client, _ask(me, "new@example.kz"))
    assert status == 200
    assert "new@example.kz" in page
    assert CONFIRM_BUTTON in page
    assert EmailChangeRequest.objects.get().status == "pending"  # GET changes nothing


def test_a_used_link_shows_no_longer_valid_and_no_button(client):
    me = SignedUpCustomerFactory(email="me@example.kz")
    url = _ask(me, "new@example.kz")
    assert client.post(url).status_code == 302
    status, page = _page(client, url)
    assert status == 400
    assert "not valid any more" in page
    assert CONFIRM_BUTTON not in page


def test_a_replaced_link_shows_no_longer_valid(client):
    me = SignedUpCustomerFactory(email="me@example.kz")
    url = _ask(me, "first@example.kz")
    _ask(me, "second@example.kz")
    status, page = _page(client, url)
    assert status == 400
    assert "not valid any more" in page
    assert CONFIRM_BUTTON not in page


def test_an_expired_link_shows_no_longer_valid(client):
    me = SignedUpCustomerFactory(email="me@example.kz")
    url = _ask(me, "new@example.kz")
    with time_machine.travel(timezone.now() + dt.timedelta(days=4), tick=False):
        status, page = _page(client, url)
    assert status == 400
    assert CONFIRM_BUTTON not in page


def test_a_link_to_an_address_taken_since_shows_the_refusal(client):
    from tests.factories import CustomerFactory

    me = SignedUpCustomerFactory(email="me@example.kz")
    url = _ask(me, "new@example.kz")
    CustomerFactory(email="new@example.kz")
    status, page = _page(client, url)
    assert status == 400
    assert CONFIRM_BUTTON not in page
