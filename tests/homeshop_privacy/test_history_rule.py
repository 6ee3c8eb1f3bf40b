"""One rule for history (issue 15 item 9): what a person can change keeps its versions
(django-simple-history); an append-only row never changes, so it keeps none — its one
version is the row itself, and a 10,000-line manifest is 10,000 rows, not 20,000."""

import pytest
from django.apps import apps
from django.contrib import admin

from homeshop_privacy.admin_base import AppendOnlyAdmin, has_history
from homeshop_privacy.append_only import AppendOnlyModel
from homeshop_privacy.roles import PROJECT_APPS


def _project_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and not model.__name__.startswith("Historical")
    ]


def test_append_only_models_keep_no_history():
    append_only = [m for m in _project_models() if issubclass(m, AppendOnlyModel)]
    assert {m.__name__ for m in append_only} >= {
        "ConsentEvent",
        "Disclosure",
        "DisclosureLine",
        "DisclosureVoid",
        "BreachNotice",
    }
    assert [m.__name__ for m in append_only if has_history(m)] == []


@pytest.mark.django_db
def test_what_staff_can_change_in_the_admin_keeps_history(rf, django_user_model):
    request = rf.get("/")
    request.user = django_user_model(is_staff=True, is_superuser=True, is_active=True)
    changeable = [
        model
        for model, model_admin in admin.site._registry.items()
        if model in _project_models()
        and not isinstance(model_admin, AppendOnlyAdmin)
        and model_admin.has_change_permission(request)
    ]
    assert changeable, "the walk found no changeable model: it would prove nothing"
    assert [m.__name__ for m in changeable if not has_history(m)] == []
