"""Completing the first sign-in says the account was created (user review, finding 6).

It used to end on Django's "Password changed" page, for an account that had no password.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.outbox import message_send
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Tole-bi-59-new"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_first_sign_in_ends_signed_in_with_the_account_created(client):
    customer = CustomerFactory(email="first@example.kz", preferred_language="ru")
    client.post(reverse("accounts:password_reset"), {"email": "first@example.kz"})
    for row in OutboundMessage.objects.filter(status="pending"):
        message_send(message_id=row.pk)
    link = re.search(r"https?://\S+/account/first-sign-in/\S+/", mail.outbox[-1].body).group(0)
    form_url = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])["Location"]
    response = client.post(
        form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD}, follow=True
    )
    page = response.content.decode()
    user = User.objects.get(customer=customer)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert response.request["PATH_INFO"] == reverse("accounts:home")
    assert "Учётная запись Homeshop.kz создана, вы вошли в неё." in page
    assert "Пароль изменён" not in page and "Password changed" not in page
