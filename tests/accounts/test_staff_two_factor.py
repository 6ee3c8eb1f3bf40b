"""Issue 8 item 7: staff sign in with a second factor; staff sessions end when idle."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from accounts.two_factor import backup_code_digest
from tests.accounts.factories import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")
LOGIN = reverse("admin:login")
SETUP = reverse("admin:two_factor_setup")
VERIFY = reverse("admin:two_factor_verify")


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def browser():
    """A plain browser: it signs in with the password only, as a person does."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _password_sign_in(browser, user):
    # Issue 13: the admin speaks the staff member's language from the sign-in on; this
    # one's setting is the browser's English.
    user.language = "en"
    user.save(update_fields=["language"])
    response = browser.post(LOGIN, {"username": user.email, "password": PASSWORD, "next": ADMIN})
    assert "_auth_user_id" in browser.session
    return response


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


def _enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = ["aaaa1111", "bbbb2222"]
    for code in codes:
        StaticToken.objects.create(device=backup, token=backup_code_digest(code))
    return device, codes


def test_password_alone_does_not_open_the_admin_and_leads_to_enrolment(browser, officer):
    response = _password_sign_in(browser, officer)
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    response = browser.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert browser.get(response["Location"])["Location"].startswith(SETUP)
    # No admin page opens, a model page neither.
    assert browser.get(reverse("admin:accounts_customer_changelist")).status_code == 302


def test_enrolment_page_shows_a_qr_code_and_the_secret_as_text(browser, officer):
    _password_sign_in(browser, officer)
    response = browser.get(SETUP)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page
    assert "<script" not in page.split("<body", 1)[1].replace('<script src="', "")
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    from accounts.two_factor import totp_secret_text

    assert totp_secret_text(device) in page
    # A reload shows the same secret (the app scanned already stays right).
    assert browser.get(SETUP).content.decode().count(totp_secret_text(device)) == 1
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_enrolment_with_a_wrong_code_is_refused(browser, officer):
    _password_sign_in(browser, officer)
    browser.get(SETUP)
    device = TOTPDevice.objects.get(user=officer)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = browser.post(SETUP, {"token": wrong})
    assert response.status_code == 200
    assert "This code is not valid" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=officer).exists()
    assert browser.get(ADMIN).status_code == 302


def test_enrolment_with_the_right_code_opens_the_admin_and_shows_ten_backup_codes(browser, officer):
    _password_sign_in(browser, officer)
    browser.get(SETUP)
    device = TOTPDevice.objects.get(user=officer)
    response = browser.post(SETUP, {"token": _code(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    stored = set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    page = response.content.decode()
    codes = set(re.findall(r"<li><code>([0-9a-z]+)</code></li>", page))
    assert len(codes) == len(stored) == 10
    # Shown to the person, stored only as digests: the database holds no usable code.
    assert {backup_code_digest(code) for code in codes} == stored
    assert not codes & stored
    assert SecurityEvent.objects.get(kind=SecurityEvent.Kind.TWO_FACTOR_ENROLLED).user == officer
    assert browser.get(ADMIN).status_code == 200
    # Shown once: the enrolment page now sends to the code page, codes nowhere else.
    assert browser.get(SETUP)["Location"].startswith(VERIFY)


def test_enrolled_staff_is_asked_for_a_code_and_a_valid_one_opens_the_admin(browser, officer):
    device, _codes = _enrolled(officer)
    response = _password_sign_in(browser, officer)
    assert response["Location"].startswith(VERIFY)
    assert browser.get(ADMIN).status_code == 302
    response = browser.post(VERIFY, {"token": "000000" if _code(device) != "000000" else "111111"})
    assert response.status_code == 200
    assert "This code is not valid" in response.content.decode()
    assert browser.get(ADMIN).status_code == 302
    # django-otp makes the next try wait after a failure (1 s, then 2, 4, ...).
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5), tick=False):
        response = browser.post(VERIFY, {"token": _code(device), "next": ADMIN})
        assert response.status_code == 302
        assert browser.get(ADMIN).status_code == 200


def test_guessing_codes_is_slowed_down(browser, officer):
    device, _codes = _enrolled(officer)
    _password_sign_in(browser, officer)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        right = _code(device)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        browser.post(VERIFY, {"token": wrong})
        # Even the right code is refused until the wait is over.
        assert browser.post(VERIFY, {"token": right}).status_code == 200
    assert browser.get(ADMIN).status_code == 302


def test_a_backup_code_works_once_only(browser, officer):
    _device, codes = _enrolled(officer)
    _password_sign_in(browser, officer)
    assert browser.post(VERIFY, {"token": codes[0]}).status_code == 302
    assert browser.get(ADMIN).status_code == 200
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.BACKUP_CODE_USED)
    assert event.user == officer
    assert codes[0] not in event.detail

    browser.post(reverse("accounts:logout"))
    second = Client(HTTP_ACCEPT_LANGUAGE="en")
    _password_sign_in(second, officer)
    response = second.post(VERIFY, {"token": codes[0]})
    assert response.status_code == 200
    assert second.get(ADMIN).status_code == 302
    assert StaticToken.objects.filter(token=backup_code_digest(codes[0])).count() == 0
    assert StaticToken.objects.filter(token=backup_code_digest(codes[1])).count() == 1


