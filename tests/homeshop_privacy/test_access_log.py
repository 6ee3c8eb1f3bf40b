import pytest

from homeshop_privacy.access_log import accesses_of
from homeshop_privacy.models import PersonalDataAccess
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_opening_a_customer_in_the_admin_is_logged_with_the_staff_member(client, support_agent):
    customer = CustomerFactory()
    client.force_login(support_agent)
    assert client.get(f"/admin/accounts/customer/{customer.pk}/change/").status_code == 200
    [entry] = accesses_of(obj=customer)
    assert entry.user == support_agent
    assert entry.action == PersonalDataAccess.Action.VIEW
    assert entry.path == f"/admin/accounts/customer/{customer.pk}/change/"


def test_viewing_the_history_is_logged_too(client, auditor):
    customer = CustomerFactory()
    client.force_login(auditor)
    assert client.get(f"/admin/accounts/customer/{customer.pk}/history/").status_code == 200
    assert [e.action for e in accesses_of(obj=customer)] == ["history"]


def test_a_refused_view_is_not_logged_as_a_view(client):
    from tests.factories import StaffFactory

    customer = CustomerFactory()
    client.force_login(StaffFactory())  # staff without any role
    assert client.get(f"/admin/accounts/customer/{customer.pk}/change/").status_code in (302, 403)
    assert accesses_of(obj=customer).count() == 0


def test_the_log_cannot_be_edited_or_deleted_in_the_admin(client, officer):
    customer = CustomerFactory()
    client.force_login(officer)
    client.get(f"/admin/accounts/customer/{customer.pk}/change/")
    entry = accesses_of(obj=customer).get()
    url = f"/admin/homeshop_privacy/personaldataaccess/{entry.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert PersonalDataAccess.objects.filter(pk=entry.pk).exists()
