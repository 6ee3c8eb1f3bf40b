import pytest

from tests.accounts.factories import SignedUpCustomerFactory


@pytest.fixture
def me(db):
    """A customer who can sign in."""
    return SignedUpCustomerFactory(first_name="Айгерим", last_name="Сейткалиева")


@pytest.fixture
def my_client(client, me):
    """A browser signed in as ``me``, asking for Russian (the default language)."""
    client.force_login(me.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    return client
