import pytest

from consents.models import ConsentEvent
from consents.selectors import consent_is_granted
from tests.factories import CustomerFactory, UserFactory

from .factories import grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = UserFactory()
    customer = CustomerFactory(user=user, preferred_language="ru")
    client.force_login(user)
    return client, customer


def test_account_page_lists_consents_and_contract_purposes(signed_in):
    client, customer = signed_in
    grant(customer, "4.2.6")

    page = client.get("/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="section-consents"' in page
    assert "Informing the buyer about promotions and special offers" in page
    assert "Withdraw" in page and "Give consent" in page
    assert "Delivering goods to the buyer" in page  # 4.2.3, shown as information


def test_customer_withdraws_a_consent_from_the_account_page(signed_in):
    client, customer = signed_in
    grant(customer, "4.2.6")

    response = client.post(
        "/consents/choice/",
        {"purpose": "4.2.6", "action": "withdraw"},
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
    )

    assert response.status_code == 302
    assert response["Location"].endswith("/account/#section-consents")
    assert not consent_is_granted(customer_id=customer.pk, purpose_code="4.2.6")
    event = ConsentEvent.objects.filter(customer=customer).latest("id")
    assert (event.channel, event.actor, event.user_agent) == (
        "account_page",
        customer.user,
        "Mozilla/5.0 (iPhone)",
    )
    assert event.wording.text.endswith("(4.2.6): Отозвать")


def test_a_contract_purpose_cannot_be_withdrawn_from_the_account_page(signed_in):
    client, customer = signed_in

    response = client.post(
        "/consents/choice/", {"purpose": "4.2.1", "action": "withdraw"}, follow=True
    )

    assert "основана на договоре купли-продажи" in response.content.decode()
    assert not ConsentEvent.objects.exists()


def test_choice_needs_a_signed_in_customer(client):
    response = client.post("/consents/choice/", {"purpose": "4.2.6", "action": "grant"})

    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert not ConsentEvent.objects.exists()


def test_account_export_contains_the_consent_ledger(signed_in):
    client, customer = signed_in
    grant(customer, "4.2.7", ip_address="203.0.113.9")
    other = CustomerFactory()
    grant(other, "4.2.6")

    data = client.get("/account/export/my-data.json").json()

    section = data["sections"]["consents"] if "sections" in data else data["consents"]
    assert [e["purpose_code"] for e in section["events"]] == ["4.2.7"]
    assert section["events"][0]["ip_address"] == "203.0.113.9"
