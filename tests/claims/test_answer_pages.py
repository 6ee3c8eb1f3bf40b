"""User review of the answer pages: what the author, the approver and the claimant read."""

import pytest
from django.urls import reverse

from claims import services
from claims.models import ClaimAnswer
from homeshop_privacy import roles
from tests.factories import StaffFactory

from .factories import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_officer(db):
    return StaffFactory(role=roles.COMPLIANCE_OFFICER)


def _step(claim, step):
    return reverse("admin:claims_claim_step", args=[claim.pk, step])


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def test_author_sees_no_approve_button_but_the_four_eyes_note(client, officer, second_officer):
    claim = register(assignee=officer)
    services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    client.force_login(officer)
    page = client.get(_step(claim, "approve")).content.decode()
    assert "другой специалист по комплаенсу" in page or "четырёх глаз" in page
    button = 'value="Утвердить ответ"'
    assert button not in page
    client.force_login(second_officer)
    assert button in client.get(_step(claim, "approve")).content.decode()


def test_saving_a_draft_with_placeholders_names_them(client, officer):
    claim = register(assignee=officer)
    client.force_login(officer)
    response = client.post(
        _step(claim, "answer"),
        {"language": "ru", "body": "Уважаемая Айгерим!\n\n[Ответ по существу]\n\n[Подпись]"},
        follow=True,
    )
    (message,) = _messages(response)
    assert "[Ответ по существу]" in message and "[Подпись]" in message
    assert "Черновик сохранён" in message
    assert ClaimAnswer.objects.get(claim=claim).body.startswith("Уважаемая Айгерим!")


def test_saving_a_complete_draft_says_it_is_saved(client, officer):
    claim = register(assignee=officer)
    client.force_login(officer)
    response = client.post(
        _step(claim, "answer"), {"language": "ru", "body": "Деньги возвращены."}, follow=True
    )
    assert _messages(response) == ["Черновик сохранён."]


def test_editing_an_approved_answer_says_it_needs_approving_again(client, officer, second_officer):
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    services.claim_answer_approve(answer=answer, actor=second_officer)
    client.force_login(officer)
    page = client.get(_step(claim, "answer")).content.decode()
    assert "Этот ответ утверждён" in page
    response = client.post(
        _step(claim, "answer"),
        {"language": "ru", "body": "Деньги возвращены 3 ноября."},
        follow=True,
    )
    assert any("утвердить заново" in message for message in _messages(response))
    answer.refresh_from_db()
    assert (answer.status, answer.approved_by) == (ClaimAnswer.Status.DRAFT, None)


def test_answer_email_says_the_letter_is_attached_not_signed(officer, second_officer, deliver):
    claim = register(assignee=officer, claimant_email="client@example.kz")
    answer = services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    services.claim_answer_approve(answer=answer, actor=second_officer)
    services.claim_answer_send(answer=answer, actor=officer)
    (email,) = [m for m in deliver() if m.subject.startswith("Ответ")]
    assert "Письмо приложено в виде файла PDF." in email.body
    assert "одписан" not in email.body


KAZAKH_MONTHS = ("Қаңтар", "Ақпан", "Наурыз", "Сәуір", "Мамыр", "Маусым", "Шілде", "Тамыз")
KAZAKH_MONTHS += ("Қыркүйек", "Қазан", "Қараша", "Желтоқсан")


def test_kazakh_letter_dates_are_written_as_on_the_kazakh_pages(monkeypatch, officer):
    # User review: date_format(..., "j E Y") gave «2 Қараша 2026» mid-sentence.
    from fpdf import FPDF

    from claims import letters

    from .factories import almaty

    written = []
    multi_cell = FPDF.multi_cell

    def capture(pdf, w, h=None, text="", *args, **kwargs):
        written.append(text)
        return multi_cell(pdf, w, h, text, *args, **kwargs)

    monkeypatch.setattr(FPDF, "multi_cell", capture)
    claim = register(claimant_language="kk", received_at=almaty(2026, 11, 2, 10, 0))
    answer = services.claim_answer_draft(claim=claim, actor=officer, body="Ақша қайтарылды.")
    answer.sent_at = almaty(2026, 11, 30, 10, 0)
    letters.answer_pdf(answer=answer, claim=claim)
    text = "\n".join(written)
    assert "30.11.2026" in text  # the letter's date
    assert "02.11.2026" in text  # the claim's date in the title
    assert not [month for month in KAZAKH_MONTHS if month in text]
