import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.classification import PROJECT_APPS
from accounts.models import Customer, User

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model._meta.label: model.objects.count()
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }


def test_seed_demo_twice_gives_the_same_counts(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == first
    assert first["accounts.Customer"] >= 50
    assert first["accounts.Order"] > first["accounts.Customer"]


def test_seed_demo_data_is_invented_and_kazakhstan_shaped(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    emails = Customer.objects.values_list("email", flat=True)
    assert all(email.endswith("@example.kz") for email in emails)  # reserved, never real
    assert all(p.startswith("+77") for p in Customer.objects.values_list("phone", flat=True))
    cities = set(Customer.objects.values_list("addresses__city", flat=True))
    assert cities <= {"Алматы", "Астана"}
    assert User.objects.filter(email="admin@homeshop.kz", is_superuser=True).exists()


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert Customer.objects.count() == 0
