"""4.3 with issue 8 item 9: a rotated secret key keeps the unsubscribe links of emails
already sent working (SECRET_KEY_FALLBACKS), and a link signed with any other key stays
refused."""

from urllib.parse import urlsplit

import pytest

from consents.selectors import consent_is_granted, unsubscribe_url
from tests.factories import CustomerFactory

from .factories import grant

pytestmark = pytest.mark.django_db

OLD_KEY = "old-production-key-" + "a" * 40
NEW_KEY = "new-production-key-" + "b" * 40
UNKNOWN_KEY = "someone-elses-key-" + "c" * 40


@pytest.fixture
def subscriber():
    customer = CustomerFactory(preferred_language="ru")
    grant(customer)
    return customer


def _link_signed_with(settings, key, customer):
    settings.SECRET_KEY = key
    return urlsplit(unsubscribe_url(customer=customer)).path


def _granted(customer):
    return consent_is_granted(customer_id=customer.pk, purpose_code="4.2.6")


def test_a_link_signed_with_the_previous_key_works_after_rotation(client, settings, subscriber):
    path = _link_signed_with(settings, OLD_KEY, subscriber)
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]

    response = client.post(path)

    assert response.status_code == 200
    assert not _granted(subscriber)


def test_a_link_signed_with_an_unknown_key_is_refused_and_changes_nothing(
    client, settings, subscriber
):
    path = _link_signed_with(settings, UNKNOWN_KEY, subscriber)
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]

    response = client.post(path)

    assert response.status_code == 400
    assert _granted(subscriber)


def test_new_links_are_signed_with_the_new_key_only(client, settings, subscriber):
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    path = _link_signed_with(settings, NEW_KEY, subscriber)
    # The old key retired: the new link must not depend on it.
    settings.SECRET_KEY_FALLBACKS = []

    response = client.post(path)

    assert response.status_code == 200
    assert not _granted(subscriber)
