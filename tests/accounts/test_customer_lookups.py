"""The one email -> customer lookup (issue 15 item 6): any case, through the LOWER(email)
index, unknown addresses absent."""

import pytest

from accounts.selectors import customer_ids_by_email, email_key
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_customers_are_found_by_email_in_any_case_and_unknown_ones_are_absent():
    aigerim = CustomerFactory(email="Aigerim.S@Example.kz")
    found = customer_ids_by_email(emails=[" aigerim.s@example.KZ ", "nobody@example.kz", ""])
    assert found == {email_key("aigerim.s@example.kz"): aigerim.pk}


def test_the_lookup_is_one_query_whatever_the_number_of_emails(django_assert_num_queries):
    customers = CustomerFactory.create_batch(5)
    with django_assert_num_queries(1):
        found = customer_ids_by_email(emails=[c.email.upper() for c in customers])
    assert sorted(found.values()) == sorted(c.pk for c in customers)
