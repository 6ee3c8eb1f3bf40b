"""Staff accounts and groups are managed by superusers only (issue 8 item 2; 1.5).

Nobody raises their own privileges: support agents do not reach the User admin at all,
officers and auditors read it, and only a superuser adds users, changes one, sets a
password, or changes a group; even a superuser's own privilege fields are read-only.
Every refusal is checked by what the database still holds.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts import services
from accounts.models import Customer, User
from homeshop_privacy import roles
from tests.accounts.factories import SignedUpCustomerFactory
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True, email="root@homeshop.kz")


def _change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def _password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def _user_form(user, **overrides) -> dict:
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "is_active": "on",
        "is_staff": "on",
        "groups": [str(g.pk) for g in user.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-11-01",
        "date_joined_1": "10:00:00",
    }
    if user.is_superuser:
        data["is_superuser"] = "on"
    data.update(overrides)
    return data


def _officers() -> Group:
    return Group.objects.get(name=roles.COMPLIANCE_OFFICER)


# --- support agents ----------------------------------------------------------------------


def test_support_agent_does_not_reach_the_user_admin(client, support_agent):
    client.force_login(support_agent)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(_change_url(support_agent)).status_code == 403
    assert (
        client.get(reverse("admin:accounts_user_history", args=[support_agent.pk])).status_code
        == 403
    )
    index = client.get(reverse("admin:index"))
    assert b"/admin/accounts/user/" not in index.content


def test_support_agent_cannot_make_itself_superuser_or_officer(client, support_agent):
    client.force_login(support_agent)
    response = client.post(
        _change_url(support_agent),
        _user_form(support_agent, is_superuser="on", groups=[str(_officers().pk)]),
    )
    assert response.status_code == 403
    support_agent.refresh_from_db()
    assert support_agent.is_superuser is False
    assert list(support_agent.groups.values_list("name", flat=True)) == [roles.SUPPORT_AGENT]


def test_support_agent_cannot_create_users(client, support_agent):
    client.force_login(support_agent)
    before = User.objects.count()
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new.staff@homeshop.kz",
            "full_name": "New",
            "password1": "a-long-new-password-2026",
            "password2": "a-long-new-password-2026",
        },
    )
    assert response.status_code == 403
    assert User.objects.count() == before


@pytest.mark.parametrize("target", ["officer", "superuser"])
def test_support_agent_cannot_set_a_staff_password(client, support_agent, target, request):
    victim = request.getfixturevalue(target)
    hash_before = victim.password
    client.force_login(support_agent)
    new = "taken-over-password-2026"
    response = client.post(_password_url(victim), {"password1": new, "password2": new})
    assert response.status_code == 403
    victim.refresh_from_db()
    assert victim.password == hash_before
    assert not victim.check_password(new)


def test_support_agent_cannot_give_its_group_more_permissions(client, support_agent):
    group = Group.objects.get(name=roles.SUPPORT_AGENT)
    before = set(group.permissions.values_list("pk", flat=True))
    extra = Permission.objects.get(codename="delete_customer")
    client.force_login(support_agent)
    url = reverse("admin:auth_group_change", args=[group.pk])
    response = client.post(
        url, {"name": group.name, "permissions": [str(p) for p in before | {extra.pk}]}
    )
    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before


# --- officers and auditors ---------------------------------------------------------------


def test_officer_cannot_tick_its_own_is_superuser(client, officer):
    client.force_login(officer)
    assert client.get(_change_url(officer)).status_code == 200  # to read
    response = client.post(_change_url(officer), _user_form(officer, is_superuser="on"))
    assert response.status_code == 403
    officer.refresh_from_db()
    assert officer.is_superuser is False


def test_officer_cannot_set_the_superusers_password_or_create_users(client, officer, superuser):
    hash_before = superuser.password
    client.force_login(officer)
    new = "taken-over-password-2026"
    assert client.get(_password_url(superuser)).status_code == 403
    response = client.post(_password_url(superuser), {"password1": new, "password2": new})
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.password == hash_before
    before = User.objects.count()
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "x@homeshop.kz", "password1": new, "password2": new},
    )
    assert response.status_code == 403
    assert User.objects.count() == before


def test_officer_cannot_change_a_group(client, officer):
    group = _officers()
    before = set(group.permissions.values_list("pk", flat=True))
    client.force_login(officer)
    url = reverse("admin:auth_group_change", args=[group.pk])
    response = client.post(url, {"name": "Renamed", "permissions": []})
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.name == roles.COMPLIANCE_OFFICER
    assert set(group.permissions.values_list("pk", flat=True)) == before


def test_auditor_reads_the_users_and_changes_none(client, auditor, officer):
    client.force_login(auditor)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert client.get(_change_url(officer)).status_code == 200
    response = client.post(_change_url(auditor), _user_form(auditor, is_superuser="on"))
    assert response.status_code == 403
    auditor.refresh_from_db()
    assert auditor.is_superuser is False


def test_no_role_holds_a_permission_to_change_staff_accounts_or_groups():
    for role in roles.ROLES:
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.select_related("content_type")
        }
        assert not held & {"accounts.add_user", "accounts.change_user", "accounts.delete_user"}
        assert not [p for p in held if p.startswith("auth.")]
    support = Group.objects.get(name=roles.SUPPORT_AGENT).permissions
    assert not support.filter(content_type__model__in=["user", "historicaluser"]).exists()


# --- superusers --------------------------------------------------------------------------


def test_superuser_gives_a_staff_member_a_role(client, superuser):
    member = UserFactory(is_staff=True)
    client.force_login(superuser)
    response = client.post(_change_url(member), _user_form(member, groups=[str(_officers().pk)]))
    assert response.status_code == 302
    assert list(member.groups.values_list("name", flat=True)) == [roles.COMPLIANCE_OFFICER]


def test_superuser_sets_a_staff_password(client, superuser, officer):
    client.force_login(superuser)
    new = "a-new-officer-password-2026"
    response = client.post(_password_url(officer), {"password1": new, "password2": new})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(new)


def test_even_a_superuser_does_not_change_its_own_privileges(client, superuser):
    client.force_login(superuser)
    page = client.get(_change_url(superuser))
    assert b'name="is_superuser"' not in page.content
    response = client.post(
        _change_url(superuser),
        _user_form(superuser, is_superuser="", is_staff="", groups=[str(_officers().pk)]),
    )
    assert response.status_code == 302
    superuser.refresh_from_db()
    assert (superuser.is_superuser, superuser.is_staff) == (True, True)
    assert not superuser.groups.exists()


# --- a customer record cannot be pointed at a staff account ------------------------------


def test_support_agent_cannot_link_a_customer_to_a_staff_account(client, support_agent, superuser):
    customer = CustomerFactory()
    client.force_login(support_agent)
    url = reverse("admin:accounts_customer_change", args=[customer.pk])
    page = client.get(url)
    assert b'name="user"' not in page.content
    data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "email": customer.email,
        "preferred_language": "ru",
        "user": str(superuser.pk),
    }
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
    response = client.post(url, data)
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).user_id is None


def test_a_staff_sign_in_never_follows_a_customers_email(support_agent):
    # A customer record once linked to a staff account (by hand, in the database): its
    # email correction must not move the staff member's sign-in to another mailbox.
    staff = UserFactory(is_staff=True, email="officer.x@homeshop.kz")
    customer = CustomerFactory(email="officer.x@homeshop.kz")
    customer.user = staff
    customer.save()
    # Staff may no longer change a customer's email at all (finding 1 of the attack
    # review): the customer's own confirmed change is the one way left to test.
    change = services.customer_email_change_request(
        customer=customer, new_email="mine@example.kz", actor=None
    )
    services.customer_email_change_confirm(token=services.email_change_token(change), actor=None)
    customer.refresh_from_db()
    assert customer.email == "mine@example.kz"
    staff.refresh_from_db()
    assert staff.email == "officer.x@homeshop.kz"


def test_a_customers_own_sign_in_still_follows_the_corrected_email():
    # Was corrected by a support agent: that was the account-takeover hole (finding 1 of
    # the attack review). The customer's own confirmed change moves the sign-in.
    customer = SignedUpCustomerFactory(email="old@example.kz")
    change = services.customer_email_change_request(
        customer=customer, new_email="new@example.kz", actor=customer.user
    )
    services.customer_email_change_confirm(token=services.email_change_token(change), actor=None)
    customer.user.refresh_from_db()
    assert customer.user.email == "new@example.kz"
