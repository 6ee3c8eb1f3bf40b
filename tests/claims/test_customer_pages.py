"""A signed-in customer files a claim and follows it (6.1, 6.2)."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims import services
from claims.models import Claim
from homeshop_privacy.models import OutboundMessage
from tests.factories import CustomerFactory, OrderFactory, UserFactory

from .factories import ClaimCategoryFactory, almaty, approved_and_sent, register
from .test_claim_register import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client):
    user = UserFactory()
    customer = CustomerFactory(user=user, preferred_language="kk", email="me@example.kz")
    client.force_login(user)
    return customer


def test_customer_files_a_claim_and_is_acknowledged(client, me, time_machine):
    # 19:30 UTC on 30 Sep 2026 is 00:30 on 1 Oct in Almaty: due Mon 2 Nov (31 Oct is a Sat).
    time_machine.move_to("2026-09-30T19:30:00+00:00", tick=False)
    category = ClaimCategoryFactory(code="web")
    order = OrderFactory(customer=me)
    response = client.post(
        reverse("claims:new"),
        {
            "category": category.pk,
            "order": order.pk,
            "subject": "Тауар сынық",
            "text": "Ақшаны қайтаруды сұраймын.",
            "attachments": [SimpleUploadedFile("чек.pdf", PDF, "application/pdf")],
        },
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:detail", args=[claim.reference])
    assert (claim.customer, claim.channel, claim.order) == (me, "web", order)
    assert claim.due_on == date(2026, 11, 2)
    ack = OutboundMessage.objects.get(reason="claims.acknowledgement")
    assert ack.recipient == "me@example.kz"
    assert ack.language == "kk"
    assert reverse("claims:detail", args=[claim.reference]) in ack.body_text


def test_refused_attachment_is_shown_and_nothing_is_filed(client, me):
    response = client.post(
        reverse("claims:new"),
        {
            "category": ClaimCategoryFactory().pk,
            "subject": "x",
            "text": "y",
            "attachments": [SimpleUploadedFile("a.exe", b"MZ\x90", "application/pdf")],
        },
    )
    assert response.status_code == 200
    assert "a.exe" in response.content.decode()
    assert not Claim.objects.exists()


def test_another_customers_order_cannot_be_chosen(client, me):
    foreign = OrderFactory()
    response = client.post(
        reverse("claims:new"),
        {"category": ClaimCategoryFactory().pk, "order": foreign.pk, "subject": "x", "text": "y"},
    )
    assert response.status_code == 200
    assert not Claim.objects.exists()


def test_claim_page_shows_due_date_reason_and_the_sent_answer(client, me, officer):
    claim = register(customer=me, received_at=almaty(2026, 10, 1, 12, 0), assignee=officer)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "02.11.2026" in page
    assert "31 октября — суббота" in page
    answer = approved_and_sent(claim, author=officer, body="Ақша қайтарылды.")
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "Ақша қайтарылды." in page
    assert answer.get_absolute_url() in page
    assert client.get(answer.get_absolute_url()).status_code == 200


def test_unsent_answer_is_not_shown_to_the_claimant(client, me, officer):
    claim = register(customer=me, assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer, body="черновик")
    assert "черновик" not in client.get(claim.get_absolute_url()).content.decode()
    assert client.get(answer.get_absolute_url()).status_code == 404


def test_someone_elses_claim_does_not_exist_for_me(client, me):
    other = register(customer=CustomerFactory())
    assert client.get(other.get_absolute_url()).status_code == 404
    assert other.reference not in client.get(reverse("claims:mine")).content.decode()


def test_my_claims_lists_mine(client, me):
    mine = register(customer=me)
    assert mine.reference in client.get(reverse("claims:mine")).content.decode()


def test_anonymous_visitor_is_sent_to_the_customer_sign_in(client):
    url = reverse("claims:new")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_account_page_and_export_include_my_claims_without_internal_notes(client, me):
    claim = register(customer=me, internal_notes="секретная заметка сотрудника")
    page = client.get(reverse("accounts:home")).content.decode()
    assert 'id="section-claims"' in page
    assert claim.reference in page
    export = client.get(reverse("accounts:export_json"))
    body = b"".join(export.streaming_content) if export.streaming else export.content
    text = body.decode()
    assert "секретная заметка" not in text
    (row,) = json.loads(text)["sections"]["claims"]["claims"]
    assert (row["reference"], row["subject"], row["due_on"]) == (
        claim.reference,
        "Возврат денег за товар",
        "2026-12-02",
    )
    assert "internal_notes" not in row


def test_categories_are_named_in_the_visitors_language(client, me):
    ClaimCategoryFactory(code="delivery", name="Доставка", name_kk="Жеткізу", name_en="Delivery")
    client.cookies["django_language"] = "kk"
    page = client.get(reverse("claims:new")).content.decode()
    assert "Жеткізу" in page
    assert "Доставка" not in page


def test_a_double_click_files_one_claim_with_one_acknowledgement(client, me):
    form = {
        "category": ClaimCategoryFactory(code="double").pk,
        "subject": "Тауар сынық",
        "text": "Ақшаны қайтаруды сұраймын.",
    }
    first = client.post(reverse("claims:new"), form)
    second = client.post(reverse("claims:new"), form)

    claim = Claim.objects.get()
    assert first["Location"] == second["Location"] == claim.get_absolute_url()
    assert OutboundMessage.objects.filter(reason="claims.acknowledgement").count() == 1
    # A different claim the same minute is a claim of its own.
    client.post(reverse("claims:new"), {**form, "text": "Екінші шағым."})
    assert Claim.objects.count() == 2
