"""Staff cannot move where a customer's mail and sign-in go (attack review, finding 1).

A support agent who could edit Customer.email would move the customer's sign-in to their
own mailbox and then ask for a password reset (or, for a customer without a sign-in, the
first-sign-in link). Only the customer changes the address, confirmed from the new one
(issue 9 §5, ``customer_email_change_request``).
"""

import pytest

from accounts import services
from accounts.models import Customer, EmailChangeRequest, User
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _post_customer(client, customer, **changes):
    url = f"/admin/accounts/customer/{customer.pk}/change/"
    page = client.get(url)
    data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "email": customer.email,
        "preferred_language": "ru",
        **changes,
    }
    for fs in page.context["inline_admin_formsets"]:
        p = fs.formset.prefix
        data.update(
            {
                f"{p}-TOTAL_FORMS": "0",
                f"{p}-INITIAL_FORMS": "0",
                f"{p}-MIN_NUM_FORMS": "0",
                f"{p}-MAX_NUM_FORMS": "1000",
            }
        )
    return client.post(url, data)


@pytest.mark.parametrize("role", ["support_agent", "officer"])
def test_staff_cannot_redirect_a_customers_sign_in_email(client, role, request):
    victim_user = UserFactory(email="victim@example.kz")
    victim = CustomerFactory(user=victim_user, email="victim@example.kz")
    client.force_login(request.getfixturevalue(role))
    _post_customer(client, victim, email="attacker@evil.example", last_name="Changed")
    victim_user.refresh_from_db()
    victim.refresh_from_db()
    assert victim_user.email == "victim@example.kz"
    assert victim.email == "victim@example.kz"
    assert victim.last_name == "Changed"  # the rest of the page still saves


def test_staff_cannot_redirect_the_email_of_a_customer_without_sign_in(client, support_agent):
    victim = CustomerFactory(email="victim@example.kz")
    client.force_login(support_agent)
    _post_customer(client, victim, email="attacker@evil.example")
    victim.refresh_from_db()
    assert victim.email == "victim@example.kz"
    # The first-sign-in link can only go to the customer's own address.
    assert services.first_sign_in_link_send(email="attacker@evil.example", language="ru") is None
    assert not OutboundMessage.objects.filter(recipient="attacker@evil.example").exists()


def test_the_admin_shows_the_email_read_only_with_the_reason(client, support_agent):
    victim = CustomerFactory(email="victim@example.kz")
    client.force_login(support_agent)
    page = client.get(f"/admin/accounts/customer/{victim.pk}/change/")
    assert b'name="email"' not in page.content
    assert "victim@example.kz" in page.content.decode()
    assert "account page" in page.content.decode() or "странице" in page.content.decode()


@pytest.mark.parametrize("role", ["support_agent", "officer"])
def test_customer_save_by_staff_refuses_an_email_change(role, request):
    user = UserFactory(email="victim@example.kz")
    customer = CustomerFactory(user=user, email="victim@example.kz")
    with pytest.raises(DomainError):
        services.customer_update(
            customer=customer, actor=request.getfixturevalue(role), email="x@evil.example"
        )
    customer.refresh_from_db()
    user.refresh_from_db()
    assert (customer.email, user.email) == ("victim@example.kz", "victim@example.kz")


def test_the_customers_confirmed_change_still_moves_the_sign_in():
    user = UserFactory(email="old@example.kz")
    customer = CustomerFactory(user=user, email="old@example.kz")
    change = services.customer_email_change_request(
        customer=customer, new_email="new@example.kz", actor=user
    )
    services.customer_email_change_confirm(token=services.email_change_token(change), actor=None)
    customer.refresh_from_db()
    user.refresh_from_db()
    assert (customer.email, user.email) == ("new@example.kz", "new@example.kz")
    assert EmailChangeRequest.objects.get().status == EmailChangeRequest.Status.CONFIRMED


def test_staff_still_add_a_customer_with_an_email(client, officer):
    client.force_login(officer)
    page = client.get("/admin/accounts/customer/add/")
    assert b'name="email"' in page.content
    services.customer_save(
        customer=Customer(
            first_name="A", last_name="B", phone="+77011234567", email="shop@example.kz"
        ),
        actor=officer,
        reason="added in admin",
    )
    assert Customer.objects.filter(email="shop@example.kz").exists()
    assert not User.objects.filter(email="shop@example.kz").exists()
