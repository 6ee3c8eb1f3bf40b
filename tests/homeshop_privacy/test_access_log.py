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


# --- issue 8 item 8: versions and searches are logged too -------------------------------


def test_opening_a_version_of_a_customer_is_logged(client, auditor):
    from django.urls import reverse

    from accounts.models import Customer

    customer = CustomerFactory()
    version = Customer.history.filter(id=customer.pk).get()
    url = reverse("admin:accounts_customer_simple_history", args=[customer.pk, version.history_id])
    client.force_login(auditor)
    assert client.get(url).status_code == 200
    [entry] = accesses_of(obj=customer)
    assert (entry.user, entry.action, entry.path) == (auditor, "history", url)


def test_opening_a_version_of_another_personal_record_is_logged(client, officer):
    from django.urls import reverse

    from accounts.models import Order
    from tests.factories import OrderFactory

    order = OrderFactory()
    version = Order.history.filter(id=order.pk).get()
    client.force_login(officer)
    url = reverse("admin:accounts_order_simple_history", args=[order.pk, version.history_id])
    assert client.get(url).status_code == 200
    assert [(e.user, e.action) for e in accesses_of(obj=order)] == [(officer, "history")]


def _search(client, url, term):
    response = client.get(url, {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("term", ["Aigerim.S@Example.kz", "8 (701) 234-56-78"])
def test_a_customer_search_logs_who_saw_which_customers_and_not_the_term(
    client, support_agent, term
):
    found = CustomerFactory(email="aigerim.s@example.kz", phone="+77012345678")
    other = CustomerFactory()
    client.force_login(support_agent)
    assert _search(client, "/admin/accounts/customer/", term) == [found]
    [entry] = PersonalDataAccess.objects.all()
    assert (entry.user, entry.action) == (support_agent, "search")
    assert entry.subject_key == f"accounts.customer:{found.pk}"
    assert entry.path == "/admin/accounts/customer/"
    assert not accesses_of(obj=other).exists()
    stored = " ".join(str(v) for v in PersonalDataAccess.objects.values().get().values())
    for needle in ("aigerim", "example.kz", "7012345678", "234-56"):
        assert needle not in stored.lower()


def test_a_search_logs_every_record_shown_on_the_page(client, officer):
    from tests.factories import OrderFactory

    customer = CustomerFactory(email="dana@example.kz")
    orders = [OrderFactory(customer=customer) for _ in range(3)]
    OrderFactory()
    client.force_login(officer)
    assert len(_search(client, "/admin/accounts/order/", "dana@example.kz")) == 3
    logged = set(
        PersonalDataAccess.objects.filter(action="search").values_list("subject_key", flat=True)
    )
    assert logged == {f"accounts.order:{o.pk}" for o in orders}


def test_a_list_without_a_search_is_not_logged(client, officer):
    CustomerFactory()
    client.force_login(officer)
    assert client.get("/admin/accounts/customer/").status_code == 200
    assert client.get("/admin/accounts/customer/", {"q": "  "}).status_code == 200
    assert not PersonalDataAccess.objects.exists()
