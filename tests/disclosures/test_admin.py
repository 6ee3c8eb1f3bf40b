"""The register in the admin: filters, search, CSV export, the customer page."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from accounts.models import Customer
from disclosures import services
from disclosures.models import Disclosure, WrittenPermission
from disclosures.services import LineInput
from tests.disclosures.conftest import NOW
from tests.disclosures.factories import RecipientFactory, WrittenPermissionFactory
from tests.factories import CustomerFactory, OrderFactory

B = Disclosure.Basis
CHANGELIST = "admin:disclosures_disclosure_changelist"


@pytest.fixture
def register(officer, courier, analytics):
    """Two deliveries (one customer each) and one 5.4.1 statistics entry."""
    aigerim = CustomerFactory(email="Aigerim@Example.kz", phone="+77011234567")
    other = CustomerFactory()
    first = services.disclosure_record(
        actor=officer,
        recipient=courier,
        basis=B.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "contact", "address"],
        disclosed_at=NOW - dt.timedelta(days=2),
        reference="MAN-1",
        lines=[LineInput(OrderFactory(customer=aigerim, number="HS-777").number)],
    )
    second = services.disclosure_record(
        actor=officer,
        recipient=courier,
        basis=B.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "address"],
        disclosed_at=NOW - dt.timedelta(days=1),
        reference="MAN-2",
        lines=[LineInput(OrderFactory(customer=other, number="HS-888").number)],
    )
    stats = services.disclosure_record(
        actor=officer,
        recipient=analytics,
        basis=B.STATISTICS,
        purpose_code="4.2.7",
        categories=["visits"],
        disclosed_at=NOW - dt.timedelta(hours=3),
    )
    return {"aigerim": aigerim, "first": first, "second": second, "stats": stats}


def listed(client, **params) -> list[str]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return [str(d.pk) for d in response.context["cl"].result_list]


@pytest.mark.parametrize("term", ["aigerim@example.kz", "8 701 123 45 67", "HS-777", "MAN-1"])
def test_search_by_customer_email_phone_or_order_number(client, officer, register, term):
    client.force_login(officer)
    assert listed(client, q=term) == [str(register["first"].pk)]


def test_filters_by_basis_and_recipient_kind(client, officer, register):
    client.force_login(officer)
    assert listed(client, basis="5.4.1") == [str(register["stats"].pk)]
    assert listed(client, recipient__kind="courier") == [
        str(register["second"].pk),
        str(register["first"].pk),
    ]


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_csv_export_follows_the_filters(client, officer, register):
    client.force_login(officer)
    response = client.get(
        reverse("admin:disclosures_disclosure_export_csv"), {"recipient__kind": "courier"}
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="disclosure-register-2026-11-25.csv"'
    )
    rows = read_csv(response)
    assert [(r["reference"], r["order_number"], r["basis"]) for r in rows] == [
        ("MAN-2", "HS-888", "5.4.2"),
        ("MAN-1", "HS-777", "5.4.2"),
    ]
    assert rows[1]["customer_email"] == "Aigerim@Example.kz"
    # Issue 9 §7: exports are ISO 8601 with the Almaty offset.
    assert rows[1]["disclosed_at"] == "2026-11-23T12:00:00+05:00"
    assert rows[1]["data_categories"] == "identity;contact;address"


def test_csv_export_of_a_search_has_only_that_customer(client, officer, courier, make_orders):
    client.force_login(officer)
    orders = make_orders(3)
    services.disclosure_record(
        actor=officer,
        recipient=courier,
        basis=B.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity"],
        disclosed_at=NOW,
        lines=[LineInput(o.number) for o in orders],
    )
    response = client.get(
        reverse("admin:disclosures_disclosure_export_csv"), {"q": orders[1].number}
    )
    assert [r["order_number"] for r in read_csv(response)] == [orders[1].number]


def test_csv_export_includes_entries_without_customer_and_voids(client, officer, register):
    services.disclosure_void(disclosure=register["stats"], actor=officer, reason="test entry")
    client.force_login(officer)
    rows = read_csv(
        client.get(reverse("admin:disclosures_disclosure_export_csv"), {"basis": "5.4.1"})
    )
    assert [(r["recipient"], r["customer_id"], r["void_reason"]) for r in rows] == [
        ("ТОО «Метрика»", "", "test entry")
    ]


def test_customer_page_shows_that_customers_disclosures(client, officer, register):
    client.force_login(officer)
    url = reverse("admin:accounts_customer_change", args=[register["aigerim"].pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "ТОО «Быстрая доставка»" in page
    assert f"#{register['first'].pk}" in page
    assert f"#{register['second'].pk}" not in page


def test_customer_page_links_to_all_their_entries_or_says_there_are_none(client, officer, register):
    client.force_login(officer)
    aigerim = register["aigerim"]
    page = client.get(reverse("admin:accounts_customer_change", args=[aigerim.pk])).content
    link = f'{reverse(CHANGELIST)}?customer={aigerim.pk}"'
    assert link in page.decode()
    assert listed(client, customer=aigerim.pk) == [str(register["first"].pk)]
    nobody = CustomerFactory()
    page = client.get(reverse("admin:accounts_customer_change", args=[nobody.pk])).content
    assert "Передача данных этого покупателя не зарегистрирована." in page.decode()


def test_entry_page_is_titled_in_almaty_time_and_shows_a_void_only_when_voided(
    client, officer, register
):
    client.force_login(officer)
    first = register["first"]  # disclosed 2026-11-23 12:00 in Almaty (07:00 UTC)
    page = client.get(reverse("admin:disclosures_disclosure_change", args=[first.pk]))
    # Issue 9 §7: in Almaty time, in the admin's one (Russian) date format.
    assert "23 ноября 2026 г. 12:00 → ТОО «Быстрая доставка» (5.4.2)" in page.content.decode()
    assert "Аннулирования записей" not in page.content.decode()
    services.disclosure_void(disclosure=first, actor=officer, reason="wrong courier")
    page = client.get(reverse("admin:disclosures_disclosure_change", args=[first.pk]))
    assert "wrong courier" in page.content.decode()


def test_register_entries_cannot_be_changed_or_deleted_in_the_admin(client, officer, register):
    client.force_login(officer)
    pk = register["first"].pk
    response = client.post(
        reverse("admin:disclosures_disclosure_change", args=[pk]), {"note": "edited"}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:disclosures_disclosure_delete", args=[pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Disclosure.objects.get(pk=pk).note == ""


def add_form(courier, **overrides):
    data = {
        "recipient": courier.pk,
        "basis": "5.4.2",
        "purpose": _purpose_pk("4.2.3"),
        "categories": ["identity", "address"],
        "disclosed_at_0": "2026-11-25",
        "disclosed_at_1": "10:00",
        "order": "",
        "customer": "",
        "reference": "",
        "request_number": "",
        "request_date": "",
        "legal_ground": "",
        "note": "",
        "void-TOTAL_FORMS": "0",
        "void-INITIAL_FORMS": "0",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def _purpose_pk(code):
    from consents.models import Purpose

    return Purpose.objects.get(code=code).pk


def test_officer_records_a_delivery_in_the_admin(client, officer, courier):
    order = OrderFactory(number="HS-4242")
    client.force_login(officer)
    response = client.post(
        reverse("admin:disclosures_disclosure_add"), add_form(courier, order=str(order.pk))
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    disclosure = Disclosure.objects.get()
    assert (disclosure.recorded_by, disclosure.lines.get().order) == (officer, order)


def test_admin_shows_the_refusal_and_records_nothing(client, officer, analytics):
    order = OrderFactory(number="HS-4243")
    client.force_login(officer)
    response = client.post(
        reverse("admin:disclosures_disclosure_add"), add_form(analytics, order=str(order.pk))
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "5.4.2" in errors["recipient"][0]
    assert not Disclosure.objects.exists()


def test_support_agent_sees_the_register_but_cannot_add(client, support_agent, register):
    client.force_login(support_agent)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.get(reverse("admin:disclosures_disclosure_add")).status_code == 403


def test_permission_is_revoked_in_the_admin_with_its_reason(client, officer):
    permission = WrittenPermissionFactory()
    client.force_login(officer)
    response = client.post(
        reverse("admin:disclosures_writtenpermission_change", args=[permission.pk]),
        {"revocation_reason": "Заявление клиента от 25.11.2026"},
    )
    assert response.status_code == 302
    permission = WrittenPermission.objects.get(pk=permission.pk)
    assert permission.revoked_at == NOW
    assert permission.revocation_reason == "Заявление клиента от 25.11.2026"
    assert permission.history.first().history_user == officer


def test_csv_export_is_logged_against_each_customer_in_it(client, officer, register):
    from homeshop_privacy.models import PersonalDataAccess

    client.force_login(officer)
    response = client.get(reverse("admin:disclosures_disclosure_export_csv"), {"q": "HS-777"})
    read_csv(response)
    (access,) = PersonalDataAccess.objects.filter(action="export")
    assert (access.user, access.subject_key) == (
        officer,
        f"accounts.customer:{register['aigerim'].pk}",
    )


def test_entry_page_shows_its_lines_and_is_logged(client, officer, courier, make_orders):
    from homeshop_privacy.models import PersonalDataAccess

    orders = make_orders(150)
    disclosure = services.disclosure_record(
        actor=officer,
        recipient=courier,
        basis=B.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity"],
        disclosed_at=NOW,
        lines=[LineInput(o.number) for o in orders],
    )
    client.force_login(officer)
    response = client.get(reverse("admin:disclosures_disclosure_change", args=[disclosure.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert orders[0].number in page
    assert orders[99].number in page
    assert orders[100].number not in page  # the first 100 lines; the CSV has them all
    assert PersonalDataAccess.objects.filter(
        subject_key=f"disclosures.disclosure:{disclosure.pk}", action="view"
    ).exists()


SCAN = b"%PDF-1.4 test\n%%EOF\n"


def test_officer_records_a_written_permission_with_its_scan(client, officer, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.disclosures.factories import RecipientFactory

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    customer = CustomerFactory()
    partner = RecipientFactory(kind="other")
    client.force_login(officer)
    response = client.post(
        reverse("admin:disclosures_writtenpermission_add"),
        {
            "customer": customer.pk,
            "recipient": partner.pk,
            "purpose": "",
            "categories": ["identity", "contact"],
            "scope": "ФИО и телефон для программы лояльности",
            "signed_on": "2026-11-20",
            "valid_until": "",
            "document_reference": "WP-2026-001",
            "scan": SimpleUploadedFile("wp.pdf", SCAN, "application/pdf"),
        },
    )
    assert response.status_code == 302
    permission = WrittenPermission.objects.get()
    assert (permission.recorded_by, permission.categories) == (officer, ["identity", "contact"])
    assert permission.scan.path.startswith(str(tmp_path))

    download = client.get(reverse("admin:disclosures_writtenpermission_scan", args=[permission.pk]))
    assert b"".join(download.streaming_content) == SCAN
    # Named by the document's reference, never by the uploader (issue 9 §4).
    assert download["Content-Disposition"] == 'attachment; filename="WP-2026-001.pdf"'
    page = client.get(
        reverse("admin:disclosures_writtenpermission_change", args=[permission.pk])
    ).content.decode()
    assert reverse("admin:disclosures_writtenpermission_scan", args=[permission.pk]) in page


def test_support_agent_sees_the_register_but_cannot_export_it(client, support_agent, register):
    client.force_login(support_agent)
    page = client.get(reverse("admin:disclosures_disclosure_changelist"))
    assert page.status_code == 200
    assert "export.csv" not in page.content.decode()
    assert client.get(reverse("admin:disclosures_disclosure_export_csv")).status_code == 403


def test_auditor_may_export_the_register_for_a_regulator(client, auditor, register):
    client.force_login(auditor)
    response = client.get(reverse("admin:disclosures_disclosure_export_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_permissions_found_by_reference_or_the_customers_email_without_upper(client, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    aigerim = CustomerFactory(email="Aigerim@Example.kz")
    mine = WrittenPermissionFactory(customer=aigerim, document_reference="WP-77")
    WrittenPermissionFactory()
    client.force_login(officer)
    url = reverse("admin:disclosures_writtenpermission_changelist")
    for term in ("aigerim@example.KZ", "WP-77"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"q": term})
        assert list(response.context["cl"].result_list) == [mine]
        sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
        assert "UPPER(" not in sql and " LIKE " not in sql


def void_action(client, pks, reason):
    return client.post(
        reverse(CHANGELIST),
        {"action": "void_selected", "_selected_action": pks, "void_reason": reason},
        follow=True,
    )


def test_voiding_in_the_admin_needs_the_officers_reason(client, officer, register):
    client.force_login(officer)
    first = register["first"]
    response = void_action(client, [first.pk], "  ")
    assert "ни одна не аннулирована" in response.content.decode()
    assert not first.__class__.objects.get(pk=first.pk).is_voided

    void_action(client, [first.pk], "Манифест ушёл не тому курьеру")
    first.refresh_from_db()
    assert (first.void.reason, first.void.voided_by) == ("Манифест ушёл не тому курьеру", officer)


def test_permission_page_names_its_categories_and_says_how_to_revoke(client, officer):
    permission = WrittenPermissionFactory(categories=["identity", "contact"])
    client.force_login(officer)
    url = reverse("admin:disclosures_writtenpermission_change", args=[permission.pk])
    page = client.get(url).content.decode()
    assert "Идентификация: имена, Контакты: телефон, email" in page
    assert '["identity"' not in page
    assert "отзывает разрешение" in page


def test_entry_page_shows_the_authoritys_request_only_under_5_4_3(
    client, officer, authority, customer
):
    state = services.disclosure_record(
        actor=officer,
        recipient=authority,
        basis=B.STATE_AUTHORITY,
        purpose_code="4.2.2",
        categories=["identity"],
        disclosed_at=NOW - dt.timedelta(hours=1),
        request_number="Исх. 04-17/5521",
        request_date=dt.date(2026, 11, 20),
        legal_ground="ст. 12 Закона о персональных данных",
        lines=[LineInput(customer_id=customer.pk)],
    )
    delivery = services.disclosure_record(
        actor=officer,
        recipient=RecipientFactory(),
        basis=B.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity"],
        disclosed_at=NOW - dt.timedelta(hours=1),
        lines=[LineInput(OrderFactory().number)],
    )
    client.force_login(officer)
    page = client.get(reverse("admin:disclosures_disclosure_change", args=[state.pk]))
    assert "Исх. 04-17/5521" in page.content.decode()
    assert page.context["adminform"].readonly_fields.count("request_number") == 1
    page = client.get(reverse("admin:disclosures_disclosure_change", args=[delivery.pk]))
    assert "request_number" not in page.context["adminform"].readonly_fields


def test_csv_export_does_not_let_a_typed_formula_run_in_a_spreadsheet(
    client, officer, courier, make_orders
):
    client.force_login(officer)
    [order] = make_orders(1)
    Customer.objects.filter(pk=order.customer_id).update(first_name='=HYPERLINK("x")')
    services.disclosure_record(
        actor=officer,
        recipient=courier,
        basis=B.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity"],
        disclosed_at=NOW,
        lines=[LineInput(order.number)],
    )
    [row] = read_csv(
        client.get(reverse("admin:disclosures_disclosure_export_csv"), {"q": order.number})
    )
    assert row["customer_name"].startswith("'=HYPERLINK")
    assert row["customer_phone"].startswith("+7702")
