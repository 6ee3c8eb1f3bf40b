"""Every admin list of accounts, disclosures and the operations app costs the same number
of queries with 2 rows as with 12: no query per row (list_select_related, no N+1)."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccountClosureRequest
from disclosures import services as disclosure_services
from disclosures.models import Disclosure
from disclosures.services import LineInput
from homeshop_privacy import outbox
from homeshop_privacy.access_log import access_record
from homeshop_privacy.models import CalendarOverride, PersonalDataAccess
from tests.disclosures.factories import RecipientFactory, WrittenPermissionFactory
from tests.factories import CustomerFactory, OrderFactory, UserFactory, VisitEventFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
_serial = itertools.count()


def _customers(n, officer):
    for _ in range(n):
        CustomerFactory()


def _orders(n, officer):
    for _ in range(n):
        OrderFactory(total=Decimal("100.00"))


def _users(n, officer):
    for _ in range(n):
        UserFactory()


def _visits(n, officer):
    for _ in range(n):
        VisitEventFactory()


def _closures(n, officer):
    for _ in range(n):
        AccountClosureRequest.objects.create(customer=CustomerFactory())


def _recipients(n, officer):
    for _ in range(n):
        RecipientFactory()


def _permissions(n, officer):
    for _ in range(n):
        WrittenPermissionFactory(recorded_by=officer)


def _register(n, officer):
    courier = RecipientFactory()
    for i in range(n):
        order = OrderFactory()
        disclosure = disclosure_services.disclosure_record(
            actor=officer,
            recipient=courier,
            basis=Disclosure.Basis.ORDER_FULFILMENT,
            purpose_code="4.2.3",
            categories=["identity", "address"],
            disclosed_at=NOW - dt.timedelta(hours=i + 1),
            lines=[LineInput(order.number)],
        )
        if i % 2:
            disclosure_services.disclosure_void(disclosure=disclosure, actor=officer, reason="x")


def _breaches(n, officer):
    for _ in range(n):
        i = next(_serial)
        disclosure_services.breach_record(
            actor=officer,
            reference=f"BR-{i}",
            title="t",
            description="d",
            discovered_at=NOW,
            categories=["contact"],
            notice_ru="Текст",
        )


def _outbox(n, officer):
    with transaction.atomic():
        for _ in range(n):
            i = next(_serial)
            outbox.message_enqueue(
                reason="test",
                key=f"k:{i}",
                recipient=f"r{i}@example.kz",
                subject="s",
                body_text="b",
            )


def _accesses(n, officer):
    for _ in range(n):
        access_record(user=officer, obj=CustomerFactory(), action=PersonalDataAccess.Action.VIEW)


def _overrides(n, officer):
    for _ in range(n):
        i = next(_serial)
        CalendarOverride.objects.create(
            day=dt.date(2030, 1, 1) + dt.timedelta(days=i), kind="day_off", note="decree"
        )


LISTS = [
    ("accounts", "customer", _customers),
    ("accounts", "order", _orders),
    ("accounts", "user", _users),
    ("accounts", "visitevent", _visits),
    ("accounts", "accountclosurerequest", _closures),
    ("disclosures", "recipient", _recipients),
    ("disclosures", "writtenpermission", _permissions),
    ("disclosures", "disclosure", _register),
    ("disclosures", "breachincident", _breaches),
    ("homeshop_privacy", "outboundmessage", _outbox),
    ("homeshop_privacy", "personaldataaccess", _accesses),
    ("homeshop_privacy", "calendaroverride", _overrides),
]


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


@pytest.mark.parametrize("app, model, make", LISTS, ids=[f"{a}.{m}" for a, m, _ in LISTS])
def test_list_page_queries_do_not_grow_with_rows(client, officer, app, model, make):
    client.force_login(officer)
    url = f"/admin/{app}/{model}/"
    make(2, officer)
    small_queries, small_rows = _count(client, url)
    make(10, officer)
    large_queries, large_rows = _count(client, url)
    assert large_rows >= small_rows + 10
    assert large_queries == small_queries
