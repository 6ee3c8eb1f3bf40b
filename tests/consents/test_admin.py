import json
from datetime import timedelta

import pytest
from django.utils import timezone

from consents.models import ConsentEvent, PolicyVersion, Purpose
from tests.factories import CustomerFactory

from .factories import PolicyVersionFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def test_ledger_list_filters_and_search_by_phone(officer_client, customer):
    grant(customer)
    local_phone = "8" + customer.phone[2:]  # as a person types it: 8 701 ...

    response = officer_client.get(
        "/admin/consents/consentevent/",
        {"q": local_phone, "action__exact": "grant", "channel__exact": "registration"},
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_saving_over_an_event_in_the_admin_is_refused(officer_client, customer):
    event = grant(customer)
    url = f"/admin/consents/consentevent/{event.pk}/change/"

    assert officer_client.get(url).status_code == 200  # viewing is fine
    response = officer_client.post(url, {"note": "edited", "action": "withdraw"})

    assert response.status_code == 403
    assert ConsentEvent.objects.get(pk=event.pk).note == ""


def test_deleting_an_event_in_the_admin_is_refused(officer_client, customer):
    event = grant(customer)

    response = officer_client.post(
        f"/admin/consents/consentevent/{event.pk}/delete/", {"post": "yes"}
    )
    changelist = officer_client.get("/admin/consents/consentevent/")

    assert response.status_code == 403
    assert (
        "delete_selected"
        not in changelist.context["action_form"].fields["action"].choices.__str__()
    )
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


def test_staff_record_a_choice_on_the_customers_behalf(officer_client, officer, customer):
    purpose = Purpose.objects.get(code="4.2.10")

    response = officer_client.post(
        "/admin/consents/consentevent/add/",
        {
            "customer": customer.pk,
            "purpose": purpose.pk,
            "action": "grant",
            "occurred_at_0": timezone.localdate().isoformat(),
            "occurred_at_1": "00:00:00",
            "note": "signed form no. 17",
            "wording_text": "Согласен на передачу данных банку-партнёру",
        },
    )

    assert response.status_code == 302
    event = ConsentEvent.objects.get(customer=customer)
    assert (event.actor, event.channel, event.note) == (officer, "staff", "signed form no. 17")
    assert event.wording.text == "Согласен на передачу данных банку-партнёру"


def test_admin_refuses_to_record_a_contract_purpose(officer_client, customer):
    purpose = Purpose.objects.get(code="4.2.3")
    now = timezone.localtime()

    response = officer_client.post(
        "/admin/consents/consentevent/add/",
        {
            "customer": customer.pk,
            "purpose": purpose.pk,
            "action": "withdraw",
            "occurred_at_0": now.date().isoformat(),
            "occurred_at_1": "00:00:00",
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert not ConsentEvent.objects.exists()


def test_support_agent_sees_the_ledger_but_cannot_add(client, support_agent, customer):
    grant(customer)
    client.force_login(support_agent)

    assert client.get("/admin/consents/consentevent/").status_code == 200
    assert client.get("/admin/consents/consentevent/add/").status_code == 403


def test_customer_page_shows_current_consents(officer_client, customer):
    grant(customer, "4.2.6")

    page = officer_client.get(f"/admin/accounts/customer/{customer.pk}/change/").content.decode()

    assert "current consents" in page.lower() or "текущие согласия" in page.lower()
    assert "4.2.6" in page


def test_proof_export_is_an_admin_action_on_customers(officer_client, customer):
    grant(customer, ip_address="198.51.100.4")

    response = officer_client.post(
        "/admin/accounts/customer/",
        {"action": "export_proof_json", "_selected_action": [customer.pk]},
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="consent-proof-')
    proof = json.loads(response.content)
    assert proof["customer"]["email"] == customer.email
    assert proof["events"][0]["ip_address"] == "198.51.100.4"


def test_published_version_is_read_only_with_each_language_rendered(officer_client):
    v1 = PolicyVersion.objects.get(label="1")
    url = f"/admin/consents/policyversion/{v1.pk}/change/"

    page = officer_client.get(url).content.decode()
    response = officer_client.post(url, {"label": "1", "text_ru": "Другой текст"})

    # rendered as customers see it (issue 13: each section anchored by its clause number)
    assert '<h2 id="clause-1">1. Определение терминов</h2>' in page
    assert 'name="text_ru"' not in page
    assert response.status_code == 403
    assert (
        officer_client.post(
            f"/admin/consents/policyversion/{v1.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert PolicyVersion.objects.get(pk=v1.pk).text_ru.startswith("Политика")


def test_publish_action_publishes_a_draft(officer_client, officer):
    draft = PolicyVersionFactory(
        is_material=False, effective_from=timezone.now() + timedelta(days=10)
    )

    officer_client.post(
        "/admin/consents/policyversion/",
        {"action": "publish", "_selected_action": [draft.pk]},
    )

    draft.refresh_from_db()
    assert draft.is_published
    assert draft.history.first().history_user == officer


def test_ledger_search_by_email_whatever_its_case(officer_client, customer):
    grant(customer)
    grant(CustomerFactory())

    response = officer_client.get("/admin/consents/consentevent/", {"q": customer.email.upper()})

    assert [e.customer_id for e in response.context["cl"].result_list] == [customer.pk]


def test_ledger_search_by_last_name_uses_indexes_only(
    officer_client, django_assert_max_num_queries
):
    wanted = CustomerFactory(last_name="Сейткалиева")
    grant(wanted)
    grant(CustomerFactory(last_name="Сейткалиев"))

    with django_assert_max_num_queries(30) as captured:
        response = officer_client.get("/admin/consents/consentevent/", {"q": "сейткалиева"})

    assert [e.customer_id for e in response.context["cl"].result_list] == [wanted.pk]
    searches = [q["sql"] for q in captured.captured_queries if "Сейткалиева" in q["sql"]]
    assert searches and all("UPPER" not in s and "LIKE" not in s for s in searches)


def test_proof_export_and_event_views_are_in_the_access_log(officer_client, officer, customer):
    # 1.5: the proof carries IP addresses and browsers; who exported or viewed it is kept.
    from homeshop_privacy.access_log import accesses_of

    event = grant(customer, ip_address="198.51.100.4")

    officer_client.post(
        "/admin/consents/consentevent/",
        {"action": "export_proof_csv", "_selected_action": [event.pk]},
    )
    officer_client.get(f"/admin/consents/consentevent/{event.pk}/change/")

    assert [(a.user, a.action) for a in accesses_of(obj=customer)] == [(officer, "export")]
    assert [(a.user, a.action) for a in accesses_of(obj=event)] == [(officer, "view")]


def test_admin_lists_cost_the_same_queries_with_more_rows(
    officer_client, officer, django_assert_max_num_queries
):
    # The ledger list shows the customer, purpose, policy version and actor of each row;
    # the customer page shows each current consent with its channel.
    def rows(n):
        for _ in range(n):
            customer = CustomerFactory()
            grant(customer, actor=officer)
            grant(customer, "cookies.analytics", channel=ConsentEvent.Channel.COOKIE_BANNER)
        return customer

    pages = {
        "ledger": lambda c: "/admin/consents/consentevent/",
        "versions": lambda c: "/admin/consents/policyversion/",
        "purposes": lambda c: "/admin/consents/purpose/",
        "customer": lambda c: f"/admin/accounts/customer/{c.pk}/change/",
    }
    few_customer = rows(2)
    budget = {}
    for name, url in pages.items():
        with django_assert_max_num_queries(40) as few:
            assert officer_client.get(url(few_customer)).status_code == 200
        budget[name] = len(few.captured_queries)
    PolicyVersionFactory.create_batch(5)
    many_customer = rows(20)
    grant(many_customer, "4.2.7")
    grant(many_customer, "4.2.5")
    for name, url in pages.items():
        with django_assert_max_num_queries(budget[name]):
            assert officer_client.get(url(many_customer)).status_code == 200, name


def test_event_page_is_titled_with_its_number_action_and_purpose(officer_client, customer):
    event = grant(customer)

    page = officer_client.get(f"/admin/consents/consentevent/{event.pk}/change/")

    assert f"<h2>№ {event.pk} · Дано · 4.2.6</h2>" in page.content.decode()
