"""Each lawful basis accepted with what it needs and refused without it (1.3)."""

import datetime as dt

import pytest

from consents.services import consent_grant, consent_withdraw
from disclosures import services
from disclosures.models import Disclosure, DisclosureLine, Recipient
from disclosures.services import LineInput, LinesRefused
from homeshop_privacy.errors import DomainError
from tests.disclosures.conftest import NOW
from tests.disclosures.factories import RecipientFactory, WrittenPermissionFactory
from tests.factories import CustomerFactory, OrderFactory

B = Disclosure.Basis


def record(actor, recipient, basis, **kwargs):
    kwargs.setdefault("purpose_code", "4.2.3")
    kwargs.setdefault("categories", ["identity", "contact", "address"])
    kwargs.setdefault("disclosed_at", NOW - dt.timedelta(hours=1))
    return services.disclosure_record(actor=actor, recipient=recipient, basis=basis, **kwargs)


def messages(exc) -> str:
    return " ".join(exc.value.messages)


# --- 5.4.1 -------------------------------------------------------------------------------


def test_541_non_personal_statistics_are_recorded(officer, analytics):
    disclosure = record(
        officer, analytics, B.STATISTICS, purpose_code="4.2.7", categories=["visits"]
    )
    assert (disclosure.basis, disclosure.categories, disclosure.line_count) == (
        "5.4.1",
        ["visits"],
        0,
    )


def test_541_refuses_personal_categories_naming_the_clause(officer, analytics):
    with pytest.raises(DomainError) as exc:
        record(
            officer, analytics, B.STATISTICS, purpose_code="4.2.7", categories=["visits", "contact"]
        )
    assert "5.4.1" in messages(exc)
    assert "Contact details" in messages(exc)
    assert not Disclosure.objects.exists()


def test_541_refuses_to_name_a_customer(officer, analytics, customer):
    with pytest.raises(DomainError) as exc:
        record(
            officer,
            analytics,
            B.STATISTICS,
            purpose_code="4.2.7",
            categories=["visits"],
            lines=[LineInput(customer_id=customer.pk)],
        )
    assert "5.4.1" in messages(exc)


# --- 5.4.2 -------------------------------------------------------------------------------


def test_542_order_fulfilment_by_courier_is_recorded(officer, courier):
    order = OrderFactory(number="HS-500001")
    disclosure = record(officer, courier, B.ORDER_FULFILMENT, lines=[LineInput("HS-500001")])
    line = disclosure.lines.get()
    assert (line.customer, line.order) == (order.customer, order)


def test_542_refuses_a_recipient_that_does_not_fulfil_orders(officer, analytics):
    OrderFactory(number="HS-500002")
    with pytest.raises(DomainError) as exc:
        record(officer, analytics, B.ORDER_FULFILMENT, lines=[LineInput("HS-500002")])
    assert "5.4.2" in messages(exc)
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize("kind", ["seller", "courier", "postal", "telecom"])
def test_542_accepts_every_fulfilment_kind(officer, kind):
    order = OrderFactory()
    disclosure = record(
        officer, RecipientFactory(kind=kind), B.ORDER_FULFILMENT, lines=[LineInput(order.number)]
    )
    assert disclosure.line_count == 1


@pytest.mark.parametrize("purpose_code", ["4.2.6", "4.2.7", "4.2.10"])
def test_542_refuses_a_purpose_that_is_not_fulfilling_the_order(officer, purpose_code):
    # 5.4.2: a seller may get the buyer's data to fulfil the order, not to advertise.
    seller = RecipientFactory(kind=Recipient.Kind.SELLER)
    order = OrderFactory()
    with pytest.raises(DomainError) as exc:
        record(
            officer,
            seller,
            B.ORDER_FULFILMENT,
            purpose_code=purpose_code,
            lines=[LineInput(order.number)],
        )
    assert exc.value.message_dict["purpose"] == [
        f"Clause 5.4.2 allows disclosure only to fulfil the order (purposes 4.2.1-4.2.4); "
        f"{purpose_code} is another purpose: choose another basis."
    ]
    assert not Disclosure.objects.exists()


def test_542_refuses_someone_elses_order(officer, courier):
    OrderFactory(number="HS-500003")
    stranger = CustomerFactory()
    with pytest.raises(LinesRefused) as exc:
        record(
            officer,
            courier,
            B.ORDER_FULFILMENT,
            lines=[LineInput("HS-500003", customer_id=stranger.pk)],
        )
    assert [str(r) for r in exc.value.rejected] == [
        "1: Order HS-500003 belongs to another customer."
    ]
    assert not Disclosure.objects.exists()


