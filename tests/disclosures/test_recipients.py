import pytest

from disclosures import services
from disclosures.models import Recipient
from homeshop_privacy.errors import DomainError


def test_recipient_with_valid_bin_is_created_with_history(officer):
    recipient = services.recipient_create(
        actor=officer,
        legal_name="АО «Казпочта»",
        kind=Recipient.Kind.POSTAL,
        bin="0001 4000 2217",
        agreement_reference="DPA-2026/7",
    )
    assert recipient.bin == "000140002217"
    assert recipient.history.get().history_user == officer


def test_recipient_with_wrong_check_digit_is_refused(officer):
    with pytest.raises(DomainError) as exc:
        services.recipient_create(
            actor=officer,
            legal_name="АО «Казпочта»",
            kind=Recipient.Kind.POSTAL,
            bin="000140002218",
        )
    assert "bin" in exc.value.message_dict
    assert not Recipient.objects.exists()


def test_kazakhstan_recipient_without_bin_is_refused(officer):
    with pytest.raises(DomainError) as exc:
        services.recipient_create(
            actor=officer, legal_name="ТОО «Без БИН»", kind=Recipient.Kind.COURIER
        )
    assert "bin" in exc.value.message_dict


def test_foreign_recipient_is_identified_by_its_registration(officer):
    recipient = services.recipient_create(
        actor=officer,
        legal_name="Example Analytics GmbH",
        kind=Recipient.Kind.ANALYTICS,
        country="de",
        foreign_registration="HRB 123456",
    )
    assert (recipient.country, recipient.bin) == ("DE", "")


def test_same_bin_twice_is_refused(officer):
    services.recipient_create(
        actor=officer, legal_name="АО «Kaspi Bank»", kind="partner_bank", bin="971240001315"
    )
    with pytest.raises(DomainError):
        services.recipient_create(
            actor=officer, legal_name="Kaspi again", kind="partner_bank", bin="971240001315"
        )


def recipient_form(**overrides) -> dict:
    data = {
        "legal_name": "ТОО «Курьер Плюс»",
        "kind": "courier",
        "bin": "",
        "foreign_registration": "",
        "country": "KZ",
        "contact": "",
        "agreement_reference": "",
        "agreement_date": "",
        "is_active": "on",
    }
    return {**data, **overrides}


def admin_errors(response) -> list[str]:
    assert response.status_code == 200
    form = response.context["adminform"].form
    return [message for messages in form.errors.values() for message in messages]


def test_admin_says_in_russian_why_a_kazakhstan_recipient_is_refused(client, officer):
    client.force_login(officer)
    response = client.post("/admin/disclosures/recipient/add/", recipient_form())
    # The officer reads the rule, not the name of a database constraint.
    assert admin_errors(response) == [
        "Для казахстанского получателя нужен БИН.",
        "Укажите БИН или иностранный регистрационный номер.",
    ]
    assert not Recipient.objects.exists()


def test_admin_takes_a_bin_typed_with_spaces_and_a_lower_case_country(client, officer):
    client.force_login(officer)
    response = client.post(
        "/admin/disclosures/recipient/add/", recipient_form(bin="0001 4000 2217", country="kz")
    )
    assert response.status_code == 302
    recipient = Recipient.objects.get()
    assert (recipient.bin, recipient.country) == ("000140002217", "KZ")
    assert recipient.history.get().history_user == officer


def test_admin_refuses_a_permission_ending_before_it_was_signed(client, officer):
    from tests.disclosures.factories import RecipientFactory
    from tests.factories import CustomerFactory

    client.force_login(officer)
    response = client.post(
        "/admin/disclosures/writtenpermission/add/",
        {
            "customer": CustomerFactory().pk,
            "recipient": RecipientFactory().pk,
            "purpose": "",
            "categories": ["identity"],
            "scope": "Программа лояльности",
            "signed_on": "2026-11-20",
            "valid_until": "2026-11-01",
            "document_reference": "WP-1",
            "scan": "",
        },
    )
    assert admin_errors(response) == ["Разрешение не может закончиться раньше дня подписания."]
