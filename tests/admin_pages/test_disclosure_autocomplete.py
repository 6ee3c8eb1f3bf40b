"""Issue 13: the disclosure form picks customers and orders with the admin's autocomplete
(no raw database id), and the autocomplete answers only who may view them."""

import pytest
from django.urls import reverse

from disclosures.models import Disclosure
from tests.disclosures.factories import RecipientFactory
from tests.factories import CustomerFactory, OrderFactory, StaffFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:disclosures_disclosure_add")
AUTOCOMPLETE = reverse("admin:autocomplete")


def _search(client, field, term):
    return client.get(
        AUTOCOMPLETE,
        {
            "app_label": "disclosures",
            "model_name": "disclosureline",
            "field_name": field,
            "term": term,
        },
    )


def test_the_add_form_offers_autocomplete_not_an_id_box(client, officer):
    client.force_login(officer)
    page = client.get(ADD).content.decode()
    assert 'name="customer"' in page and 'name="order"' in page
    assert page.count("admin-autocomplete") >= 2
    assert 'type="number" name="customer"' not in page


def test_an_officer_finds_a_customer_by_email_and_an_order_by_number(client, officer):
    customer = CustomerFactory(email="aliya.search@example.kz")
    order = OrderFactory(customer=customer, number="HS-7777")
    client.force_login(officer)
    found = _search(client, "customer", "aliya.search@example.kz").json()["results"]
    assert [r["id"] for r in found] == [str(customer.pk)]
    found = _search(client, "order", "HS-7777").json()["results"]
    assert [r["id"] for r in found] == [str(order.pk)]


def test_staff_without_a_role_gets_nothing(client):
    CustomerFactory(email="aliya.search@example.kz")
    client.force_login(StaffFactory())
    assert _search(client, "customer", "aliya.search@example.kz").status_code == 403


def test_a_disclosure_is_recorded_for_the_picked_order(client, officer):
    from consents.models import Purpose

    courier = RecipientFactory(legal_name="ТОО «Быстрая доставка»")
    order = OrderFactory(number="HS-4244")
    client.force_login(officer)
    data = {
        "recipient": courier.pk,
        "basis": "5.4.2",
        "purpose": Purpose.objects.get(code="4.2.3").pk,
        "categories": ["identity", "address"],
        "disclosed_at_0": "2026-11-25",
        "disclosed_at_1": "10:00",
        "customer": str(order.customer_id),
        "order": str(order.pk),
        "void-TOTAL_FORMS": "0",
        "void-INITIAL_FORMS": "0",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
    }
    response = client.post(ADD, data)
    assert response.status_code == 302
    line = Disclosure.objects.get().lines.get()
    assert (line.order, line.customer_id) == (order, order.customer_id)
