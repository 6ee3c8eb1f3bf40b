"""The registry through which other apps show their data on the account page and in
the download, without accounts importing them (DESIGN: accounts depends on no app)."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import engines
from django.urls import reverse

from homeshop_privacy import customer_pages
from homeshop_privacy.customer_pages import AccountSection, account_sections
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _letters(customer):
    # Stands in for another app's public selector: data of this customer only.
    return [{"subject": f"Letter for {customer.email}", "sent_on": "2026-11-20"}]


@pytest.fixture
def letters_section():
    section = AccountSection(
        key="test_letters",
        title="Letters we sent",
        data=_letters,
        render=lambda request, customer: (
            "<p class='letters'>" + "".join(row["subject"] for row in _letters(customer)) + "</p>"
        ),
    )
    account_sections.register(section)
    yield section
    account_sections.unregister(section.key)


def test_registered_section_appears_on_the_account_page(my_client, me, letters_section):
    page = my_client.get(reverse("accounts:home")).content.decode()
    assert "Letters we sent" in page
    assert f"Letter for {me.email}" in page


def test_registered_section_is_in_the_download_under_its_key(my_client, me, letters_section):
    response = my_client.get(reverse("accounts:export_json"))
    data = json.loads(response.content)
    assert data["sections"]["test_letters"] == [
        {"subject": f"Letter for {me.email}", "sent_on": "2026-11-20"}
    ]


def test_section_gets_only_the_signed_in_customer(my_client, me, letters_section):
    other = CustomerFactory(email="other@example.kz")
    page = my_client.get(reverse("accounts:home")).content.decode()
    assert "other@example.kz" not in page
    assert other.email not in my_client.get(reverse("accounts:export_json")).content.decode()


def test_section_rendered_with_a_template(rf, me, monkeypatch):
    template = engines["django"].from_string(
        "{% for row in data %}<li>{{ row.subject }}</li>{% endfor %}"
    )
    monkeypatch.setattr(
        customer_pages,
        "render_to_string",
        lambda name, context, request: template.render(context, request),
    )
    section = AccountSection(
        key="test_tpl", title="T", data=_letters, template_name="whatever.html"
    )
    html = section.render_html(request=rf.get("/"), customer=me)
    assert html == f"<li>Letter for {me.email}</li>"


def test_sections_come_in_their_order():
    late = AccountSection(key="test_b", title="B", data=_letters, render=str, order=200)
    early = AccountSection(key="test_a", title="A", data=_letters, render=str, order=10)
    account_sections.register(late)
    account_sections.register(early)
    try:
        keys = [s.key for s in account_sections.all() if s.key.startswith("test_")]
        assert keys == ["test_a", "test_b"]
    finally:
        account_sections.unregister("test_a")
        account_sections.unregister("test_b")


def test_two_apps_cannot_claim_the_same_key(letters_section):
    clash = AccountSection(key="test_letters", title="Other", data=_letters, render=str)
    with pytest.raises(ImproperlyConfigured):
        account_sections.register(clash)
    # the same object again (a ready() run twice) is harmless
    account_sections.register(letters_section)


@pytest.mark.parametrize("key", ["orders", "customer", "sections", "bad key!", ""])
def test_reserved_or_malformed_keys_are_refused(key):
    with pytest.raises(ImproperlyConfigured):
        account_sections.register(AccountSection(key=key, title="X", data=_letters, render=str))


def test_a_shown_section_needs_a_way_to_render():
    with pytest.raises(ImproperlyConfigured):
        AccountSection(key="test_x", title="X", data=_letters)
    # export-only sections need none
    AccountSection(key="test_x", title="X", data=_letters, show_on_page=False)


def test_section_dates_and_amounts_become_plain_json(my_client, me):
    from datetime import date, datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    section = AccountSection(
        key="test_typed",
        title="Typed",
        data=lambda customer: {
            "on": date(2026, 11, 25),
            "at": datetime(2026, 11, 25, 17, 0, tzinfo=ZoneInfo("Asia/Almaty")),
            "sum": Decimal("10.50"),
        },
        show_on_page=False,
    )
    account_sections.register(section)
    try:
        data = json.loads(my_client.get(reverse("accounts:export_json")).content)
    finally:
        account_sections.unregister(section.key)
    assert data["sections"]["test_typed"] == {
        "on": "2026-11-25",
        "at": "2026-11-25T17:00:00+05:00",
        "sum": "10.50",
    }
    page = my_client.get(reverse("accounts:home")).content.decode()
    assert "Typed" not in page


def test_personal_rows_follow_the_classification_and_can_leave_fields_out(me):
    from accounts.selectors import personal_rows
    from tests.factories import AddressFactory

    AddressFactory(customer=me, street="ул. Толе би, 59", postal_code="050000")
    (row,) = personal_rows(me.addresses.all(), exclude=("postal_code",))
    assert row["street"] == "ул. Толе би, 59"
    assert "postal_code" not in row
    assert "id" not in row and "customer" not in row
