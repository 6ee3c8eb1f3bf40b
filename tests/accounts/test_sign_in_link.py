"""Issue 13: a customer signs in with a one-time link sent to their email, no password.

The link is signed, works ``SIGN_IN_LINK_MAX_AGE`` seconds and once, is made when the
email is sent (never stored in the outbox) and is refused to staff accounts.
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
from tests.accounts.factories import SignedUpCustomerFactory
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

ASK = reverse("accounts:sign_in_link_request")
LINK = re.compile(r"https?://\S+?(/account/sign-in/[^/\s]+/)")


def _ask(client, email: str, language: str = "ru"):
    response = client.post(ASK, {"email": email}, HTTP_ACCEPT_LANGUAGE=language)
    for pk in OutboundMessage.objects.filter(status="pending").values_list("pk", flat=True):
        message_send(message_id=pk)
    return response


def _use(client, path: str):
    """Open the link as a person does: it shows a button; pressing it signs in."""
    opened = client.get(path)
    if opened.status_code != 302:
        return opened
    page = client.get(opened["Location"])
    if b'type="submit"' not in page.content:
        return page
    return client.post(opened["Location"])


@pytest.fixture
def recorded():
    """A customer the shop recorded at checkout, with no sign-in and no password."""
    return CustomerFactory(email="checkout@example.kz", preferred_language="kk")


def test_a_customer_without_a_sign_in_is_signed_in_by_the_link(client, recorded):
    response = _ask(client, "Checkout@Example.kz", "kk")

    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == ["checkout@example.kz"]
    assert email.subject == "Homeshop.kz: кіруге арналған сілтемеңіз"
    path = LINK.search(email.body).group(1)
    assert _use(client, path).status_code == 302
    recorded.refresh_from_db()
    assert recorded.user is not None and not recorded.user.has_usable_password()
    assert int(client.session["_auth_user_id"]) == recorded.user.pk


def test_the_link_is_never_stored_in_the_outbox(client, recorded):
    _ask(client, "checkout@example.kz")

    row = OutboundMessage.objects.get(reason="accounts.sign_in_link")
    path = LINK.search(mail.outbox[0].body).group(1)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    stored = " ".join([row.subject, row.body_text, row.body_html, row.object_key])
    assert token not in stored and "/account/sign-in/" not in stored


def test_the_link_works_once(client, recorded):
    _ask(client, "checkout@example.kz")
    path = LINK.search(mail.outbox[0].body).group(1)
    _use(client, path)
    client.logout()

    again = _use(client, path)

    assert again.status_code == 200
    assert "_auth_user_id" not in client.session
    assert User.objects.filter(email="checkout@example.kz").count() == 1


def test_a_customer_with_a_password_may_use_it_once_too(client):
    customer = SignedUpCustomerFactory(email="aigerim@example.kz")
    _ask(client, "aigerim@example.kz")
    path = LINK.search(mail.outbox[0].body).group(1)

    assert _use(client, path).status_code == 302
    assert int(client.session["_auth_user_id"]) == customer.user.pk
    client.logout()
    assert _use(client, path).status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_expired_link_is_refused(client, recorded):
    _ask(client, "checkout@example.kz")
    path = LINK.search(mail.outbox[0].body).group(1)

    later = timezone.now() + timedelta(seconds=settings.SIGN_IN_LINK_MAX_AGE + 60)
    with time_machine.travel(later, tick=False):
        response = _use(client, path)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    recorded.refresh_from_db()
    assert recorded.user is None


def test_a_tampered_link_is_refused(client, recorded):
    _ask(client, "checkout@example.kz")
    path = LINK.search(mail.outbox[0].body).group(1)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    forged = path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))

    assert _use(client, forged).status_code == 200
    assert "_auth_user_id" not in client.session


def test_no_link_for_a_staff_address_and_the_page_reads_the_same(client):
    StaffFactory(email="officer@homeshop.kz")
    CustomerFactory(email="officer@homeshop.kz")

    response = _ask(client, "officer@homeshop.kz")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in_link_sent")
    assert mail.outbox == []


def test_an_unknown_address_gets_the_same_page_and_no_email(client):
    response = _ask(client, "nobody@example.kz")

    assert response["Location"] == reverse("accounts:sign_in_link_sent")
    assert mail.outbox == []


def test_a_bad_address_is_refused_with_a_message(client):
    response = client.post(ASK, {"email": "not-an-address"}, HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not OutboundMessage.objects.exists()
