from urllib.parse import urlsplit

import pytest
from django.core import signing

from consents.models import ConsentEvent
from consents.selectors import consent_is_granted, unsubscribe_url
from consents.tokens import unsubscribe_token_make
from tests.factories import CustomerFactory

from .factories import grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscriber():
    customer = CustomerFactory(preferred_language="ru", email="aigerim@example.kz")
    grant(customer)
    return customer


def _path(customer):
    return urlsplit(unsubscribe_url(customer=customer)).path


def _granted(customer):
    return consent_is_granted(customer_id=customer.pk, purpose_code="4.2.6")


def test_get_shows_a_confirmation_page_and_changes_nothing(client, subscriber):
    response = client.get(_path(subscriber))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Отписаться от рекламных писем?" in page
    assert "a••••••@example.kz" in page  # masked: the link may be forwarded
    assert _granted(subscriber)


def test_confirmation_page_is_in_the_customers_language(client):
    customer = CustomerFactory(preferred_language="kk")
    grant(customer)

    page = client.get(_path(customer), HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "Жарнамалық хаттардан бас тартасыз ба?" in page
    assert '<html lang="kk">' in page


def test_post_withdraws_consent_at_once_and_shows_the_result(client, subscriber):
    response = client.post(_path(subscriber), HTTP_USER_AGENT="Mozilla/5.0 (Android)")

    assert response.status_code == 200
    assert "Вы отписались" in response.content.decode()
    assert not _granted(subscriber)
    event = ConsentEvent.objects.filter(customer=subscriber).latest("id")
    assert event.action == ConsentEvent.Action.WITHDRAW
    assert event.channel == ConsentEvent.Channel.EMAIL_LINK
    assert event.user_agent == "Mozilla/5.0 (Android)"
    assert event.ip_address == "127.0.0.1"
    assert "Отписаться от рекламных писем?" in event.wording.text


def test_one_click_post_from_a_mail_client_withdraws_consent(client, subscriber):
    response = client.post(_path(subscriber), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not _granted(subscriber)
    assert ConsentEvent.objects.filter(customer=subscriber).latest("id").note == (
        "one-click (RFC 8058)"
    )


def test_repeating_the_unsubscribe_is_harmless(client, subscriber):
    client.post(_path(subscriber))
    events = ConsentEvent.objects.filter(customer=subscriber).count()

    again = client.post(_path(subscriber), {"List-Unsubscribe": "One-Click"})

    assert again.status_code == 200
    assert "Вы отписались" in again.content.decode()
    assert ConsentEvent.objects.filter(customer=subscriber).count() == events
    assert "Вы уже отписались" in client.get(_path(subscriber)).content.decode()


def test_tampered_token_gets_a_clear_400_page_and_changes_nothing(client, subscriber):
    other = CustomerFactory()
    grant(other)
    token = unsubscribe_token_make(customer_id=subscriber.pk, purpose_code="4.2.6")
    payload, signature = token.split(":", 1)
    forged = signing.b64_encode(f'{{"c":{other.pk},"p":"4.2.6"}}'.encode()).decode()

    for bad in (forged + ":" + signature, token[:-2] + "xx", "garbage"):
        response = client.post(f"/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert "Ссылка для отписки недействительна" in response.content.decode()
    assert _granted(subscriber) and _granted(other)


def test_a_token_signed_for_another_purpose_is_refused(client, subscriber):
    foreign = signing.dumps({"c": subscriber.pk, "p": "4.2.6"}, salt="accounts.something-else")

    response = client.post(f"/unsubscribe/{foreign}/")

    assert response.status_code == 400
    assert _granted(subscriber)


def test_get_never_withdraws_even_when_prefetched_twice(client, subscriber):
    client.get(_path(subscriber))
    client.get(_path(subscriber))

    assert _granted(subscriber)
