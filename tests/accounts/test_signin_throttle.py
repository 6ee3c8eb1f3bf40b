"""Issue 8 item 6: brute-force limits on sign-in (staff and customers) and on reset requests.

Numbers (README, "Sign-in protection"): 5 failures per account or 20 per IP address within
15 minutes lock sign-in for 15 minutes; 3 reset requests per address and 20 per IP address
per hour.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import SecurityEvent
from homeshop_privacy.models import OutboundMessage
from tests.accounts.factories import PASSWORD, SignedUpCustomerFactory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

CUSTOMER_LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
RESET = reverse("accounts:password_reset")


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(client, url, email, password, ip, language="en"):
    return client.post(
        url,
        {"username": email, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_customer_account_even_from_other_addresses(client, me):
    for n in range(5):
        _sign_in(client, CUSTOMER_LOGIN, me.user.email, "wrong-password", f"10.0.0.{n + 1}")
    response = _sign_in(client, CUSTOMER_LOGIN, me.user.email, PASSWORD, "10.0.1.1", "ru")
    assert response.status_code == 429
    assert not _signed_in(client)
    page = response.content.decode()
    assert "Слишком много неудачных попыток входа" in page
    assert "15" in page


def test_four_wrong_passwords_do_not_lock_the_account(client, me):
    for _ in range(4):
        _sign_in(client, CUSTOMER_LOGIN, me.user.email, "wrong-password", "10.0.0.1")
    response = _sign_in(client, CUSTOMER_LOGIN, me.user.email, PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert _signed_in(client)


def test_the_account_lock_ignores_the_case_of_the_email(client, me):
    for n in range(5):
        email = me.user.email.upper() if n % 2 else me.user.email
        _sign_in(client, CUSTOMER_LOGIN, email, "wrong-password", f"10.0.0.{n + 1}")
    response = _sign_in(client, CUSTOMER_LOGIN, me.user.email, PASSWORD, "10.0.1.1")
    assert response.status_code == 429
    assert not _signed_in(client)


def test_staff_account_locks_on_the_admin_sign_in_with_the_message_in_kazakh(client):
    staff = StaffFactory()
    for n in range(5):
        _sign_in(client, ADMIN_LOGIN, staff.email, "wrong-password", f"10.0.0.{n + 1}")
    response = _sign_in(client, ADMIN_LOGIN, staff.email, PASSWORD, "10.0.1.1", "kk")
    assert response.status_code == 429
    assert not _signed_in(client)
    assert "Кіру әрекеттері тым көп рет сәтсіз болды" in response.content.decode()


def test_the_lock_ends_after_fifteen_minutes(client, me):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(5):
            _sign_in(client, CUSTOMER_LOGIN, me.user.email, "wrong-password", f"10.0.0.{n + 1}")
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert (
            _sign_in(client, CUSTOMER_LOGIN, me.user.email, PASSWORD, "10.0.1.1").status_code == 429
        )
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        response = _sign_in(client, CUSTOMER_LOGIN, me.user.email, PASSWORD, "10.0.1.1")
    assert response.status_code == 302
    assert _signed_in(client)


def test_twenty_failures_from_one_ip_across_accounts_lock_that_ip(client):
    for n in range(20):
        _sign_in(client, CUSTOMER_LOGIN, f"nobody{n}@example.kz", "wrong-password", "10.9.9.9")
    victim = SignedUpCustomerFactory()
    response = _sign_in(client, CUSTOMER_LOGIN, victim.user.email, PASSWORD, "10.9.9.9")
    assert response.status_code == 429
    assert not _signed_in(client)
    # The same account from another network still signs in: the lock is on the address.
    response = _sign_in(client, CUSTOMER_LOGIN, victim.user.email, PASSWORD, "10.8.8.8")
    assert response.status_code == 302
    assert _signed_in(client)


def test_nineteen_failures_from_one_ip_do_not_lock_it(client):
    for n in range(19):
        _sign_in(client, CUSTOMER_LOGIN, f"nobody{n}@example.kz", "wrong-password", "10.9.9.9")
    victim = SignedUpCustomerFactory()
    response = _sign_in(client, CUSTOMER_LOGIN, victim.user.email, PASSWORD, "10.9.9.9")
    assert response.status_code == 302


def test_the_failed_attempt_keeps_no_password_or_csrf_token(client, me):
    from axes.models import AccessAttempt

    _sign_in(client, CUSTOMER_LOGIN, me.user.email, "my-secret-guess", "10.0.0.1")
    (attempt,) = AccessAttempt.objects.all()
    assert "my-secret-guess" not in attempt.post_data
    assert "csrfmiddlewaretoken=" not in attempt.post_data or "****" in attempt.post_data


# Unlock by an officer in the admin --------------------------------------------------------


def _lock(client, email):
    for n in range(5):
        _sign_in(client, CUSTOMER_LOGIN, email, "wrong-password", f"10.0.0.{n + 1}")


def test_officer_unlocks_an_account_in_the_admin_and_the_customer_signs_in(
    client, django_user_model, me, officer
):
    from axes.models import AccessAttempt
    from django.test import Client

    customer_browser = Client()
    _lock(customer_browser, me.user.email)
    assert (
        _sign_in(customer_browser, CUSTOMER_LOGIN, me.user.email, PASSWORD, "10.0.1.1").status_code
        == 429
    )
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))

    client.force_login(officer)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert client.get(changelist).status_code == 200
    response = client.post(
        changelist, {"action": "unlock", "_selected_action": [str(pk) for pk in ids]}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SIGN_IN_UNLOCKED)
    assert event.actor == officer
    assert event.user == me.user

    response = _sign_in(customer_browser, CUSTOMER_LOGIN, me.user.email, PASSWORD, "10.0.1.1")
    assert response.status_code == 302
    assert _signed_in(customer_browser)


def test_auditor_sees_the_lockouts_but_cannot_unlock(client, me, auditor):
    from axes.models import AccessAttempt
    from django.test import Client

    _lock(Client(), me.user.email)
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    client.force_login(auditor)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "unlock", "_selected_action": ids})
    client.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    client.post(reverse("admin:axes_accessattempt_delete", args=[ids[0]]), {"post": "yes"})
    assert AccessAttempt.objects.count() == len(ids)
    assert not SecurityEvent.objects.exists()


def test_support_agent_does_not_see_the_lockouts(client, me, support_agent):
    from axes.models import AccessAttempt
    from django.test import Client

    _lock(Client(), me.user.email)
    client.force_login(support_agent)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    pk = AccessAttempt.objects.values_list("pk", flat=True)[0]
    client.post(reverse("admin:axes_accessattempt_delete", args=[pk]), {"post": "yes"})
    assert AccessAttempt.objects.exists()


# Password-reset requests ------------------------------------------------------------------


def _reset_rows():
    return OutboundMessage.objects.filter(reason="accounts.password_reset").count()


def _request_reset(client, email, ip="10.0.0.1"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def test_fourth_reset_request_for_one_address_within_the_hour_sends_nothing(client, me):
    start = timezone.now()
    for n in range(3):
        # A minute apart: each request gets a new token, so a new email.
        with time_machine.travel(start + dt.timedelta(minutes=n), tick=False):
            response = _request_reset(client, me.email, ip=f"10.0.0.{n + 1}")
        assert response.status_code == 302
    assert _reset_rows() == 3
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        response = _request_reset(client, me.email, ip="10.0.0.9")
    # The page says what it says on success, whether the address exists or not.
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert _reset_rows() == 3
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        _request_reset(client, me.email, ip="10.0.0.9")
    assert _reset_rows() == 4


def test_throttled_reset_and_unknown_address_look_like_success(client, me):
    unknown = _request_reset(client, "nobody@example.kz")
    assert unknown.status_code == 302
    assert unknown["Location"] == reverse("accounts:password_reset_done")


def test_twenty_reset_requests_from_one_ip_stop_further_emails_from_it(client):
    customers = SignedUpCustomerFactory.create_batch(2)
    for n in range(20):
        _request_reset(client, f"nobody{n}@example.kz", ip="10.7.7.7")
    response = _request_reset(client, customers[0].email, ip="10.7.7.7")
    assert response.status_code == 302
    assert _reset_rows() == 0
    _request_reset(client, customers[1].email, ip="10.6.6.6")
    assert _reset_rows() == 1


def test_reset_counters_keep_no_address_or_ip_in_clear(client, me):
    from accounts.models import PasswordResetRequest

    _request_reset(client, me.email, ip="10.0.0.77")
    (row,) = PasswordResetRequest.objects.all()
    assert me.email.lower() not in (row.address_digest + row.ip_digest)
    assert "10.0.0.77" not in (row.address_digest + row.ip_digest)


def test_a_locked_account_is_refused_by_authenticate_itself(client, me):
    """The lock sits in the authentication backends, not only in the two sign-in pages."""
    from django.contrib.auth import authenticate
    from django.http import HttpRequest

    _lock(client, me.user.email)
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "10.5.5.5"
    assert authenticate(request=request, username=me.user.email.upper(), password=PASSWORD) is None
    other = SignedUpCustomerFactory()
    assert authenticate(request=request, username=other.user.email, password=PASSWORD) == other.user