def test_542_refuses_a_line_without_order(officer, courier, customer):
    with pytest.raises(LinesRefused) as exc:
        record(officer, courier, B.ORDER_FULFILMENT, lines=[LineInput(customer_id=customer.pk)])
    assert "5.4.2" in exc.value.rejected[0].message


# --- 5.4.3 -------------------------------------------------------------------------------


def test_543_state_request_is_recorded_with_its_number_date_and_ground(
    officer, authority, customer
):
    disclosure = record(
        officer,
        authority,
        B.STATE_AUTHORITY,
        purpose_code="4.2.2",
        lines=[LineInput(customer_id=customer.pk)],
        request_number="12-3/4567",
        request_date=dt.date(2026, 11, 20),
        legal_ground="ст. 199 УПК РК",
    )
    assert (disclosure.request_number, disclosure.request_date) == (
        "12-3/4567",
        dt.date(2026, 11, 20),
    )


def test_543_refuses_a_missing_request_number(officer, authority, customer):
    with pytest.raises(DomainError) as exc:
        record(
            officer,
            authority,
            B.STATE_AUTHORITY,
            purpose_code="4.2.2",
            lines=[LineInput(customer_id=customer.pk)],
            request_date=dt.date(2026, 11, 20),
            legal_ground="ст. 199 УПК РК",
        )
    assert exc.value.message_dict["request_number"] == [
        "Clause 5.4.3: give the authority's request number."
    ]
    assert not Disclosure.objects.exists()


def test_543_refuses_a_recipient_that_is_not_a_state_body(officer, courier, customer):
    with pytest.raises(DomainError) as exc:
        record(
            officer,
            courier,
            B.STATE_AUTHORITY,
            purpose_code="4.2.2",
            lines=[LineInput(customer_id=customer.pk)],
            request_number="1",
            request_date=dt.date(2026, 11, 20),
            legal_ground="закон",
        )
    assert "recipient" in exc.value.message_dict


# --- consent (4.2.10 credit from a partner bank) ----------------------------------------


def grant(customer, at, code="4.2.10"):
    return consent_grant(customer=customer, purpose_code=code, channel="checkout", occurred_at=at)


def test_consent_basis_is_recorded_when_consent_is_held(officer, bank, customer):
    grant(customer, NOW - dt.timedelta(days=2))
    disclosure = record(
        officer,
        bank,
        B.CONSENT,
        purpose_code="4.2.10",
        lines=[LineInput(customer_id=customer.pk)],
    )
    assert disclosure.lines.get().customer == customer


def test_consent_withdrawn_before_the_disclosure_is_refused(officer, bank, customer):
    grant(customer, NOW - dt.timedelta(days=2))
    consent_withdraw(
        customer=customer,
        purpose_code="4.2.10",
        channel="account_page",
        occurred_at=NOW - dt.timedelta(days=1),
    )
    with pytest.raises(LinesRefused) as exc:
        record(
            officer,
            bank,
            B.CONSENT,
            purpose_code="4.2.10",
            lines=[LineInput(customer_id=customer.pk)],
        )
    assert "4.2.10" in exc.value.rejected[0].message
    assert not DisclosureLine.objects.exists()


def test_consent_given_only_after_the_disclosure_does_not_count(officer, bank, customer):
    grant(customer, NOW - dt.timedelta(minutes=10))
    with pytest.raises(LinesRefused):
        record(
            officer,
            bank,
            B.CONSENT,
            purpose_code="4.2.10",
            disclosed_at=NOW - dt.timedelta(hours=1),
            lines=[LineInput(customer_id=customer.pk)],
        )


def test_consent_basis_refused_for_a_contract_purpose(officer, bank, customer):
    with pytest.raises(DomainError) as exc:
        record(
            officer,
            bank,
            B.CONSENT,
            purpose_code="4.2.3",
            lines=[LineInput(customer_id=customer.pk)],
        )
    assert "purpose" in exc.value.message_dict


# --- 5.3.2 written permission -----------------------------------------------------------


@pytest.fixture
def partner(db):
    return RecipientFactory(kind=Recipient.Kind.OTHER, legal_name="ТОО «Программа лояльности»")


def test_532_permission_in_scope_is_recorded_and_linked(officer, partner):
    permission = WrittenPermissionFactory(recipient=partner)
    disclosure = record(
        officer,
        partner,
        B.WRITTEN_PERMISSION,
        purpose_code="4.2.5",
        categories=["identity", "contact"],
        lines=[LineInput(customer_id=permission.customer_id)],
    )
    assert disclosure.lines.get().permission == permission


