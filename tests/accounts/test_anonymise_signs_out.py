"""4.1, issue 11: anonymising a customer ends every way back into the account at once:
the signed-in browser (its stored session is deleted, not left to expire), and every
emailed link still unused (sign-in, first sign-in, password reset, email confirmation)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import EmailChangeRequest
from accounts.sign_in_links import (
    first_sign_in_customer,
    first_sign_in_token_make,
    sign_in_link_customer,
    sign_in_token_make,
)
from homeshop_privacy.errors import DomainError
from tests.accounts.factories import SignedUpCustomerFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HOME = reverse("accounts:home")


def _sessions_of(user) -> list[str]:
    return [
        s.session_key
        for s in Session.objects.all()
        if str(s.get_decoded().get(SESSION_KEY)) == str(user.pk)
    ]


def _signed_in(customer) -> Client:
    browser = Client()
    browser.force_login(customer.user)
    assert browser.get(HOME).status_code == 200
    return browser


def test_the_signed_in_browser_is_signed_out_at_once_and_its_session_row_is_gone():
    customer = SignedUpCustomerFactory()
    other = SignedUpCustomerFactory()
    browser, bystander = _signed_in(customer), _signed_in(other)
    assert len(_sessions_of(customer.user)) == 1

    counts = services.customer_anonymise(customer=customer, actor=None, reason="test")

    assert counts["sessions"] == 1
    assert _sessions_of(customer.user) == []  # gone before any request comes
    response = browser.get(HOME)
    assert response.status_code == 302 and "/login/" in response["Location"]
    # Somebody else's session is untouched.
    assert len(_sessions_of(other.user)) == 1
    assert bystander.get(HOME).status_code == 200


def test_every_session_of_the_customer_goes_and_only_theirs():
    customer = SignedUpCustomerFactory()
    phone, laptop = _signed_in(customer), _signed_in(customer)
    assert len(_sessions_of(customer.user)) == 2
    services.customer_anonymise(customer=customer, actor=None, reason="test")
    assert _sessions_of(customer.user) == []
    for browser in (phone, laptop):
        assert browser.get(HOME).status_code == 302


def test_emailed_links_made_before_are_refused_after():
    customer = SignedUpCustomerFactory()
    sign_in = sign_in_token_make(customer)
    reset = default_token_generator.make_token(customer.user)
    change = services.customer_email_change_request(
        customer=customer, new_email="new.address@example.kz", actor=customer.user
    )
    confirm = services.email_change_token(change)
    assert sign_in_link_customer(sign_in) == customer  # valid until now

    services.customer_anonymise(customer=customer, actor=None, reason="test")

    customer.refresh_from_db()
    assert sign_in_link_customer(sign_in) is None
    assert not default_token_generator.check_token(customer.user, reset)
    change.refresh_from_db()
    assert change.status == EmailChangeRequest.Status.CANCELLED
    with pytest.raises(DomainError):
        services.customer_email_change_confirm(token=confirm, actor=None)
    customer.refresh_from_db()
    assert customer.email.endswith("@anonymised.invalid")


def test_a_first_sign_in_link_of_a_customer_without_an_account_is_refused_after():
    customer = CustomerFactory(user=None)
    token = first_sign_in_token_make(customer)
    assert first_sign_in_customer(token) == customer
    services.customer_anonymise(customer=customer, actor=None, reason="test")
    assert first_sign_in_customer(token) is None