def test_the_next_address_after_the_code_stays_on_this_site(browser, officer):
    device, _codes = _enrolled(officer)
    _password_sign_in(browser, officer)
    response = browser.post(VERIFY, {"token": _code(device), "next": "https://evil.example/"})
    assert response["Location"] == ADMIN


def test_a_customer_never_meets_the_second_factor(client, me):
    client.force_login(me.user)
    assert client.get(reverse("accounts:home")).status_code == 200
    assert client.get(SETUP).status_code == 302  # not staff: sent to the admin sign-in
    assert not TOTPDevice.objects.exists()


def test_with_the_setting_off_the_password_alone_opens_the_admin(browser, officer, settings):
    settings.STAFF_OTP_REQUIRED = False
    _password_sign_in(browser, officer)
    assert browser.get(ADMIN).status_code == 200


def test_suite_client_signs_staff_in_with_both_factors(client, officer):
    client.force_login(officer)
    assert client.get(ADMIN).status_code == 200
    client.logout()
    client.force_login(officer, otp=False)
    assert client.get(ADMIN).status_code == 302


# Session ages ------------------------------------------------------------------------------


def test_idle_staff_session_ends_after_four_hours(client, officer, settings):
    assert settings.STAFF_SESSION_IDLE_SECONDS == 4 * 60 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(officer)
        assert client.get(ADMIN).status_code == 200
    # Active: each request starts the idle time again.
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        assert client.get(ADMIN).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=6, minutes=59), tick=False):
        assert client.get(ADMIN).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=11), tick=False):
        response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_customer_session_lasts_longer_than_a_staff_one(client, me):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(me.user)
        assert client.get(reverse("accounts:home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(days=3), tick=False):
        assert client.get(reverse("accounts:home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(days=20), tick=False):
        assert client.get(reverse("accounts:home")).status_code == 302


# Reset by a superuser ----------------------------------------------------------------------


def test_reset_command_removes_the_devices_and_records_who_asked(browser, officer):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    device, _codes = _enrolled(officer)
    _password_sign_in(browser, officer)
    browser.post(VERIFY, {"token": _code(device)})
    assert browser.get(ADMIN).status_code == 200

    call_command("staff_otp_reset", officer.email.upper(), "--by", superuser.email)

    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.TWO_FACTOR_RESET)
    assert (event.user, event.actor) == (officer, superuser)
    assert "manage.py" in event.detail
    # The open session lost its second factor: back to enrolment.
    response = browser.get(ADMIN)
    assert response.status_code == 302
    assert browser.get(response["Location"])["Location"].startswith(SETUP)


def test_reset_command_needs_a_superuser_and_a_staff_account(officer, auditor):
    _enrolled(officer)
    with pytest.raises(CommandError):
        call_command("staff_otp_reset", officer.email, "--by", auditor.email)
    customer = UserFactory()
    superuser = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(CommandError):
        call_command("staff_otp_reset", customer.email, "--by", superuser.email)
    assert TOTPDevice.objects.filter(user=officer).exists()
    assert not SecurityEvent.objects.exists()


def test_two_factor_pages_carry_no_inline_script(browser, officer):
    _password_sign_in(browser, officer)
    for url in (SETUP,):
        page = browser.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_two_factor_devices_have_no_admin_pages():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)
