import pytest
from django.contrib.auth.models import Group

from homeshop_privacy import roles

pytestmark = pytest.mark.django_db


def _codenames(role):
    group = Group.objects.get(name=role)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_the_three_roles_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)


def test_compliance_officer_may_change_customers_and_read_the_outbox():
    perms = _codenames(roles.COMPLIANCE_OFFICER)
    assert {"accounts.change_customer", "accounts.view_historicalcustomer"} <= perms
    assert "homeshop_privacy.view_outboundmessage" in perms


def test_support_agent_works_with_customers_but_deletes_nothing_and_sees_no_breach():
    perms = _codenames(roles.SUPPORT_AGENT)
    assert {"accounts.view_customer", "accounts.change_customer"} <= perms
    assert not [p for p in perms if ".delete_" in p]
    assert not [p for p in perms if "breach" in p]
    assert not [p for p in perms if p.startswith("homeshop_privacy.")]


def test_support_agent_only_reads_what_sets_claim_deadlines():
    # 6.2: a category's term sets due dates; the calendar is not theirs at all.
    perms = _codenames(roles.SUPPORT_AGENT)
    assert "claims.view_claimcategory" in perms
    assert not [p for p in perms if "claimcategory" in p and ".view_" not in p]
    assert not [p for p in perms if "calendaroverride" in p]


def test_auditor_reads_everything_history_included_and_changes_nothing():
    perms = _codenames(roles.AUDITOR)
    assert "accounts.view_customer" in perms
    assert "accounts.view_historicalcustomer" in perms
    assert perms and all(p.split(".", 1)[1].startswith(("view_", "export_")) for p in perms)
    assert "disclosures.export_disclosure" in perms


def test_sync_is_idempotent():
    before = {role: _codenames(role) for role in roles.ROLES}
    roles.roles_sync()
    assert {role: _codenames(role) for role in roles.ROLES} == before
