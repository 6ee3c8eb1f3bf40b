"""5.2.1: the customer sees on their account page who received their data."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from disclosures import services
from disclosures.models import Disclosure
from disclosures.services import LineInput
from tests.disclosures.conftest import NOW
from tests.factories import CustomerFactory, OrderFactory, UserFactory


@pytest.fixture
def me(db, client):
    user = UserFactory()
    customer = CustomerFactory(user=user, preferred_language="ru", email="me@example.kz")
    client.force_login(user)
    return customer


def my_section(client, **headers) -> str:
    page = client.get(reverse("accounts:home"), **headers).content.decode()
    start = page.index('id="section-disclosures"')
    return page[start : page.index("</section>", start)]


def deliver(officer, courier, order, when=NOW):
    return services.disclosure_record(
        actor=officer,
        recipient=courier,
        basis=Disclosure.Basis.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "contact", "address"],
        disclosed_at=when,
        lines=[LineInput(order.number)],
    )


def test_account_page_shows_who_received_my_data_and_why(client, me, officer, courier):
    deliver(officer, courier, OrderFactory(customer=me, number="HS-9001"))
    deliver(officer, courier, OrderFactory(number="HS-9002"))  # someone else's
    page = my_section(client, HTTP_ACCEPT_LANGUAGE="en")
    assert "ТОО «Быстрая доставка»" in page
    # Issue 9 §7: Almaty time, in the page's language's format (English here).
    assert "11/25/2026 noon" in page
    assert "order HS-9001" in page
    assert "HS-9002" not in page


def test_voided_entries_are_not_shown_to_the_customer(client, me, officer, courier):
    wrong = deliver(officer, courier, OrderFactory(customer=me, number="HS-9003"))
    services.disclosure_void(disclosure=wrong, actor=officer, reason="wrong courier")
    page = my_section(client, HTTP_ACCEPT_LANGUAGE="ru")
    assert "HS-9003" not in page
    assert "Ваши персональные данные не передавались третьим лицам." in page


def test_data_download_lists_every_disclosure(client, me, officer, courier):
    for days in range(3):
        deliver(officer, courier, OrderFactory(customer=me), NOW - dt.timedelta(days=days))
    export = client.get(reverse("accounts:export_json"))
    body = b"".join(export.streaming_content) if export.streaming else export.content
    rows = json.loads(body)["sections"]["disclosures"]
    assert len(rows) == 3
    assert rows[0]["recipient"] == "ТОО «Быстрая доставка»"
    assert rows[0]["lawful_basis"] == "5.4.2"
    assert rows[0]["data_categories"] == ["identity", "contact", "address"]
