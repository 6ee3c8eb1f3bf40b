"""History is read-only for everyone (issue 8 item 1; DESIGN: "History is read-only").

simple-history's version page (``/admin/<app>/<model>/<id>/history/<history_id>/``)
saves a POST of the change form's fields for anyone who may view the record. Every
tracked admin refuses it (405) and the database keeps what it had; a GET still shows the
version, as text.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.forms import BooleanField, CharField, MultiWidget
from django.urls import reverse

from accounts.models import Customer, User
from homeshop_privacy import roles
from homeshop_privacy.admin_base import TrackedAdmin, has_history
from tests.admin_samples import one_of_each
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGED = " (изменено)"


def _version_url(model, pk) -> str:
    version = model.history.filter(**{model._meta.pk.attname: pk}).latest("history_date")
    info = model._meta.app_label, model._meta.model_name
    return reverse("admin:{}_{}_simple_history".format(*info), args=[pk, version.history_id])


def _form_data(form) -> dict:
    """What a browser sends back for ``form`` as rendered, every text field changed."""
    data = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(bound.field, BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(widget, MultiWidget):
            parts = widget.decompress(value) if value is not None else []
            for suffix, part in zip(widget.widgets_names, parts, strict=False):
                data[bound.html_name + suffix] = "" if part is None else str(part)
        elif isinstance(value, (list, tuple)):
            data[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
        elif value is not None:
            data[bound.html_name] = str(getattr(value, "pk", value))
        if type(bound.field) is CharField and isinstance(data.get(bound.html_name), str):
            data[bound.html_name] += CHANGED
    return data


def _row(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def _history_rows() -> int:
    return sum(m.history.count() for m in admin.site._registry if has_history(m))


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_every_admin_with_history_is_a_tracked_admin():
    # The refusal lives in TrackedAdmin: an admin with a version page outside it would
    # bring simple-history's saving page back.
    for model, model_admin in admin.site._registry.items():
        if has_history(model):
            assert isinstance(model_admin, TrackedAdmin), model._meta.label


@pytest.mark.parametrize("role", [roles.AUDITOR, roles.COMPLIANCE_OFFICER])
def test_a_post_to_any_version_page_changes_nothing(client, role, officer, superuser):
    samples = one_of_each(actor=officer)
    actor = UserFactory(is_staff=True)
    actor.groups.add(Group.objects.get(name=role))
    tried = []
    for model, obj in samples.items():
        if not has_history(model):
            continue
        client.force_login(superuser)
        info = model._meta.app_label, model._meta.model_name
        page = client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        data = _form_data(page.context["adminform"].form)
        client.force_login(actor)  # before the snapshot: signing in saves last_login
        before, history_before = _row(model, obj.pk), _history_rows()
        response = client.post(_version_url(model, obj.pk), data)
        tried.append(model._meta.label)
        assert response.status_code == 405, model._meta.label
        assert _row(model, obj.pk) == before, model._meta.label
        assert _history_rows() == history_before, model._meta.label
    assert {"accounts.Customer", "accounts.User", "claims.ClaimCategory"} <= set(tried)


def test_auditor_cannot_make_itself_superuser_through_its_own_version_page(client, auditor):
    client.force_login(auditor)
    officers = Group.objects.get(name=roles.COMPLIANCE_OFFICER)
    response = client.post(
        _version_url(User, auditor.pk),
        {
            "email": auditor.email,
            "full_name": auditor.full_name,
            "language": "ru",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [str(officers.pk)],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-11-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 405
    auditor.refresh_from_db()
    assert auditor.is_superuser is False
    assert list(auditor.groups.values_list("name", flat=True)) == [roles.AUDITOR]


def test_auditor_cannot_rename_a_customer_through_a_version_page(client, auditor, customer):
    client.force_login(auditor)
    response = client.post(
        _version_url(Customer, customer.pk),
        {
            "first_name": "Подмена",
            "last_name": "Подменов",
            "phone": customer.phone,
            "email": "other@example.kz",
            "preferred_language": "ru",
        },
    )
    assert response.status_code == 405
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.first_name, stored.last_name, stored.email) == (
        customer.first_name,
        customer.last_name,
        customer.email,
    )
    assert Customer.history.filter(id=customer.pk).count() == 1


def test_a_version_page_shows_the_old_values_as_text(client, auditor, customer):
    old_name = customer.last_name
    customer.last_name = "Новая"
    customer.save()
    first = Customer.history.filter(id=customer.pk).earliest("history_date")
    client.force_login(auditor)
    url = reverse("admin:accounts_customer_simple_history", args=[customer.pk, first.history_id])
    response = client.get(url)
    assert response.status_code == 200
    assert old_name in response.content.decode()
    assert b'name="last_name"' not in response.content
    assert b'name="_save"' not in response.content


def test_staff_without_a_role_cannot_open_a_version(client, customer):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(_version_url(Customer, customer.pk))
    assert response.status_code == 403
