"""The admin calls services one way (issue 15 item 2): forms validate and write nothing,
``service_save`` writes, and a refusal shows the form again with nothing written, the
admin's change log included."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import ModelAdmin
from django.urls import reverse

from accounts import services as account_services
from accounts.models import AccountClosureRequest, Address, Customer
from claims.models import Claim
from homeshop_privacy.admin_services import ServiceAdmin
from homeshop_privacy.errors import DomainError
from homeshop_privacy.outbox import OutboundMessage
from tests.claims.factories import ClaimCategoryFactory
from tests.factories import AddressFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def _claim_add_data(category, **overrides):
    data = {
        "category": category.pk,
        "received_at_0": "02.11.2026",
        "received_at_1": "10:00:00",
        "channel": "post",
        "claimant_kind": "person",
        "claimant_name": "Нурлан Абенов",
        "claimant_language": "ru",
        "claimant_email": "n@example.kz",
        "subject": "Возврат",
        "text": "Текст претензии",
    }
    return {**data, **overrides}


def test_a_valid_admin_form_writes_nothing_until_the_admin_saves(rf, officer):
    # Before: the claim was registered inside is_valid(), before the admin decided to save.
    request = rf.post("/")
    request.user = officer
    claim_admin = admin.site.get_model_admin(Claim)
    form_class = claim_admin.get_form(request, None, change=False)
    form = form_class(_claim_add_data(ClaimCategoryFactory()))

    assert form.is_valid(), form.errors
    assert not Claim.objects.exists()


def test_the_admin_registers_the_claim_once_through_its_service(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("admin:claims_claim_add"), _claim_add_data(ClaimCategoryFactory())
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert claim.created_by == officer and claim.reference
    assert LogEntry.objects.filter(object_id=str(claim.pk)).count() == 1


def test_a_refusal_lands_next_to_the_field_it_names(client, officer):
    closure, _created = account_services.account_closure_request(
        customer=CustomerFactory(), actor=None, comment="Закройте, пожалуйста"
    )
    messages_before = OutboundMessage.objects.count()
    client.force_login(officer)
    response = client.post(
        reverse("admin:accounts_accountclosurerequest_change", args=[closure.pk]),
        {"status": AccountClosureRequest.Status.REFUSED, "decision_note": "  "},
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["decision_note"]
    closure.refresh_from_db()
    assert closure.is_open and closure.decided_by is None
    assert OutboundMessage.objects.count() == messages_before
    assert not LogEntry.objects.filter(object_id=str(closure.pk)).exists()


def test_a_refused_inline_row_rolls_back_the_whole_page(client, officer, monkeypatch):
    customer = CustomerFactory(first_name="Айгерим")
    address = AddressFactory(customer=customer, city="Алматы")

    def refuse(**kwargs):
        raise DomainError({"street": ["Нет такой улицы."]})

    monkeypatch.setattr(account_services, "address_save", refuse)
    client.force_login(officer)
    url = reverse("admin:accounts_customer_change", args=[customer.pk])
    page = client.get(url)
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if key in ("first_name", "last_name", "phone", "preferred_language")
    }
    data.update(
        {
            "first_name": "Айжан",
            "addresses-TOTAL_FORMS": "1",
            "addresses-INITIAL_FORMS": "1",
            "addresses-0-id": address.pk,
            "addresses-0-customer": customer.pk,
            "addresses-0-city": "Астана",
            "addresses-0-street": address.street,
            "addresses-0-postal_code": address.postal_code,
            "devices-TOTAL_FORMS": "0",
            "devices-INITIAL_FORMS": "0",
        }
    )
    for prefix in ("consent_states", "disclosure_lines"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)

    assert response.status_code == 200
    assert "Нет такой улицы." in response.content.decode()
    customer.refresh_from_db()
    address.refresh_from_db()
    assert (customer.first_name, address.city) == ("Айгерим", "Алматы")
    assert not Address.objects.filter(city="Астана").exists()


def _own_save_model(model_admin) -> bool:
    return any(
        "save_model" in vars(klass)
        for klass in type(model_admin).__mro__
        if klass not in (ModelAdmin, ServiceAdmin)
        and klass.__module__.split(".")[0] != "simple_history"
    )


def test_every_admin_that_saves_through_a_service_uses_the_adapter():
    """A ``save_model`` of its own is how an admin used to call a service (and turn its
    refusal into a 500); the adapter's ``service_save`` is the one way now."""
    offenders = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if _own_save_model(model_admin)
    ]
    assert offenders == []
    assert isinstance(admin.site.get_model_admin(Customer), ServiceAdmin)
    assert isinstance(admin.site.get_model_admin(Claim), ServiceAdmin)
