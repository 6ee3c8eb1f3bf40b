import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from accounts import classification
from accounts.models import Customer, VisitEvent
from homeshop_privacy import classification as registry
from homeshop_privacy.classification import DataCategory


def test_every_field_of_every_project_model_is_classified():
    # 1.1: a new field must be classified (personal or not) before it can ship.
    assert classification.unclassified_fields() == []


def test_the_check_notices_an_unclassified_field():
    before = set(classification.unclassified_fields())
    entry = registry.unregister("accounts.customer")
    try:
        registry.register(
            "accounts.customer", {k: v for k, v in entry.fields.items() if k != "phone"}
        )
        assert set(classification.unclassified_fields()) - before == {"accounts.customer.phone"}
    finally:
        registry.unregister("accounts.customer")
        registry._registry[entry.label] = entry


def test_each_app_declares_its_own_models_only():
    # Issue 15 item 3: a field added in claims is classified in claims, not in accounts.
    for app in ("accounts", "claims", "consents", "disclosures"):
        module = __import__(f"{app}.classification", fromlist=["FIELDS"])
        assert {label.split(".")[0] for label in module.FIELDS} == {app}


def test_a_second_different_declaration_of_a_model_is_refused():
    with pytest.raises(ImproperlyConfigured):
        registry.register("accounts.customer", {"id": DataCategory.TECHNICAL})


def test_table_names_no_field_that_does_not_exist():
    for model in classification.classified_models():
        names = {f.name for f in model._meta.concrete_fields}
        stale = set(registry.of(model).fields) - names
        assert stale == set(), model._meta.label_lower


def test_every_category_is_a_known_category():
    for entry in registry.registered():
        for category in entry.fields.values():
            assert category in DataCategory.values


def test_customer_3_2_data_is_personal_and_visit_events_are_not():
    assert classification.personal_fields(Customer) == [
        "shop_customer_id",  # issue 12: the shop's id of the person links its records
        "first_name",
        "last_name",
        "phone",
        "email",
        "preferred_language",
        "created_at",
    ]
    # 1.4: what the browser sends by itself is non-personal data.
    assert classification.personal_fields(VisitEvent) == []


def test_visit_events_have_no_link_to_a_customer():
    relations = [f for f in VisitEvent._meta.get_fields() if isinstance(f, models.ForeignKey)]
    assert relations == []
