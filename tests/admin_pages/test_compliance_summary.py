"""Issue 13: the compliance summary for a chosen period, its CSV and its charts."""

import csv
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disclosures import services as disclosures
from disclosures.models import Disclosure
from disclosures.services import LineInput
from tests.claims.factories import almaty, approved_and_sent, register
from tests.consents.factories import grant, withdraw
from tests.disclosures.factories import RecipientFactory
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    # "Open, within the term" is counted against today: 25 November 2026, Almaty.
    with time_machine.travel(almaty(2026, 11, 25, 12, 0), tick=False):
        yield


PAGE = reverse("admin:compliance_summary")
CSV = reverse("admin:compliance_summary_csv")
PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}


def _world(officer):
    """Two claims in November (one answered on time, one open), one in October; consents;
    two register entries to a courier in November."""
    answered = register(actor=officer, received_at=almaty(2026, 11, 2, 10, 0))
    approved_and_sent(answered, author=officer)
    register(actor=officer, received_at=almaty(2026, 11, 3, 10, 0))
    register(actor=officer, received_at=almaty(2026, 10, 3, 10, 0))
    customer = CustomerFactory()
    grant(customer, "4.2.6", at=almaty(2026, 11, 5, 9, 0))
    withdraw(customer, "4.2.6", at=almaty(2026, 11, 6, 9, 0))
    grant(customer, "4.2.7", at=almaty(2026, 10, 5, 9, 0))
    courier = RecipientFactory(legal_name="ТОО «Быстрая доставка»")
    for day in (10, 11):
        order = OrderFactory(customer=customer, number=f"A-{day}")
        disclosures.disclosure_record(
            actor=officer,
            recipient=courier,
            basis=Disclosure.Basis.ORDER_FULFILMENT,
            purpose_code="4.2.3",
            categories=["identity", "contact", "address"],
            disclosed_at=almaty(2026, 11, day, 12, 0),
            reference=f"MAN-{day}",
            lines=[LineInput(order.number)],
        )


def test_the_summary_counts_the_period_only(client, officer, auditor):
    _world(officer)
    client.force_login(auditor)
    response = client.get(PAGE, PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    claims = response.context["claims"]
    assert (claims.received, claims.answered_on_time, claims.open_in_term) == (2, 1, 1)
    consents = {row.code: (row.given, row.withdrawn) for row in response.context["consents"]}
    assert consents["4.2.6"] == (1, 1)
    assert consents["4.2.7"] == (0, 0)
    (courier,) = response.context["recipients"]
    assert (courier.name, courier.disclosures, courier.lines) == ("ТОО «Быстрая доставка»", 2, 2)
    staff = {row.email for row in response.context["staff"]}
    assert {officer.email, auditor.email} <= staff
    page = response.content.decode()
    assert page.count("<svg") >= 3  # drawn on the server
    assert "<script" not in page.split('id="content-main"')[1]


def test_the_queries_do_not_grow_with_the_data(client, officer, auditor):
    client.force_login(auditor)
    _world(officer)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE, PERIOD)
    for i in range(5):
        register(actor=officer, received_at=almaty(2026, 11, 4 + i, 10, 0))
        RecipientFactory(legal_name=f"ТОО «Получатель {i}»")
    with CaptureQueriesContext(connection) as more:
        client.get(PAGE, PERIOD)
    assert len(more.captured_queries) == len(few.captured_queries)


def test_the_csv_for_the_regulator(client, officer, auditor):
    _world(officer)
    client.force_login(auditor)
    response = client.get(CSV, PERIOD)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "item", "measure", "value"]
    assert ["claims", "", "answered_on_time", "1"] in rows
    assert ["consents", "4.2.6", "withdrawn", "1"] in rows
    assert ["disclosures", "ТОО «Быстрая доставка»", "entries", "2"] in rows
    assert ["period", "", "start", "2026-11-01"] in rows


def test_a_reversed_period_is_refused_with_a_message(client, auditor):
    client.force_login(auditor)
    page = client.get(PAGE, {"start": "2026-12-01", "end": "2026-11-01"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 200
    assert "Период заканчивается раньше, чем начинается." in page.content.decode()


def test_support_agents_do_not_see_it(client, support_agent):
    client.force_login(support_agent)
    assert client.get(PAGE).status_code == 403
    assert client.get(CSV).status_code == 403


@pytest.mark.parametrize(
    ("language", "title"),
    [("ru", "Сводка соответствия"), ("kk", "Сәйкестік жиынтығы"), ("en", "Compliance summary")],
)
def test_the_summary_speaks_three_languages(client, officer, language, title):
    client.force_login(officer)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert title in page
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'href="{PAGE}"' in index


def test_a_day_boundary_is_almaty_time(client, officer, auditor):
    # 23:30 Almaty on 31 October is 18:30 UTC: October, not November.
    register(actor=officer, received_at=almaty(2026, 10, 31, 23, 30))
    client.force_login(auditor)
    assert client.get(PAGE, PERIOD).context["claims"].received == 0


def _incidents(officer, rounds=range(1)):
    """Per round: one incident filed on time, one filed late, one not filed and overdue
    (today is 25 November): the regulator's clock, art. 25 p.2."""
    from tests.disclosures.test_breach_clock import complete, record

    for n in rounds:
        on_time = record(officer, almaty(2026, 11, 2, 9, 0), reference=f"BR-T{n}", **complete())
        disclosures.breach_file(
            incident=on_time, actor=officer, reference=f"REG-T{n}", filed_at=almaty(2026, 11, 3, 9)
        )
        late = record(officer, almaty(2026, 11, 9, 9, 0), reference=f"BR-L{n}", **complete())
        disclosures.breach_file(
            incident=late, actor=officer, reference=f"REG-L{n}", filed_at=almaty(2026, 11, 16, 9)
        )
        record(officer, almaty(2026, 11, 16, 9, 0), reference=f"BR-O{n}")


def test_breaches_filed_on_time_come_from_the_regulator_filings(client, officer, auditor):
    _incidents(officer)
    client.force_login(auditor)
    response = client.get(PAGE, PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    filings = response.context["breach_filings"]
    assert (filings.filed_on_time, filings.filed_late, filings.unfiled_overdue) == (1, 1, 1)
    rows = {row.reference: row for row in response.context["breaches"]}
    assert rows["BR-T0"].filed_late is False and rows["BR-L0"].filed_late is True
    assert rows["BR-O0"].filed_at is None and rows["BR-O0"].regulator_due_on.isoformat() == (
        "2026-11-17"
    )
    assert "Filed with the regulator on time" in response.content.decode()

    rows = list(csv.reader(io.StringIO(client.get(CSV, PERIOD).content.decode("utf-8-sig"))))
    assert ["breaches", "", "filed_on_time", "1"] in rows
    assert ["breaches", "", "filed_late", "1"] in rows
    assert ["breaches", "", "unfiled_overdue", "1"] in rows
    assert ["breaches", "BR-L0", "regulator_due_on", "2026-11-10"] in rows
    assert ["breaches", "BR-L0", "filed_late", "yes"] in rows
    assert ["breaches", "BR-O0", "filed_at", ""] in rows


def test_the_queries_do_not_grow_with_the_breaches(client, officer, auditor):
    client.force_login(auditor)
    _incidents(officer)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE, PERIOD)
    _incidents(officer, rounds=range(1, 4))
    with CaptureQueriesContext(connection) as more:
        client.get(PAGE, PERIOD)
    assert len(more.captured_queries) == len(few.captured_queries)
