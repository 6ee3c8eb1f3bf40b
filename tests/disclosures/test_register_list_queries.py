"""Issue 14: the register's list, in each of its filters and searches, runs as many queries
with more entries; the recipient filters (kind, abroad) list the same entries as before
they read the recipients first."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consents.models import Purpose
from disclosures import services
from disclosures.models import Disclosure, Recipient
from disclosures.services import LineInput
from tests.disclosures.conftest import NOW
from tests.disclosures.factories import RecipientFactory
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:disclosures_disclosure_changelist")
B = Disclosure.Basis


@pytest.fixture
def abroad(db):
    return RecipientFactory(
        kind=Recipient.Kind.ANALYTICS,
        legal_name="Metrics GmbH",
        bin="",
        foreign_registration="HRB 12345",
        country="DE",
    )


def entries(officer, courier, analytics, abroad, *, n: int, first: int = 0) -> dict:
    """``n`` deliveries naming a customer, statistics at home and abroad, and one void."""
    made = {"delivery": [], "home": [], "abroad": []}
    for i in range(first, first + n):
        customer = CustomerFactory(email=f"buyer{i}@example.kz", phone=f"+7701555{i:04d}")
        order = OrderFactory(customer=customer, number=f"HS-Q{i:04d}")
        made["delivery"].append(
            services.disclosure_record(
                actor=officer,
                recipient=courier,
                basis=B.ORDER_FULFILMENT,
                purpose_code="4.2.3",
                categories=["identity", "address"],
                disclosed_at=NOW - dt.timedelta(hours=i + 1),
                reference=f"MAN-Q{i}",
                lines=[LineInput(order.number)],
            )
        )
        for key, recipient in (("home", analytics), ("abroad", abroad)):
            made[key].append(
                services.disclosure_record(
                    actor=officer,
                    recipient=recipient,
                    basis=B.STATISTICS,
                    purpose_code="4.2.7",
                    categories=["visits"],
                    disclosed_at=NOW - dt.timedelta(hours=i + 1, minutes=30),
                )
            )
    services.disclosure_void(disclosure=made["home"][0], actor=officer, reason="Ошибка ввода")
    return made


def urls(courier) -> list[str]:
    purpose = Purpose.objects.get(code="4.2.3")
    return [
        LIST,
        f"{LIST}?basis__exact=5.4.1",
        f"{LIST}?basis__exact=5.4.3",
        f"{LIST}?recipient__kind=courier",
        f"{LIST}?recipient__kind__exact=analytics",
        f"{LIST}?recipient__id__exact={courier.pk}",
        f"{LIST}?purpose={purpose.pk}",
        f"{LIST}?abroad=yes",
        f"{LIST}?abroad=no",
        f"{LIST}?voided=yes",
        f"{LIST}?voided=no",
        f"{LIST}?q=buyer0@example.kz",
        f"{LIST}?q=8 701 555 0000",
        f"{LIST}?q=HS-Q0000",
        f"{LIST}?q=MAN-Q0",
        f"{LIST}?p=2",
    ]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_each_filter_and_search_runs_as_many_queries_with_more_entries(
    client, officer, courier, analytics, abroad, django_assert_max_num_queries, monkeypatch
):
    from disclosures.admin.register import DisclosureAdmin

    monkeypatch.setattr(DisclosureAdmin, "list_per_page", 2)  # a second page with few rows
    client.force_login(officer)
    entries(officer, courier, analytics, abroad, n=1)
    before = {url: _count(client, url) for url in urls(courier)}
    entries(officer, courier, analytics, abroad, n=4, first=1)
    RecipientFactory()  # one more in the recipient filter's choices
    for url, queries in before.items():
        with django_assert_max_num_queries(queries, info=url):
            response = client.get(url)
        assert response.status_code == 200


def listed(client, **params) -> list[int]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [d.pk for d in response.context["cl"].result_list]


def test_recipient_filters_list_the_entries_of_those_recipients(
    client, officer, courier, analytics, abroad
):
    made = entries(officer, courier, analytics, abroad, n=2)
    client.force_login(officer)
    newest_first = [d.pk for d in Disclosure.objects.order_by("-disclosed_at", "-id")]

    def in_order(*groups):
        wanted = {d.pk for group in groups for d in made[group]}
        return [pk for pk in newest_first if pk in wanted]

    assert listed(client, abroad="yes") == in_order("abroad")
    assert listed(client, abroad="no") == in_order("delivery", "home")
    assert listed(client, recipient__kind="analytics") == in_order("home", "abroad")
    assert listed(client, recipient__kind__exact="courier") == in_order("delivery")
    assert listed(client, recipient__kind="partner_bank") == []
    assert listed(client, basis__exact="5.4.1") == in_order("home", "abroad")
    assert listed(client, q="HS-Q0001") == [made["delivery"][1].pk]
