"""Admin searches find exact values through an index, never by scanning (millions of rows).

On PostgreSQL ``=field`` in ``search_fields`` becomes UPPER(field) = UPPER(...), which no
index serves; these searches must read through LOWER(email), the phone index or the
unique order number instead.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AccountClosureRequest
from tests.factories import CustomerFactory, OrderFactory, UserFactory, VisitEventFactory

pytestmark = pytest.mark.django_db


def assert_no_case_folding_scan(queries):
    # PostgreSQL spells iexact/icontains UPPER(...), SQLite LIKE: neither uses the index.
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "UPPER(" not in sql
    assert " LIKE " not in sql


def search(client, url, term):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"q": term})
    assert response.status_code == 200
    assert_no_case_folding_scan(queries)
    return list(response.context["cl"].result_list)


@pytest.fixture
def aigerim(db):
    return CustomerFactory(email="Aigerim.S@Example.kz", phone="+77012345678")


def test_orders_found_by_number_or_by_the_customers_email_in_any_case(client, officer, aigerim):
    mine = OrderFactory(customer=aigerim, number="HS-700001")
    OrderFactory(number="HS-700002")
    client.force_login(officer)
    url = "/admin/accounts/order/"
    assert search(client, url, "HS-700001") == [mine]
    assert search(client, url, "aigerim.s@example.KZ") == [mine]
    assert search(client, url, "8 701 234 56 78") == [mine]
    assert search(client, url, "hs-700001") == []  # order numbers are exact


def test_closure_requests_found_by_the_customers_email_or_phone(client, officer, aigerim):
    request = AccountClosureRequest.objects.create(customer=aigerim)
    AccountClosureRequest.objects.create(customer=CustomerFactory())
    client.force_login(officer)
    url = "/admin/accounts/accountclosurerequest/"
    assert search(client, url, "AIGERIM.S@example.kz") == [request]
    assert search(client, url, "+7 701 234 56 78") == [request]


def test_users_found_by_exact_email_in_any_case(client, officer):
    user = UserFactory(email="Nurlan@Example.kz")
    client.force_login(officer)
    url = "/admin/accounts/user/"
    assert search(client, url, "nurlan@example.KZ") == [user]
    assert search(client, url, "example.kz") == []


def test_visit_events_found_by_exact_cookie_id(client, officer):
    event = VisitEventFactory(cookie_id="c-abc123")
    VisitEventFactory()
    client.force_login(officer)
    assert search(client, "/admin/accounts/visitevent/", "c-abc123") == [event]


def test_sign_in_matches_the_email_in_any_case_without_upper(client):
    UserFactory(email="Dana@Example.kz")
    with CaptureQueriesContext(connection) as queries:
        assert client.login(username="dana@example.KZ", password="correct-horse-battery")
    assert_no_case_folding_scan(queries)


def test_opening_an_order_or_a_closure_request_is_logged(client, support_agent, aigerim):
    from homeshop_privacy.access_log import accesses_of

    order = OrderFactory(customer=aigerim)
    request = AccountClosureRequest.objects.create(customer=aigerim)
    client.force_login(support_agent)
    assert client.get(f"/admin/accounts/order/{order.pk}/change/").status_code == 200
    url = f"/admin/accounts/accountclosurerequest/{request.pk}/change/"
    assert client.get(url).status_code == 200
    assert [e.user for e in accesses_of(obj=order)] == [support_agent]
    assert [e.user for e in accesses_of(obj=request)] == [support_agent]


def test_opening_a_sign_in_account_is_logged(client, officer):
    from homeshop_privacy.access_log import accesses_of

    user = UserFactory(email="Dana@Example.kz")
    client.force_login(officer)
    assert client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200
    assert [e.user for e in accesses_of(obj=user)] == [officer]
