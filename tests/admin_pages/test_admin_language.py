"""Issue 13: the admin speaks the staff member's language (their setting) and has a
switcher in its header."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import PASSWORD
from tests.two_factor import staff_login

pytestmark = pytest.mark.django_db

LANGUAGE = reverse("admin:language")


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_header_offers_the_three_languages(client, officer):
    client.force_login(officer)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert f'action="{LANGUAGE}"' in page
    for code in ("ru", "kk", "en"):
        assert f'name="language" value="{code}"' in page


def test_switching_saves_the_setting_and_shows_the_admin_in_it(client, officer):
    client.force_login(officer)
    response = client.post(LANGUAGE, {"language": "kk", "next": "/admin/claims/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/claims/"
    officer.refresh_from_db()
    assert officer.language == "kk"
    history = User.history.filter(id=officer.pk).latest("history_date")
    assert history.history_user == officer
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "kk"


def test_an_unknown_language_changes_nothing(client, officer):
    client.force_login(officer)
    before = User.history.filter(id=officer.pk).count()
    client.post(LANGUAGE, {"language": "de", "next": "/admin/"})
    officer.refresh_from_db()
    assert officer.language == "ru"
    assert User.history.filter(id=officer.pk).count() == before
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_the_next_address_stays_on_this_site(client, officer):
    client.force_login(officer)
    response = client.post(LANGUAGE, {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == reverse("admin:index")


def test_a_get_changes_nothing(client, officer):
    client.force_login(officer)
    assert client.get(LANGUAGE + "?language=en").status_code == 405
    officer.refresh_from_db()
    assert officer.language == "ru"


def test_signing_in_follows_the_setting_not_the_browser(settings, officer):
    settings.STAFF_OTP_REQUIRED = False
    officer.language = "kk"
    officer.save()
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.post(reverse("admin:login"), {"username": officer.email, "password": PASSWORD})
    page = browser.get("/admin/")
    assert page.status_code == 200
    assert page["Content-Language"] == "kk"


def test_a_customer_cannot_use_the_switcher(customer):
    from tests.factories import UserFactory

    user = UserFactory()
    browser = staff_login(Client(), user)
    response = browser.post(LANGUAGE, {"language": "en"})
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    user.refresh_from_db()
    assert user.language == "ru"
