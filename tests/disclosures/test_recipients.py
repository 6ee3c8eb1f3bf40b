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
