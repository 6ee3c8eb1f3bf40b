"""Issue 8 item 6 (last sentence): a customer the shop recorded without a sign-in.

A "forgot password" (or sign-in link) request creates no account: it emails a signed,
short-lived, single-use link, and the account is created when that link is used.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.outbox import message_send
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
LINK = re.compile(r"https?://\S+?(/account/first-sign-in/[^/\s]+/)")
PASSWORD = "Abaya-150-kv12"


def _send_all():
    for pk in OutboundMessage.objects.filter(status="pending").values_list("pk", flat=True):
        message_send(message_id=pk)


def _link() -> str:
    return LINK.search(mail.outbox[-1].body).group(1)


def _choose_password(client, path: str, password: str = PASSWORD):
    response = client.get(path)
    if response.status_code != 302:
        return response
    return client.post(response["Location"], {"new_password1": password, "new_password2": password})


@pytest.fixture
def recorded():
    return CustomerFactory(email="checkout@example.kz", preferred_language="kk")


def test_asking_creates_no_account_even_once_the_email_is_sent(client, recorded):
    users_before = User.objects.count()
    client.post(RESET, {"email": "Checkout@Example.kz"}, HTTP_ACCEPT_LANGUAGE="kk")
    _send_all()

    assert User.objects.count() == users_before
    recorded.refresh_from_db()
    assert recorded.user is None
    (email,) = mail.outbox
    assert email.to == ["checkout@example.kz"]
    assert LINK.search(email.body)
    assert "/account/first-sign-in/" not in OutboundMessage.objects.get().body_text


def test_the_link_creates_the_account_with_the_chosen_password_once(client, recorded):
    client.post(RESET, {"email": recorded.email})
    _send_all()
    link = _link()

    response = _choose_password(client, link)
    assert response.status_code == 302
    # Was the "password changed" page; the customer is now signed in on their account
    # page (user review, finding 6; tests/accounts/test_first_sign_in_done.py).
    assert response["Location"] == reverse("accounts:home")
    client.logout()
    recorded.refresh_from_db()
    user = recorded.user
    assert user is not None
    assert (user.email, user.language) == ("checkout@example.kz", "kk")
    assert user.check_password(PASSWORD)
    assert client.post(
        reverse("accounts:login"), {"username": "checkout@example.kz", "password": PASSWORD}
    )["Location"] == reverse("accounts:home")
    client.logout()

    # A second use of the same link fails and changes nothing.
    response = _choose_password(client, link, "Another-pass-77x")
    assert response.status_code == 200
    assert response.context["validlink"] is False
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert User.objects.filter(email__iexact=recorded.email).count() == 1


def test_a_link_used_in_two_tabs_creates_one_account(client, recorded):
    client.post(RESET, {"email": recorded.email})
    _send_all()
    first = client.get(_link())["Location"]
    other = client.__class__()
    second = other.get(_link())["Location"]

    client.post(first, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    response = other.post(
        second, {"new_password1": "Another-pass-77x", "new_password2": "Another-pass-77x"}
    )

    assert response.status_code == 200
    recorded.refresh_from_db()
    assert recorded.user.check_password(PASSWORD)
    assert User.objects.filter(email__iexact=recorded.email).count() == 1


def test_an_expired_link_creates_nothing(client, recorded):
    client.post(RESET, {"email": recorded.email})
    _send_all()
    later = timezone.now() + timedelta(seconds=settings.FIRST_SIGN_IN_LINK_MAX_AGE + 60)
    with time_machine.travel(later, tick=False):
        response = _choose_password(client, _link())
    assert response.status_code == 200
    assert response.context["validlink"] is False
    recorded.refresh_from_db()
    assert recorded.user is None


def test_a_tampered_link_creates_nothing(client, recorded):
    client.post(RESET, {"email": recorded.email})
    _send_all()
    link = _link()
    response = _choose_password(client, link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:])
    assert response.context["validlink"] is False
    recorded.refresh_from_db()
    assert recorded.user is None


def test_a_link_sent_to_an_address_the_customer_no_longer_has_creates_nothing(client, recorded):
    client.post(RESET, {"email": recorded.email})
    _send_all()
    recorded.email = "moved@example.kz"
    recorded.save()
    response = _choose_password(client, _link())
    assert response.context["validlink"] is False
    recorded.refresh_from_db()
    assert recorded.user is None


def test_no_link_for_an_address_a_staff_account_uses(client):
    StaffFactory(email="shared@homeshop.kz")
    customer = CustomerFactory(email="shared@homeshop.kz")
    client.post(RESET, {"email": customer.email})
    assert not OutboundMessage.objects.exists()
    customer.refresh_from_db()
    assert customer.user is None
