"""4.1: an officer's legal hold keeps a customer's data whatever the retention rules say."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Customer, CustomerHold
from homeshop_privacy import retention
from homeshop_privacy.errors import DomainError
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _inactive():
    customer = CustomerFactory()
    Customer.objects.filter(pk=customer.pk).update(
        created_at=timezone.now() - timedelta(days=4 * 365)
    )
    return customer


def test_a_held_customer_is_not_anonymised_until_the_hold_is_released(officer):
    customer = _inactive()
    hold = services.customer_hold_place(customer=customer, actor=officer, reason="Court request")
    assert retention.retention_plan()["customers_inactive"] == 0
    retention.retention_run()
    assert Customer.objects.get(pk=customer.pk).anonymised_at is None

    services.customer_hold_release(hold=hold, actor=officer)
    hold.refresh_from_db()
    assert hold.released_by == officer and hold.released_at is not None
    retention.retention_run()
    assert Customer.objects.get(pk=customer.pk).anonymised_at is not None


def test_a_hold_needs_a_reason(officer):
    with pytest.raises(DomainError):
        services.customer_hold_place(customer=CustomerFactory(), actor=officer, reason="  ")
    assert not CustomerHold.objects.exists()


def test_officers_place_a_hold_in_the_admin_and_release_it_by_the_action(client, officer):
    customer = CustomerFactory()
    client.force_login(officer)
    response = client.post(
        reverse("admin:accounts_customerhold_add"),
        {"customer": str(customer.pk), "reason": "Запрос суда № 12"},
    )
    assert response.status_code == 302
    hold = CustomerHold.objects.get(customer=customer)
    assert hold.placed_by == officer and hold.history.get().history_user == officer
    client.post(
        reverse("admin:accounts_customerhold_changelist"),
        {"action": "release_holds", "_selected_action": [hold.pk]},
    )
    hold.refresh_from_db()
    assert hold.released_by == officer
