"""Issue 14: the customer's admin page lists the latest of their rows, never all of them,
and costs the same number of queries however many rows the customer has."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.customer_page import CustomerClaimInline
from disclosures import services as disclosure_services
from disclosures.models import Disclosure
from disclosures.services import LineInput
from tests.accounts.factories import DeviceFactory, SignedUpCustomerFactory
from tests.claims.factories import ClaimCategoryFactory, register
from tests.consents.factories import grant, withdraw
from tests.disclosures.factories import RecipientFactory
from tests.factories import AddressFactory, OrderFactory

pytestmark = pytest.mark.django_db


def _rows_of(customer, *, actor, n):
    """``n`` more of each kind of row shown on the customer's page."""
    category = ClaimCategoryFactory()
    courier = RecipientFactory()
    for i in range(n):
        order = OrderFactory(customer=customer)
        AddressFactory(customer=customer)
        DeviceFactory(customer=customer)
        grant(customer)
        withdraw(customer, purpose_code="4.2.7")
        register(actor=actor, category=category, customer=customer, order=order)
        disclosure_services.disclosure_record(
            actor=actor,
            recipient=courier,
            basis=Disclosure.Basis.ORDER_FULFILMENT,
            purpose_code="4.2.3",
            categories=["identity"],
            disclosed_at=timezone.now() - dt.timedelta(minutes=i + 1),
            lines=[LineInput(order.number)],
        )


def _claim_links(html: str) -> int:
    """Links to one claim's page (the menu links the list and the add page)."""
    return len(re.findall(r'href="/admin/claims/claim/[0-9]+/change/"', html))


def test_the_page_shows_the_latest_claims_and_links_to_all(client, officer, monkeypatch):
    monkeypatch.setattr(CustomerClaimInline, "list_limit", 2)
    customer = SignedUpCustomerFactory()
    category = ClaimCategoryFactory()
    claims = [
        register(actor=officer, category=category, customer=customer, subject=f"Тема {i}")
        for i in range(3)
    ]
    client.force_login(officer)
    url = reverse("admin:accounts_customer_change", args=[customer.pk])
    html = client.get(url).content.decode()
    every = reverse("admin:claims_claim_changelist") + f"?customer__id__exact={customer.pk}"
    assert _claim_links(html) == 2
    assert claims[0].reference not in html  # the oldest is in the full list only
    assert claims[2].reference in html and claims[1].reference in html
    assert f'href="{every}"' in html
    assert "Показаны только последние 2." in html
    listed = client.get(every)
    assert listed.status_code == 200
    assert {c.pk for c in listed.context["cl"].result_list} == {c.pk for c in claims}


def test_no_link_when_every_claim_is_shown(client, officer):
    customer = SignedUpCustomerFactory()
    register(actor=officer, customer=customer)
    client.force_login(officer)
    html = client.get(reverse("admin:accounts_customer_change", args=[customer.pk])).content
    assert _claim_links(html.decode()) == 1
    assert b"claims/claim/?customer__id__exact" not in html


def test_the_page_runs_as_many_queries_with_more_rows(
    client, officer, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(CustomerClaimInline, "list_limit", 2)
    customer = SignedUpCustomerFactory()
    _rows_of(customer, actor=officer, n=1)
    client.force_login(officer)
    url = reverse("admin:accounts_customer_change", args=[customer.pk])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    before = len(ctx.captured_queries)
    _rows_of(customer, actor=officer, n=3)  # past every limit: claims, orders shown
    with django_assert_max_num_queries(before, info="customer page"):
        response = client.get(url)
    assert response.status_code == 200
    assert _claim_links(response.content.decode()) == 2
