"""Issue 13: a staff sign-in is not a change of the staff account (no empty "Changed"
history entry each time); the time of the sign-in is still kept in ``last_login``."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


def test_staff_sign_in_with_both_factors_writes_no_history_and_keeps_last_login(officer):
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    before = User.history.filter(id=officer.pk).count()
    browser = Client()
    browser.post(
        reverse("admin:login"),
        {"username": officer.email, "password": PASSWORD, "next": reverse("admin:index")},
    )
    response = browser.post(
        reverse("admin:two_factor_verify"), {"token": _code(device), "next": "/admin/"}
    )
    assert response.status_code == 302
    assert browser.get(reverse("admin:index")).status_code == 200
    assert User.history.filter(id=officer.pk).count() == before
    officer.refresh_from_db()
    assert officer.last_login is not None


def test_a_real_change_of_the_account_still_writes_history(officer):
    before = User.history.filter(id=officer.pk).count()
    officer.full_name = "Айгерим Сапарова"
    officer.save()
    assert User.history.filter(id=officer.pk).count() == before + 1
