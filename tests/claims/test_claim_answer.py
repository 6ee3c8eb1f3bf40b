"""The written answer (6.2): approval, sending, the PDF letter, lateness frozen."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from fontTools.ttLib import TTFont

from claims import services
from claims.models import Claim, ClaimAnswer, ClaimCategory
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import CalendarOverride, OutboundMessage

from .factories import ClaimCategoryFactory, almaty, approved_and_sent, register

KAZAKH_LETTERS = "әғқңөұүһі"


def answered(claim, actor, *, when, **send):
    # Four eyes: ``actor`` writes and sends, another officer approves.
    return approved_and_sent(claim, author=actor, now=when, **send)


@pytest.mark.django_db
def test_answer_after_the_due_date_is_late_and_stays_late(officer):
    claim = register(received_at=almaty(2026, 10, 1, 12, 0), assignee=officer)  # due 2 Nov
    answered(claim, officer, when=almaty(2026, 11, 3, 10, 0))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.ANSWERED
    assert claim.answered_on_time is False
    # A day off added afterwards would have moved the due date; the verdict is frozen.
    CalendarOverride.objects.create(
        day=date(2026, 11, 2), kind=CalendarOverride.Kind.DAY_OFF, note="late decree"
    )
    claim.refresh_from_db()
    assert claim.answered_on_time is False
    assert claim.due_on == date(2026, 11, 2)


@pytest.mark.django_db
def test_answer_on_the_moved_due_date_is_on_time(officer):
    # Day 30 is Sat 31 Oct; answered Mon 2 Nov at 23:00 Almaty (18:00 UTC) is in time.
    claim = register(received_at=almaty(2026, 10, 1, 12, 0), assignee=officer)
    answered(claim, officer, when=almaty(2026, 11, 2, 23, 0))
    claim.refresh_from_db()
    assert claim.answered_on_time is True


@pytest.mark.django_db
def test_support_agents_answer_needs_an_officers_approval(support_agent, officer):
    claim = register(assignee=support_agent)
    answer = services.claim_answer_draft(claim=claim, actor=support_agent)
    with pytest.raises(DomainError):
        services.claim_answer_send(answer=answer, actor=support_agent)
    with pytest.raises(DomainError):
        services.claim_answer_approve(answer=answer, actor=support_agent)
    services.claim_answer_approve(answer=answer, actor=officer)
    services.claim_answer_send(answer=answer, actor=support_agent)
    answer.refresh_from_db()
    assert answer.status == ClaimAnswer.Status.SENT
    assert answer.approved_by == officer


@pytest.mark.django_db
def test_officers_own_answer_is_sent_without_approval_only_in_a_one_person_team(settings, officer):
    # The four-eyes rule (CLAIM_ANSWER_FOUR_EYES, on by default) makes every answer wait
    # for another officer; relaxed, an officer's own answer goes out as before.
    settings.CLAIM_ANSWER_FOUR_EYES = False
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer)
    services.claim_answer_send(answer=answer, actor=officer)
    assert ClaimAnswer.objects.get().status == ClaimAnswer.Status.SENT


@pytest.mark.django_db
def test_sent_answer_cannot_be_edited(officer):
    claim = register(assignee=officer)
    answered(claim, officer, when=almaty(2026, 11, 20, 10, 0))
    with pytest.raises(DomainError):
        services.claim_answer_draft(claim=claim, actor=officer, body="другой текст")
    with pytest.raises(DomainError):
        services.claim_answer_send(answer=ClaimAnswer.objects.get(), actor=officer)


@pytest.mark.django_db
def test_draft_is_the_category_template_in_the_claimants_language(officer):
    category = ClaimCategoryFactory(code="returns")
    claim = register(category=category, claimant_language="kk", claimant_name="Асель Нурланова")
    answer = services.claim_answer_draft(claim=claim, actor=officer)
    assert answer.language == "kk"
    assert answer.body.startswith("Құрметті Асель Нурланова!")
    assert claim.reference in answer.body
    assert "02.11.2026 күнгі" in answer.body  # as on the Kazakh pages, no capital month


@pytest.mark.django_db
def test_answer_by_email_goes_through_the_outbox_to_the_claimant(officer, deliver):
    claim = register(assignee=officer, claimant_email="client@example.kz")
    answered(claim, officer, when=almaty(2026, 11, 20, 10, 0))
    message = OutboundMessage.objects.get(reason="claims.answer")
    assert message.recipient == "client@example.kz"
    sent = [m for m in deliver() if claim.reference in m.subject and "Ответ" in m.subject]
    assert [m.to for m in sent] == [["client@example.kz"]]
    assert "Уважаемый(ая) Айгерим Сейткалиева!" in sent[0].body


@pytest.mark.django_db
def test_answer_by_post_records_the_tracking_number_and_sends_no_email(officer):
    claim = register(assignee=officer, claimant_email="", claimant_address="Алматы, Абая 1")
    answered(
        claim,
        officer,
        when=almaty(2026, 11, 20, 10, 0),
        by_email=False,
        tracking_number="RR123456789KZ",
    )
    answer = ClaimAnswer.objects.get()
    assert answer.posted_tracking_number == "RR123456789KZ"
    assert not OutboundMessage.objects.filter(reason="claims.answer").exists()


@pytest.mark.django_db
def test_answer_needs_email_or_tracking_number(officer, support_agent):
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=support_agent)
    services.claim_answer_approve(answer=answer, actor=officer)
    with pytest.raises(DomainError):
        services.claim_answer_send(answer=answer, actor=officer, by_email=False)
    assert Claim.objects.get().status == Claim.Status.RECEIVED


@pytest.mark.django_db
def test_pdf_letter_is_kept_privately_with_a_font_for_kazakh(settings, officer):
    claim = register(assignee=officer, claimant_language="kk", claimant_name="Әлия Құрманғалиқызы")
    answered(claim, officer, when=almaty(2026, 11, 20, 10, 0))
    answer = ClaimAnswer.objects.get()
    assert answer.pdf.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    with answer.pdf.open("rb") as letter:
        data = letter.read()
    assert data.startswith(b"%PDF-")
    assert b"DejaVuSans" in data
    # The embedded font has every Kazakh letter of the text (no empty boxes).
    cmap = TTFont(settings.PDF_FONT_PATH).getBestCmap()
    assert all(ord(ch) in cmap for ch in KAZAKH_LETTERS + KAZAKH_LETTERS.upper())


@pytest.mark.django_db
def test_answered_claim_is_closed_with_its_outcome(officer):
    claim = register(assignee=officer)
    with pytest.raises(DomainError):
        services.claim_close(claim=claim, actor=officer, outcome=Claim.Outcome.COURT)
    answered(claim, officer, when=almaty(2026, 11, 20, 10, 0))
    services.claim_close(claim=claim, actor=officer, outcome=Claim.Outcome.COURT)
    claim.refresh_from_db()
    assert (claim.status, claim.outcome) == ("closed", "court")


@pytest.mark.django_db
def test_answer_while_paused_ends_the_pause(officer, time_machine):
    claim = register(assignee=officer, received_at=almaty(2026, 11, 2, 10, 0))  # due 2 Dec
    time_machine.move_to("2026-11-10T06:00:00+00:00", tick=False)
    services.claim_pause(claim=claim, actor=officer, reason="docs", on=date(2026, 11, 10))
    answered(claim, officer, when=datetime.fromisoformat("2026-12-05T05:00:00+00:00"))
    claim.refresh_from_db()
    # Paused 10 Nov - 5 Dec (25 days): due 27 Dec 2026 (Sun) → Mon 28 Dec; in time.
    assert claim.paused_on is None
    assert claim.due_on == date(2026, 12, 28)
    assert claim.answered_on_time is True


@pytest.mark.django_db
def test_support_agents_answer_on_an_unassigned_claim_needs_approval(support_agent, officer):
    claim = register()  # nobody assigned: the agent drafts straight away
    answer = services.claim_answer_draft(claim=claim, actor=support_agent)
    with pytest.raises(DomainError):
        services.claim_answer_send(answer=answer, actor=support_agent)
    assert ClaimAnswer.objects.get().status == ClaimAnswer.Status.DRAFT
    assert not OutboundMessage.objects.filter(reason="claims.answer").exists()
    services.claim_answer_approve(answer=answer, actor=officer)
    services.claim_answer_send(answer=answer, actor=support_agent)
    assert ClaimAnswer.objects.get().status == ClaimAnswer.Status.SENT


@pytest.mark.django_db
def test_stray_braces_in_a_template_are_kept_as_written(officer, client):
    # An officer's typo must not break the answer page: only known {names} are filled.
    category = ClaimCategoryFactory(
        code="braces",
        answer_template_ru="Скидка {10%}, {0}, {subject.__class__} и } — для {claimant_name}",
    )
    claim = register(category=category, claimant_name="Ерлан")
    answer = services.claim_answer_draft(claim=claim, actor=officer)
    assert answer.body == "Скидка {10%}, {0}, {subject.__class__} и } — для Ерлан"
    client.force_login(officer)
    step = reverse("admin:claims_claim_step", args=[claim.pk, "answer"])
    assert client.get(step).status_code == 200


@pytest.mark.django_db
def test_a_template_naming_an_unknown_placeholder_is_refused_in_the_admin(officer, client):
    client.force_login(officer)
    response = client.post(
        reverse("admin:claims_claimcategory_add"),
        {
            "code": "typo",
            "name": "Опечатка",
            "term_days": "30",
            "term_unit": "calendar",
            "answer_template_ru": "Уважаемый {claimant}!",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "{claimant}" in str(response.context["adminform"].form.errors)
    assert not ClaimCategory.objects.filter(code="typo").exists()