def test_532_revoked_permission_is_refused(officer, partner):
    permission = WrittenPermissionFactory(recipient=partner)
    services.written_permission_revoke(
        permission=permission,
        actor=officer,
        reason="письмо клиента от 20.11.2026",
        at=NOW - dt.timedelta(days=2),
    )
    with pytest.raises(LinesRefused) as exc:
        record(
            officer,
            partner,
            B.WRITTEN_PERMISSION,
            purpose_code="4.2.5",
            categories=["identity"],
            lines=[LineInput(customer_id=permission.customer_id)],
        )
    assert exc.value.rejected[0].message == (
        "5.3.2: the written permission was revoked on Nov. 23, 2026."
    )


def test_532_permission_revoked_after_the_disclosure_still_covers_it(officer, partner):
    permission = WrittenPermissionFactory(recipient=partner)
    services.written_permission_revoke(
        permission=permission, actor=officer, reason="отозвано", at=NOW - dt.timedelta(minutes=1)
    )
    disclosure = record(
        officer,
        partner,
        B.WRITTEN_PERMISSION,
        purpose_code="4.2.5",
        categories=["identity"],
        disclosed_at=NOW - dt.timedelta(days=1),
        lines=[LineInput(customer_id=permission.customer_id)],
    )
    assert disclosure.line_count == 1


def test_532_categories_outside_the_scope_are_refused(officer, partner):
    permission = WrittenPermissionFactory(recipient=partner, categories=["identity"])
    with pytest.raises(LinesRefused) as exc:
        record(
            officer,
            partner,
            B.WRITTEN_PERMISSION,
            purpose_code="4.2.5",
            categories=["identity", "address"],
            lines=[LineInput(customer_id=permission.customer_id)],
        )
    assert exc.value.rejected[0].message == (
        "5.3.2: the written permission does not cover: Delivery address."
    )


def test_532_permission_for_another_recipient_does_not_count(officer, partner):
    permission = WrittenPermissionFactory()  # signed for a different recipient
    with pytest.raises(LinesRefused) as exc:
        record(
            officer,
            partner,
            B.WRITTEN_PERMISSION,
            purpose_code="4.2.5",
            categories=["identity"],
            lines=[LineInput(customer_id=permission.customer_id)],
        )
    assert "no written permission" in exc.value.rejected[0].message


def test_532_permission_signed_after_the_disclosure_does_not_count(officer, partner):
    permission = WrittenPermissionFactory(recipient=partner, signed_on=dt.date(2026, 11, 25))
    with pytest.raises(LinesRefused):
        record(
            officer,
            partner,
            B.WRITTEN_PERMISSION,
            purpose_code="4.2.5",
            categories=["identity"],
            disclosed_at=NOW - dt.timedelta(days=3),
            lines=[LineInput(customer_id=permission.customer_id)],
        )


# --- common -------------------------------------------------------------------------------


def test_purpose_outside_section_4_is_refused(officer, courier):
    order = OrderFactory()
    with pytest.raises(DomainError) as exc:
        record(
            officer,
            courier,
            B.ORDER_FULFILMENT,
            purpose_code="9.9",
            lines=[LineInput(order.number)],
        )
    assert "5.3.1" in messages(exc)


def test_disclosure_dated_in_the_future_is_refused(officer, courier):
    order = OrderFactory()
    with pytest.raises(DomainError):
        record(
            officer,
            courier,
            B.ORDER_FULFILMENT,
            disclosed_at=NOW + dt.timedelta(hours=1),
            lines=[LineInput(order.number)],
        )


def test_inactive_recipient_is_refused(officer):
    order = OrderFactory()
    former = RecipientFactory(is_active=False)
    with pytest.raises(DomainError):
        record(officer, former, B.ORDER_FULFILMENT, lines=[LineInput(order.number)])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "Пункт 5.4.3: укажите номер запроса органа."),
        ("kk", "5.4.3-тармақ: органның сұрау нөмірін көрсетіңіз."),
    ],
)
def test_refusal_is_in_the_users_language(officer, authority, customer, language, expected):
    from django.utils import translation

    with translation.override(language), pytest.raises(DomainError) as exc:
        record(
            officer,
            authority,
            B.STATE_AUTHORITY,
            purpose_code="4.2.2",
            lines=[LineInput(customer_id=customer.pk)],
            request_date=dt.date(2026, 11, 20),
            legal_ground="закон",
        )
    assert exc.value.message_dict["request_number"] == [expected]
