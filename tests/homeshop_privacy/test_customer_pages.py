"""One registry for what the apps add to a customer's pages (issue 15 item 1): the admin
page's inlines and actions come from ``customer_pages`` like the account page's sections,
read when the page is built, so no app mutates ``CustomerAdmin`` and import order is moot."""

import ast
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured

from accounts.admin import CustomerAdmin
from accounts.models import Customer, CustomerDevice
from homeshop_privacy import customer_pages
from homeshop_privacy.customer_pages import AdminPanel, admin_panels

ROOT = Path(__file__).resolve().parents[2]


class _DevicesAgainInline(admin.TabularInline):
    # Any inline on the customer will do; it stands in for another app's panel.
    model = CustomerDevice
    extra = 0
    verbose_name_plural = "test panel devices"


@admin.action(description="Test panel action", permissions=["view"])
def _test_panel_action(modeladmin, request, queryset):
    return None


@pytest.fixture
def test_panel():
    panel = AdminPanel(
        key="test_panel", inlines=(_DevicesAgainInline,), actions=(_test_panel_action,)
    )
    admin_panels.register(panel)
    yield panel
    admin_panels.unregister(panel.key)


def test_a_panel_registered_after_the_admin_was_built_is_on_the_customer_page(
    client, officer, customer, test_panel
):
    # The registered CustomerAdmin instance existed long before this panel: it still shows.
    client.force_login(officer)
    page = client.get(f"/admin/accounts/customer/{customer.pk}/change/").content.decode()
    assert "Test panel devices" in page
    listing = client.get("/admin/accounts/customer/").content.decode()
    assert "Test panel action" in listing


def test_without_the_panel_the_page_has_neither(client, officer, customer):
    client.force_login(officer)
    page = client.get(f"/admin/accounts/customer/{customer.pk}/change/").content.decode()
    assert "Test panel devices" not in page


def test_consents_and_disclosures_add_their_panels_through_the_registry():
    customer_admin = admin.site.get_model_admin(Customer)
    inlines = customer_admin.get_inlines(None, None)
    # accounts' own first, then the apps' panels in their order (as the page always had them)
    assert [i.__name__ for i in inlines] == [
        "AddressInline",
        "DeviceInline",
        "ConsentStateInline",
        "CustomerDisclosureInline",
    ]
    assert {a.__name__ for a in customer_admin.actions} >= {
        "export_proof_json",
        "export_proof_csv",
    }
    # Nothing was written onto the class or the registered instance.
    assert CustomerAdmin.inlines == [i for i in inlines[:2]]
    assert "inlines" not in vars(customer_admin) and "actions" not in vars(customer_admin)


def _assignments_to_customer_admin(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            # CustomerAdmin.inlines = ..., or the registered instance's .inlines/.actions
            if isinstance(target, ast.Attribute) and (
                "CustomerAdmin" in ast.unparse(target.value)
                or (target.attr in ("inlines", "actions") and ast.unparse(target.value) != "self")
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_app_assigns_to_the_customer_admin():
    offenders = [
        hit
        for app in ("consents", "disclosures", "claims")
        for path in (ROOT / app).rglob("*.py")
        for hit in _assignments_to_customer_admin(path)
    ]
    assert offenders == []


def test_an_app_cannot_take_another_apps_panel_key(test_panel):
    with pytest.raises(ImproperlyConfigured):
        admin_panels.register(AdminPanel(key="test_panel"))
    admin_panels.register(test_panel)  # a ready() run twice is harmless


def test_panels_come_in_their_order():
    late, early = AdminPanel(key="test_z", order=300), AdminPanel(key="test_y", order=1)
    admin_panels.register(late)
    admin_panels.register(early)
    try:
        keys = [p.key for p in admin_panels.all()]
        assert keys.index("test_y") < keys.index("test_z")
        assert keys.index("test_y") == 0
    finally:
        admin_panels.unregister("test_y")
        admin_panels.unregister("test_z")


def test_account_sections_and_admin_panels_are_separate_registries():
    assert customer_pages.account_sections is not customer_pages.admin_panels
    assert "consents" in {p.key for p in admin_panels.all()}
    assert "consents" in {s.key for s in customer_pages.account_sections.all()}
