"""The permission matrix (issue 8): every role × every admin URL, action and customer page.

The table is ``tests/permission_matrix.py``; this module walks the project (admin
registry, each ModelAdmin's actions and URLs, the root URL resolver), fails on anything
the table does not name, and checks each cell with a real request. A write is judged by
the database: every table (sessions and the 1.5 access log aside) is digested before
and after; an allowed write changes something (or queues work for after the commit), a
refused one changes nothing. The records are written once for the module, inside a
transaction that each test rolls back to and that is rolled back at the end.
"""

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.db import transaction
from django.http import HttpResponse
from django.test import TestCase, override_settings
from django.urls import URLResolver, path
from django.urls.resolvers import RegexPattern

from accounts.admin import CustomerAdmin
from accounts.models import Address, Customer
from homeshop_privacy import customer_pages
from tests import matrix_world as mw
from tests import permission_matrix as pm

pytestmark = [pytest.mark.postgres]

FOUND = pm.walk()
CELLS = pm.expand(FOUND)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("matrix-media")
    overrides = override_settings(
        PRIVATE_MEDIA_ROOT=media / "private",
        MEDIA_ROOT=media / "public",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LANGUAGE_CODE="en",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with overrides, django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield mw.build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- the guard: the table names everything, and the walker notices what is new --------------


def test_the_table_names_every_admin_model_action_view_and_page():
    assert pm.unnamed(FOUND) == []


def test_the_table_names_nothing_the_project_no_longer_offers():
    assert pm.stale(FOUND) == []


def _probe_view(request, *args, **kwargs):
    return HttpResponse("probe")


def test_the_walker_reports_a_new_model_action_admin_view_and_url():
    """Register what a later change might add; the walker must report each one."""
    site = AdminSite(name="matrix_probe")
    for model, model_admin in admin.site._registry.items():
        site._registry[model] = model_admin

    class ProbeAddressAdmin(admin.ModelAdmin):
        actions = ["probe_action"]

        @admin.action(description="probe")
        def probe_action(self, request, queryset):
            pass

        def get_urls(self):
            view = self.admin_site.admin_view(_probe_view)
            return [path("probe/", view, name="accounts_address_probe"), *super().get_urls()]

    @admin.action(description="probe")
    def probe_action(modeladmin, request, queryset):
        pass

    site.register(Address, ProbeAddressAdmin)
    site._registry[Customer] = CustomerAdmin(Customer, site)
    # Another app adds to the customer's admin page through the registry (issue 15 item 1).
    customer_pages.admin_panels.register(
        customer_pages.AdminPanel(key="probe", actions=(probe_action,))
    )

    root = pm.get_resolver()
    urlconf = type("ProbeURLConf", (), {"urlpatterns": [*root.url_patterns]})
    urlconf.urlpatterns.append(path("probe-page/<int:pk>/", _probe_view))
    resolver = URLResolver(RegexPattern(r"^/"), urlconf)

    try:
        reported = pm.unnamed(pm.walk(site, resolver))
    finally:
        customer_pages.admin_panels.unregister("probe")

    assert "admin model accounts.address" in reported
    assert "admin action accounts.address.probe_action" in reported
    assert "admin action accounts.customer.probe_action" in reported
    assert "admin view accounts_address_probe" in reported
    assert "URL /probe-page/<int:pk>/" in reported
    # ...and nothing the real table already names.
    assert not [r for r in reported if "probe" not in r and "accounts.address" not in r]


def test_the_matrix_covers_every_role_and_kind():
    assert {cell.role for cell in CELLS} == set(pm.ROLES)
    kinds = {cell.what for cell in CELLS if cell.area == "model"}
    assert kinds == set(pm.MODEL_KINDS)
    writes = [c for c in CELLS if c.effect == pm.WRITE]
    assert {c.expected for c in writes} == {pm.ALLOW, pm.DENY, pm.LOGIN}


# --- the cells ------------------------------------------------------------------------------


def _is_attachment(response) -> bool:
    return response.status_code == 200 and "attachment" in response.get("Content-Disposition", "")


def _to_login(response) -> bool:
    return response.status_code == 302 and "/login/" in response.get("Location", "")


def _form_errors(response) -> str:
    context = getattr(response, "context", None)
    if not context:
        return ""
    errors = []
    for key in ("adminform", "form"):
        try:
            form = context[key]
        except KeyError:
            continue
        form = getattr(form, "form", form)
        if getattr(form, "errors", None):
            errors.append(form.errors.as_text())
    try:
        for formset in context["inline_admin_formsets"]:
            if formset.formset.errors or formset.formset.non_form_errors():
                errors.append(str(formset.formset.errors))
    except KeyError:
        pass
    return " ".join(errors)


def _describe(cell, response, changed, queued) -> str:
    return (
        f"{cell.id}: expected {cell.expected}, got HTTP {response.status_code}"
        f" {response.get('Location', '')} changed={changed} queued={queued}"
        f" {_form_errors(response)}"
    ).strip()


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell(cell, world, db):
    request = mw.request_for(world, cell)
    data = mw.post_data(world, request) if request.method == "POST" else None
    client = mw.client_for(world, cell.role, password_only=cell.variant == pm.PASSWORD_ONLY)
    if request.prime:
        client.get(request.prime)
    # Every test starts from the module's records (it rolls back to them), and reading the
    # form page above wrote nothing but the access log: the module's digest is "before".
    before = world.baseline if request.method == "POST" else None
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        if request.method == "POST":
            response = client.post(request.url, data)
        else:
            response = client.get(request.url)
    changed = mw.changed_tables(before, mw.fingerprint()) if before is not None else []
    queued = len(callbacks)
    wrote = bool(changed or queued)
    message = _describe(cell, response, changed, queued)

    if cell.effect == pm.HEALTH and cell.expected == pm.ALLOW:
        # 500 is the monitor's "unhealthy" (the records include a failed email), not a crash.
        assert response["Content-Type"] == "application/json", message
        assert set(response.json()) == {"status", "checks"}, message
        assert not any(u.email in response.content.decode() for u in world.users.values())
        return
    assert response.status_code < 500, message
    if cell.expected == pm.LOGIN:
        assert _to_login(response) and not wrote, message
    elif cell.expected == pm.DENY:
        assert not wrote, message
        if cell.what == pm.VERSION_POST:
            # History is read-only: the POST itself is refused, 405 for everyone (issue 8 item 1).
            assert response.status_code == 405, message
        elif cell.effect in (pm.PAGE, pm.PAGE_OR_REDIRECT):
            assert response.status_code in (302, 403, 404, 405), message
            if cell.effect == pm.PAGE_OR_REDIRECT:
                assert response.status_code != 302 or _to_login(response), message
        elif cell.effect == pm.DOWNLOAD:
            assert not _is_attachment(response), message
            assert response.status_code in (302, 403, 404), message
    elif cell.effect == pm.WRITE:
        assert wrote, message
    elif cell.effect == pm.DOWNLOAD:
        assert _is_attachment(response), message
    elif cell.effect == pm.PAGE:
        assert response.status_code == 200, message
    else:
        assert response.status_code in (200, 302), message


def test_each_cell_starts_from_the_module_records(world, db):
    """The cells compare against one digest taken after the records were written."""
    assert mw.fingerprint() == world.baseline
