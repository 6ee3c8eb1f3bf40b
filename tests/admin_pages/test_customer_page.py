"""Issue 13: everything held about a customer is one click from their admin page: their
claims and the breaches that concern them; on a claim, the customer is a link."""

import pytest
from django.urls import reverse

from disclosures import services as disclosures
from tests.claims.factories import almaty, register
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _page(client, customer, language="en") -> str:
    response = client.get(
        reverse("admin:accounts_customer_change", args=[customer.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    return response.content.decode()


def _breach(officer, customer):
    incident = disclosures.breach_record(
        actor=officer,
        reference="BR-2026-07",
        title="Lost courier manifest",
        description="The courier lost a printed manifest.",
        discovered_at=almaty(2026, 11, 20, 10, 0),
        categories=["identity", "contact", "address"],
        notice_ru="Курьер утерял бумажный список доставок с вашими данными.",
        notice_kk="Курьер сіздің деректеріңіз бар жеткізу тізімін жоғалтты.",
        notice_en="A courier lost a printed delivery list with your data.",
    )
    disclosures.breach_add_affected(incident=incident, customer_ids=[customer.pk], actor=officer)
    return incident


def test_the_customer_page_lists_their_claims_as_links(client, officer):
    customer = CustomerFactory()
    claims = [
        register(actor=officer, customer=customer, received_at=almaty(2026, 11, d, 10, 0))
        for d in (2, 3)
    ]
    register(actor=officer, received_at=almaty(2026, 11, 4, 10, 0))  # somebody else's
    client.force_login(officer)
    page = _page(client, customer)
    for claim in claims:
        url = reverse("admin:claims_claim_change", args=[claim.pk])
        assert f'<a href="{url}">{claim.reference}</a>' in page
    assert "claims of this customer" in page.lower()


def test_the_customer_page_lists_the_breaches_that_concern_them(client, officer):
    customer = CustomerFactory()
    incident = _breach(officer, customer)
    client.force_login(officer)
    page = _page(client, customer, "ru")
    url = reverse("admin:disclosures_breachincident_change", args=[incident.pk])
    assert f'<a href="{url}">BR-2026-07</a>' in page
    assert "утечки, касающиеся клиента" in page.lower()
    assert "ещё нет" in page  # no notice written yet


def test_support_agents_see_claims_but_not_breaches(client, officer, support_agent):
    customer = CustomerFactory()
    register(actor=officer, customer=customer)
    _breach(officer, customer)
    client.force_login(support_agent)
    page = _page(client, customer)
    assert "claims of this customer" in page.lower()
    assert "BR-2026-07" not in page


def test_on_a_claim_the_customer_is_a_link(client, officer):
    customer = CustomerFactory()
    claim = register(actor=officer, customer=customer)
    client.force_login(officer)
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert f'href="{reverse("admin:accounts_customer_change", args=[customer.pk])}"' in page


def test_breach_rows_are_titled_in_words(officer):
    customer = CustomerFactory(first_name="Асель", last_name="Ахметова")
    _breach(officer, customer)
    from django.utils import translation

    from disclosures.models import BreachAffected

    with translation.override("en"):
        title = str(BreachAffected.objects.get(customer=customer))
    assert title == "Асель Ахметова, affected by breach BR-2026-07"
