"""A locked-out customer is not sent round in a loop (user review, finding 3).

The lock page suggests resetting the password: a completed reset (or first sign-in)
clears the account's failed attempts, and attempts made while locked do not restart the
wait.
"""

import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.outbox import message_send
from tests.accounts.factories import PASSWORD
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "Tole-bi-59-new"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(client, email, password, ip="10.0.1.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def _lock(client, email):
    for n in range(5):
        _sign_in(client, email, "wrong-password", f"10.0.0.{n + 1}")
    assert _sign_in(client, email, PASSWORD).status_code == 429


def _emailed_path(pattern):
    for row in OutboundMessage.objects.filter(status="pending"):
        message_send(message_id=row.pk)
    link = re.search(pattern, mail.outbox[-1].body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_a_password_reset_lifts_the_lock_and_the_new_password_signs_in(client, me):
    _lock(client, me.user.email)
    client.post(RESET, {"email": me.email})
    form_url = client.get(_emailed_path(r"https?://\S+/account/password/reset/\S+/"))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert not AccessAttempt.objects.filter(username=me.user.email.lower()).exists()
    response = _sign_in(client, me.user.email, NEW_PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_first_sign_in_clears_failures_on_the_address(client):
    customer = CustomerFactory(email="first@example.kz")
    _lock(client, "first@example.kz")
    client.post(RESET, {"email": "first@example.kz"})
    path = _emailed_path(r"https?://\S+/account/first-sign-in/\S+/")
    form_url = client.get(path)["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert User.objects.filter(customer=customer).exists()
    client.logout()
    assert _sign_in(client, "first@example.kz", NEW_PASSWORD).status_code == 302


def test_an_attempt_while_locked_does_not_move_the_end_of_the_lock(client, me):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(5):
            _sign_in(client, me.user.email, "wrong-password", f"10.0.0.{n + 1}")
    failures_before = sum(a.failures_since_start for a in AccessAttempt.objects.all())
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert _sign_in(client, me.user.email, PASSWORD).status_code == 429
        assert _sign_in(client, me.user.email, "wrong-password").status_code == 429
    assert sum(a.failures_since_start for a in AccessAttempt.objects.all()) == failures_before
    assert max(a.attempt_time for a in AccessAttempt.objects.all()) == start
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert _sign_in(client, me.user.email, PASSWORD).status_code == 302
