from django.db import models

from accounts import classification
from accounts.classification import DataCategory
from accounts.models import Customer, VisitEvent


def test_every_field_of_every_project_model_is_classified():
    # 1.1: a new field must be classified (personal or not) before it can ship.
    assert classification.unclassified_fields() == []


def test_the_check_notices_an_unclassified_field(monkeypatch):
    before = set(classification.unclassified_fields())
    trimmed = dict(classification.FIELDS)
    trimmed["accounts.customer"] = {
        k: v for k, v in trimmed["accounts.customer"].items() if k != "phone"
    }
    monkeypatch.setattr(classification, "FIELDS", trimmed)
    assert set(classification.unclassified_fields()) - before == {"accounts.customer.phone"}


def test_table_names_no_field_that_does_not_exist():
    for model in classification.classified_models():
        names = {f.name for f in model._meta.concrete_fields}
        stale = set(classification.FIELDS.get(model._meta.label_lower, {})) - names
        assert stale == set(), model._meta.label_lower


def test_every_category_is_a_known_category():
    for table in classification.FIELDS.values():
        for category in table.values():
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
