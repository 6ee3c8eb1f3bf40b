"""Issue 14: what a customer save costs, and that every constraint is still checked."""

import pytest

from accounts import services
from accounts.models import Customer
from homeshop_privacy.errors import DomainError
from tests.factories import CustomerFactory


def test_every_customer_constraint_is_checked_before_the_save():
    """The service skips Django's constraint queries: each constraint must be named with
    what checks it instead, so a new constraint cannot go unchecked."""
    names = {constraint.name for constraint in Customer._meta.constraints}
    assert names == set(services._CUSTOMER_CONSTRAINTS_CHECKED)


@pytest.mark.django_db
def test_customer_save_runs_one_query_before_writing(django_assert_max_num_queries):
    customer = CustomerFactory()
    customer.last_name = "Жаксыбекова"
    # the taken-email check, the update and its history row (+ savepoint/transaction)
    with django_assert_max_num_queries(5):
        services.customer_save(customer=customer, actor=None, reason="test")
    customer.refresh_from_db()
    assert customer.last_name == "Жаксыбекова"


@pytest.mark.django_db
def test_customer_save_still_refuses_what_the_constraints_refuse():
    taken = CustomerFactory(email="taken@example.kz")
    customer = CustomerFactory()
    customer.email = "TAKEN@example.kz"
    with pytest.raises(DomainError) as exc:
        services.customer_save(customer=customer, actor=None, reason="test")
    assert "email" in exc.value.message_dict
    customer.refresh_from_db()
    customer.phone = "+1 202 555 0100"
    with pytest.raises(DomainError) as exc:
        services.customer_save(customer=customer, actor=None, reason="test")
    assert "phone" in exc.value.message_dict
    customer.refresh_from_db()
    customer.preferred_language = "de"
    with pytest.raises(DomainError) as exc:
        services.customer_save(customer=customer, actor=None, reason="test")
    assert "preferred_language" in exc.value.message_dict
    assert Customer.objects.get(pk=customer.pk).preferred_language != "de"
    assert taken.email == "taken@example.kz"
