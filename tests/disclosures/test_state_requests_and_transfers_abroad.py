"""5.4.3 entries hidden from the customer unless an officer decides otherwise; Law 94-V
art. 16: no transfer abroad without the customer's consent or another recorded ground."""

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import translation

from consents.services import consent_grant, consent_withdraw
from disclosures import services
from disclosures.models import Disclosure, DisclosureLine, Recipient
from disclosures.services import LineInput, LinesRefused
from homeshop_privacy.errors import DomainError
from tests.disclosures.conftest import NOW
from tests.disclosures.factories import RecipientFactory
from tests.disclosures.test_account_section import my_section
from tests.factories import CustomerFactory, OrderFactory, UserFactory


@pytest.fixture
def me(db, client):
    user = UserFactory()
    customer = CustomerFactory(user=user, preferred_language="ru", email="me@example.kz")
    client.force_login(user)
    return customer


def police_request(officer, authority, customer):
    return services.disclosure_record(
        actor=officer,
        recipient=authority,
        basis=Disclosure.Basis.STATE_AUTHORITY,
        purpose_code="4.2.2",
        categories=["identity", "contact"],
        disclosed_at=NOW - dt.timedelta(hours=2),
        lines=[LineInput(customer_id=customer.pk)],
        request_number="ЗАПРОС-77/2026",
        request_date=dt.date(2026, 11, 24),
        legal_ground="Criminal Procedure Code art. 122",
    )


def delivery(officer, courier, customer):
    return services.disclosure_record(
        actor=officer,
        recipient=courier,
        basis=Disclosure.Basis.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "contact", "address"],
        disclosed_at=NOW - dt.timedelta(hours=1),
        lines=[LineInput(OrderFactory(customer=customer, number="HS-7001").number)],
    )


def my_download(client) -> list[dict]:
    export = client.get(reverse("accounts:export_json"))
    body = b"".join(export.streaming_content) if export.streaming else export.content
    return json.loads(body)["sections"]["disclosures"]


# --- 5.4.3 ------------------------------------------------------------------------------------


def test_a_state_request_is_hidden_from_the_customer_by_default(
    client, me, officer, authority, courier
):
    police_request(officer, authority, me)
    delivery(officer, courier, me)
    page = my_section(client, HTTP_ACCEPT_LANGUAGE="en")
    assert "ТОО «Быстрая доставка»" in page
    assert "Департамент полиции" not in page
    rows = my_download(client)
    assert [row["recipient"] for row in rows] == ["ТОО «Быстрая доставка»"]


def test_an_officers_decision_shows_it_in_the_page_and_the_download(client, me, officer, authority):
    entry = police_request(officer, authority, me)
    decision = services.disclosure_visibility_decide(
        disclosure=entry, actor=officer, shown=True, reason="The investigation is closed."
    )
    assert (decision.decided_by, decision.decided_at) == (officer, NOW)
    page = my_section(client, HTTP_ACCEPT_LANGUAGE="en")
    assert "Департамент полиции г. Алматы" in page
    assert [row["lawful_basis"] for row in my_download(client)] == ["5.4.3"]
    # Hidden again: a new decision, both in the history.
    services.disclosure_visibility_decide(
        disclosure=entry, actor=officer, shown=False, reason="The court asked us to."
    )
    assert "Департамент полиции" not in my_section(client, HTTP_ACCEPT_LANGUAGE="en")
    assert my_download(client) == []
    assert list(decision.history.values_list("shown_to_customer", "reason")) == [
        (False, "The court asked us to."),
        (True, "The investigation is closed."),
    ]


def test_a_decision_needs_a_reason_and_a_5_4_3_entry(me, officer, authority, courier):
    entry = police_request(officer, authority, me)
    with pytest.raises(DomainError):
        services.disclosure_visibility_decide(
            disclosure=entry, actor=officer, shown=True, reason=" "
        )
    other = delivery(officer, courier, me)
    with pytest.raises(DomainError, match="5.4.3"):
        services.disclosure_visibility_decide(
            disclosure=other, actor=officer, shown=True, reason="x"
        )
    assert not entry.__class__.objects.filter(visibility__isnull=False).exists()


