"""The outbox and the personal data access log, as an operator uses them in the admin."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from homeshop_privacy import outbox
from homeshop_privacy.access_log import accesses_of
from homeshop_privacy.models import PersonalDataAccess
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def listed(client, url, term):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"q": term})
    assert response.status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    # iexact is UPPER(...) on PostgreSQL and LIKE on SQLite: neither uses an index.
    assert "UPPER(" not in sql and " LIKE " not in sql
    return list(response.context["cl"].result_list)


@pytest.fixture
def messages_(db):
    with transaction.atomic():
        told, _ = outbox.message_enqueue(
            reason="disclosures.breach_notice",
            key="disclosures.breachincident:1:notice",
            recipient="Aigerim.S@Example.kz",
            subject="s",
            body_text="b",
        )
        other, _ = outbox.message_enqueue(
            reason="claims.acknowledgement",
            key="claims.claim:7:ack",
            recipient="nurlan@example.kz",
            subject="s",
            body_text="b",
        )
    return told, other


def test_outbox_finds_a_recipient_in_any_case_a_message_id_or_an_object(client, officer, messages_):
    told, other = messages_
    client.force_login(officer)
    url = "/admin/homeshop_privacy/outboundmessage/"
    assert listed(client, url, "aigerim.s@example.KZ") == [told]
    assert listed(client, url, told.message_id) == [told]
    assert listed(client, url, "claims.claim:7:ack") == [other]
    assert listed(client, url, "example.kz") == []


def test_opening_an_email_in_the_outbox_is_logged(client, officer, messages_):
    told, _ = messages_
    client.force_login(officer)
    url = f"/admin/homeshop_privacy/outboundmessage/{told.pk}/change/"
    assert client.get(url).status_code == 200
    [entry] = accesses_of(obj=told)
    assert (entry.user, entry.action) == (officer, PersonalDataAccess.Action.VIEW)


def test_access_log_links_each_record_and_finds_a_staff_member(client, officer, auditor):
    customer = CustomerFactory()
    client.force_login(auditor)
    client.get(f"/admin/accounts/customer/{customer.pk}/change/")
    client.force_login(officer)
    url = "/admin/homeshop_privacy/personaldataaccess/"
    [entry] = listed(client, url, auditor.email.upper())
    assert entry.subject_key == f"accounts.customer:{customer.pk}"
    assert listed(client, url, f"accounts.customer:{customer.pk}") == [entry]
    page = client.get(url).content.decode()
    assert f'href="/admin/accounts/customer/{customer.pk}/change/"' in page


@pytest.mark.parametrize(
    "language, header, log_title",
    [
        ("ru", "Homeshop.kz — персональные данные", "журнал доступа к персональным данным"),
        ("kk", "Homeshop.kz — дербес деректер", "дербес деректерге қол жеткізу журналы"),
    ],
)
def test_admin_header_and_access_log_speak_the_staff_language(
    client, officer, language, header, log_title
):
    client.force_login(officer)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert header in page
    assert log_title.capitalize() in page
