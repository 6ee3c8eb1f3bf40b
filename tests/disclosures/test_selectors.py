"""5.2.1: who received this customer's data, when, what and why."""

import datetime as dt

import pytest
from django.db import connection

from disclosures import selectors, services
from disclosures.models import Disclosure, DisclosureLine
from disclosures.services import LineInput
from tests.disclosures.conftest import NOW
from tests.disclosures.factories import RecipientFactory
from tests.factories import CustomerFactory, OrderFactory

B = Disclosure.Basis


def deliver(actor, recipient, order, when):
    return services.disclosure_record(
        actor=actor,
        recipient=recipient,
        basis=B.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "contact", "address"],
        disclosed_at=when,
        lines=[LineInput(order.number)],
    )


def test_customer_sees_who_when_what_and_why_newest_first(officer, courier, customer):
    seller = RecipientFactory(kind="seller", legal_name="ТОО «Электроника Плюс»")
    first = OrderFactory(customer=customer, number="HS-1")
    second = OrderFactory(customer=customer, number="HS-2")
    deliver(officer, seller, first, NOW - dt.timedelta(days=3))
    deliver(officer, courier, second, NOW - dt.timedelta(days=1))
    deliver(officer, courier, OrderFactory(), NOW)  # someone else's

    rows = [
        (
            line.disclosed_at,
            line.disclosure.recipient.legal_name,
            line.disclosure.category_labels,
            line.disclosure.get_basis_display(),
            line.disclosure.purpose.code,
            line.order.number,
        )
        for line in selectors.customer_disclosures(customer_id=customer.pk)
    ]
    assert rows == [
        (
            NOW - dt.timedelta(days=1),
            "ТОО «Быстрая доставка»",
            ["Identity: names", "Contact details: phone, email", "Delivery address"],
            "5.4.2 Fulfilment of the customer's order",
            "4.2.3",
            "HS-2",
        ),
        (
            NOW - dt.timedelta(days=3),
            "ТОО «Электроника Плюс»",
            ["Identity: names", "Contact details: phone, email", "Delivery address"],
            "5.4.2 Fulfilment of the customer's order",
            "4.2.3",
            "HS-1",
        ),
    ]


def test_voided_entries_are_left_out_unless_asked_for(officer, courier, customer):
    wrong = deliver(officer, courier, OrderFactory(customer=customer), NOW)
    services.disclosure_void(disclosure=wrong, actor=officer, reason="wrong courier")
    assert list(selectors.customer_disclosures(customer_id=customer.pk)) == []
    voided = selectors.customer_disclosures(customer_id=customer.pk, include_voided=True).get()
    assert voided.disclosure.is_voided


def test_recipients_summary_counts_disclosures_per_recipient(officer, courier, customer):
    for days in (5, 2):
        deliver(officer, courier, OrderFactory(customer=customer), NOW - dt.timedelta(days=days))
    (row,) = selectors.customer_disclosure_recipients(customer_id=customer.pk)
    assert (row.legal_name, row.disclosure_count, row.last_disclosed_at) == (
        "ТОО «Быстрая доставка»",
        2,
        NOW - dt.timedelta(days=2),
    )


def _many_disclosures(customer, recipient, purpose, n):
    disclosures = Disclosure.objects.bulk_create(
        Disclosure(
            recipient=recipient,
            basis=B.STATE_AUTHORITY,
            purpose=purpose,
            categories=["identity"],
            disclosed_at=NOW - dt.timedelta(minutes=i),
            request_number=f"R-{i}",
            request_date=dt.date(2026, 1, 1),
            legal_ground="закон",
            line_count=1,
        )
        for i in range(n)
    )
    DisclosureLine.objects.bulk_create(
        DisclosureLine(disclosure=d, line_no=1, customer=customer, disclosed_at=d.disclosed_at)
        for d in disclosures
    )


@pytest.mark.postgres
def test_a_page_for_a_customer_with_thousands_of_disclosures_is_one_indexed_query(
    authority, django_assert_num_queries
):
    from consents.models import Purpose

    purpose = Purpose.objects.get(code="4.2.2")
    busy, other = CustomerFactory(), CustomerFactory()
    _many_disclosures(busy, authority, purpose, 3_000)
    _many_disclosures(other, authority, purpose, 3_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE disclosures_disclosureline")

    page = selectors.customer_disclosures(customer_id=busy.pk)[:50]
    with django_assert_num_queries(1):
        rows = [(line.disclosed_at, line.disclosure.recipient.legal_name) for line in page]
    assert rows[0] == (NOW, "Департамент полиции г. Алматы")
    assert len(rows) == 50
    plan = page.explain()
    assert "disclosures_line_cust_idx" in plan