def test_the_register_export_for_the_regulator_shows_hidden_entries(client, me, officer, authority):
    police_request(officer, authority, me)
    client.force_login(officer)
    response = client.get(reverse("admin:disclosures_disclosure_export_csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["basis"] for row in rows] == ["5.4.3"]
    assert rows[0]["customer_email"] == "me@example.kz"


def test_the_admin_customer_page_still_shows_hidden_entries_to_staff(me, officer, authority):
    from disclosures.selectors import customer_disclosures

    police_request(officer, authority, me)
    assert customer_disclosures(customer_id=me.pk).count() == 1
    assert customer_disclosures(customer_id=me.pk, for_customer=True).count() == 0


# --- art. 16 ----------------------------------------------------------------------------------


@pytest.fixture
def abroad(db):
    return RecipientFactory(
        kind=Recipient.Kind.ANALYTICS,
        legal_name="Metrics GmbH",
        bin="",
        foreign_registration="HRB 12345",
        country="DE",
    )


def analytics_to(officer, recipient, *customers, at=None):
    return services.disclosure_record(
        actor=officer,
        recipient=recipient,
        basis=Disclosure.Basis.CONSENT,
        purpose_code="4.2.6",
        categories=["contact"],
        disclosed_at=at or NOW - dt.timedelta(hours=1),
        lines=[LineInput(customer_id=c.pk) for c in customers],
    )


def grant(customer, code, at):
    return consent_grant(customer=customer, purpose_code=code, channel="checkout", occurred_at=at)


def test_a_transfer_abroad_without_consent_is_refused_naming_article_16(officer, abroad):
    customer = CustomerFactory()
    grant(customer, "4.2.6", NOW - dt.timedelta(days=2))
    with pytest.raises(LinesRefused) as refused:
        analytics_to(officer, abroad, customer)
    message = refused.value.rejected[0].message
    assert "art. 16" in message and "Metrics GmbH" in message and "DE" in message
    assert not Disclosure.objects.exists()
    with translation.override("ru"), pytest.raises(LinesRefused) as in_russian:
        analytics_to(officer, abroad, customer)
    assert "ст. 16" in in_russian.value.rejected[0].message
    with translation.override("kk"), pytest.raises(LinesRefused) as in_kazakh:
        analytics_to(officer, abroad, customer)
    assert "16-бап" in in_kazakh.value.rejected[0].message


def test_consent_to_cross_border_transfer_in_force_allows_it(officer, abroad):
    allowed, withdrawn = CustomerFactory(), CustomerFactory()
    for customer in (allowed, withdrawn):
        grant(customer, "4.2.6", NOW - dt.timedelta(days=2))
        grant(customer, services.CROSS_BORDER_PURPOSE, NOW - dt.timedelta(days=2))
    consent_withdraw(
        customer=withdrawn,
        purpose_code=services.CROSS_BORDER_PURPOSE,
        channel="checkout",
        occurred_at=NOW - dt.timedelta(days=1),
    )
    with pytest.raises(LinesRefused) as refused:
        analytics_to(officer, abroad, allowed, withdrawn)
    assert [r.line_no for r in refused.value.rejected] == [2]
    entry = analytics_to(officer, abroad, allowed)
    assert entry.line_count == 1


def test_another_ground_recorded_on_the_recipient_allows_it_with_who_and_when(officer, abroad):
    customer = CustomerFactory()
    grant(customer, "4.2.6", NOW - dt.timedelta(days=2))
    abroad.transfer_ground = Recipient.TransferGround.PROTECTION
    with pytest.raises(DomainError):  # the ground says where it comes from
        services.recipient_save(recipient=abroad, actor=officer, reason="ground")
    abroad.transfer_ground_note = "Germany: on the authorised body's list of adequate countries"
    services.recipient_save(recipient=abroad, actor=officer, reason="ground")
    abroad.refresh_from_db()
    assert (abroad.transfer_ground_recorded_by, abroad.transfer_ground_recorded_at) == (
        officer,
        NOW,
    )
    assert analytics_to(officer, abroad, customer).line_count == 1


def test_a_kazakhstan_recipient_needs_no_ground(officer, courier):
    courier.transfer_ground = Recipient.TransferGround.TREATY
    courier.transfer_ground_note = "x"
    with pytest.raises(DomainError, match="Kazakhstan"):
        services.recipient_save(recipient=courier, actor=officer, reason="ground")


def test_the_manifest_import_refuses_a_transfer_abroad_too(tmp_path, capsys, officer, abroad):
    from django.core.management import CommandError, call_command

    order = OrderFactory(number="HS-8001")
    path = tmp_path / "manifest.csv"
    path.write_text(f"order_number,customer_email\n{order.number},\n", encoding="utf-8")
    abroad.kind = Recipient.Kind.COURIER
    abroad.save()
    with pytest.raises(CommandError, match="nothing was recorded"):
        call_command(
            "import_manifest",
            str(path),
            "--recipient",
            str(abroad.pk),
            "--disclosed-at",
            "2026-11-25 09:30",
            "--actor",
            officer.email,
        )
    assert "line 2: Law 94-V art. 16: Metrics GmbH is outside Kazakhstan" in capsys.readouterr().err
    assert not DisclosureLine.objects.exists()


def test_the_register_shows_cross_border_entries_apart(client, officer, abroad, courier):
    customer = CustomerFactory()
    grant(customer, "4.2.6", NOW - dt.timedelta(days=2))
    grant(customer, services.CROSS_BORDER_PURPOSE, NOW - dt.timedelta(days=2))
    analytics_to(officer, abroad, customer)
    delivery(officer, courier, customer)
    client.force_login(officer)
    url = reverse("admin:disclosures_disclosure_changelist")

    def listed(**query):
        page = client.get(url, query)
        return [d.recipient.legal_name for d in page.context["cl"].result_list]

    assert listed(abroad="yes") == ["Metrics GmbH"]
    assert listed(abroad="no") == ["ТОО «Быстрая доставка»"]
    export = client.get(reverse("admin:disclosures_disclosure_export_csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert {row["recipient"]: row["cross_border"] for row in rows} == {
        "Metrics GmbH": "DE",
        "ТОО «Быстрая доставка»": "",
    }


def test_the_recipient_admin_records_a_ground_and_refuses_one_without_details(
    client, officer, abroad
):
    from tests.disclosures.test_recipients import recipient_form

    client.force_login(officer)
    url = reverse("admin:disclosures_recipient_change", args=[abroad.pk])
    form = recipient_form(
        legal_name="Metrics GmbH",
        kind="analytics",
        foreign_registration="HRB 12345",
        country="DE",
        transfer_ground="protection",
    )
    refused = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    abroad.refresh_from_db()
    assert abroad.transfer_ground == ""
    form["transfer_ground_note"] = "On the authorised body's list"
    assert client.post(url, form).status_code == 302
    abroad.refresh_from_db()
    assert (abroad.transfer_ground, abroad.transfer_ground_recorded_by) == ("protection", officer)
