"""Forgotten password: the email goes through the outbox, and the link works."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.outbox import message_send
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")


def _send_all():
    for row in OutboundMessage.objects.filter(status="pending"):
        message_send(message_id=row.pk)


def test_reset_email_is_written_to_the_outbox_not_sent_directly(client, me, settings):
    settings.SITE_URL = "https://privacy.homeshop.kz"
    response = client.post(RESET, {"email": me.email.upper()}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 302
    assert mail.outbox == []  # nothing bypasses the outbox
    (row,) = OutboundMessage.objects.filter(reason="accounts.password_reset")
    assert row.recipient == me.user.email
    assert row.language == "ru"
    _send_all()
    (email,) = mail.outbox
    assert email.to == [me.user.email]
    assert "новый пароль" in email.subject
    assert "https://privacy.homeshop.kz/account/password/reset/" in email.body


def test_link_from_the_email_sets_a_new_password(client, me):
    client.post(RESET, {"email": me.email})
    _send_all()
    link = re.search(r"https?://\S+/account/password/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 302  # Django moves the token into the session
    form_url = response["Location"]
    response = client.post(
        form_url, {"new_password1": "Tole-bi-59-new", "new_password2": "Tole-bi-59-new"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    me.user.refresh_from_db()
    assert me.user.check_password("Tole-bi-59-new")


def test_unknown_address_gets_the_same_answer_and_no_email(client, db):
    response = client.post(RESET, {"email": "nobody@example.kz"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert not OutboundMessage.objects.exists()


def test_staff_accounts_are_not_reset_from_the_customer_page(client, db):
    staff = StaffFactory(email="officer@homeshop.kz")
    client.post(RESET, {"email": staff.email})
    assert not OutboundMessage.objects.exists()


def test_customer_recorded_at_checkout_sets_a_first_password_and_signs_in(client, db):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(email="checkout@example.kz", preferred_language="kk")
    assert customer.user is None
    client.post(RESET, {"email": "Checkout@Example.kz"})
    _send_all()
    customer.refresh_from_db()
    # Issue 8 item 6: asking creates no account; using the emailed link does.
    assert customer.user is None
    link = re.search(r"https?://\S+/account/first-sign-in/\S+/", mail.outbox[-1].body).group(0)
    response = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 302
    client.post(
        response["Location"],
        {"new_password1": "Abaya-150-kv12", "new_password2": "Abaya-150-kv12"},
    )
    customer.refresh_from_db()
    assert customer.user is not None
    assert customer.user.email == "checkout@example.kz"
    assert customer.user.language == "kk"
    client.logout()
    response = client.post(
        reverse("accounts:login"),
        {"username": "checkout@example.kz", "password": "Abaya-150-kv12"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")


def test_asking_twice_before_choosing_a_password_sends_a_second_link(client, db):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(email="checkout@example.kz")
    client.post(RESET, {"email": customer.email})
    client.post(RESET, {"email": customer.email})
    _send_all()
    customer.refresh_from_db()
    assert mail.outbox and all(m.to == [customer.email] for m in mail.outbox)
    # Issue 8 item 6: no account until a link is used.
    assert customer.user is None
    assert not User.objects.filter(email__iexact=customer.email).exists()


def test_no_second_sign_in_is_made_for_an_address_a_staff_account_uses(client, db):
    from tests.factories import CustomerFactory

    StaffFactory(email="shared@homeshop.kz")
    customer = CustomerFactory(email="shared@homeshop.kz")
    client.post(RESET, {"email": customer.email})
    customer.refresh_from_db()
    assert customer.user is None
    assert not OutboundMessage.objects.exists()


def test_closed_account_gets_no_link(client, me):
    me.user.is_active = False
    me.user.save()
    client.post(RESET, {"email": me.email})
    assert not OutboundMessage.objects.exists()
