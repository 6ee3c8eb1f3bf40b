"""Issue 9 §3: answers that cannot go out half-written, four eyes, the letter in the email,
the term named as it applies, no back-dated pause."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from claims import services
from claims.models import Claim, ClaimAnswer, ClaimDeadlineChange
from homeshop_privacy import roles
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from tests.factories import CustomerFactory, StaffFactory, UserFactory

from .factories import ClaimCategoryFactory, almaty, approved_and_sent, register

pytestmark = pytest.mark.django_db

HALF_WRITTEN = [
    "Уважаемый(ая) клиент!\n\n[Ответ по существу]\n\nС уважением,\nHomeshop.kz",
    "Құрметті клиент!\n\n[Мәні бойынша жауап]\n\nҚұрметпен,\nHomeshop.kz",
    "Dear customer,\n\n[Answer]\n\nYours sincerely,\nHomeshop.kz",
    "Ваша претензия рассмотрена.\n\n[Решение: обмен, возврат денег или отказ с причиной]",
    "Уважаемый {claimant}! Деньги возвращены.",  # a placeholder the template misspelt
]


@pytest.fixture
def second_officer(db):
    return StaffFactory(role=roles.COMPLIANCE_OFFICER)


def _unchanged(claim):
    answer = ClaimAnswer.objects.get(claim=claim)
    claim.refresh_from_db()
    return (
        answer.status,
        answer.approved_by,
        bool(answer.pdf),
        claim.status,
        OutboundMessage.objects.filter(reason="claims.answer").count(),
    )


# --- placeholders --------------------------------------------------------------------------


@pytest.mark.parametrize("body", HALF_WRITTEN)
def test_answer_with_a_placeholder_cannot_be_approved(officer, second_officer, body):
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer, body=body)
    with pytest.raises(DomainError) as refusal:
        services.claim_answer_approve(answer=answer, actor=second_officer)
    assert "[" in str(refusal.value) or "{" in str(refusal.value)
    assert _unchanged(claim) == ("draft", None, False, "received", 0)


def test_answer_with_a_placeholder_cannot_be_sent(settings, officer):
    settings.CLAIM_ANSWER_FOUR_EYES = False  # no approval step in the way
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer, body=HALF_WRITTEN[0])
    with pytest.raises(DomainError) as refusal:
        services.claim_answer_send(answer=answer, actor=officer)
    assert "[Ответ по существу]" in str(refusal.value)
    assert _unchanged(claim) == ("draft", None, False, "received", 0)
    assert not list(settings.PRIVATE_MEDIA_ROOT.rglob("*.pdf"))


def test_every_placeholder_of_the_answer_is_named_in_the_refusal(officer, second_officer):
    claim = register(assignee=officer)
    body = "[Ответ по существу]\n\n[Подпись] и {claimant}"
    answer = services.claim_answer_draft(claim=claim, actor=officer, body=body)
    with pytest.raises(DomainError) as refusal:
        services.claim_answer_approve(answer=answer, actor=second_officer)
    for token in ("[Ответ по существу]", "[Подпись]", "{claimant}"):
        assert token in str(refusal.value)


def test_the_refusal_is_in_the_users_language(officer, second_officer):
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer, body=HALF_WRITTEN[1])
    with translation.override("kk"), pytest.raises(DomainError) as refusal:
        services.claim_answer_approve(answer=answer, actor=second_officer)
    assert "толтырылмаған" in str(refusal.value)


def test_brackets_without_letters_are_not_placeholders(officer, second_officer):
    # "[1]" (a footnote) and "[...]" (a cut quotation) are text an officer may write.
    claim = register(assignee=officer)
    approved_and_sent(
        claim,
        author=officer,
        approver=second_officer,
        body="Согласно п. 6.2 [1], цитата: «…данные [...] удалены».",
    )
    assert ClaimAnswer.objects.get().status == ClaimAnswer.Status.SENT


def test_default_template_placeholder_is_refused_in_every_language(officer, second_officer):
    category = ClaimCategoryFactory(
        code="empty", answer_template_ru="", answer_template_kk="", answer_template_en=""
    )
    for language in ("ru", "kk", "en"):
        claim = register(category=category, assignee=officer, claimant_language=language)
        answer = services.claim_answer_draft(claim=claim, actor=officer)
        with pytest.raises(DomainError):
            services.claim_answer_approve(answer=answer, actor=second_officer)
    assert not ClaimAnswer.objects.exclude(status="draft").exists()


def test_admin_approve_step_refuses_a_placeholder_and_changes_nothing(
    client, officer, second_officer
):
    claim = register(assignee=officer)
    services.claim_answer_draft(claim=claim, actor=officer, body=HALF_WRITTEN[0])
    client.force_login(second_officer)
    url = reverse("admin:claims_claim_step", args=[claim.pk, "approve"])
    shown = client.get(url).context["form"]["shown_digest"].value()  # as the page sends it
    response = client.post(url, {"shown_digest": shown})
    assert response.status_code == 200
    page = response.content.decode()
    assert "[Ответ по существу]" in page
    assert "незаполнен" in page  # one word (user review)
    assert _unchanged(claim) == ("draft", None, False, "received", 0)


def test_admin_send_step_refuses_a_placeholder_and_changes_nothing(client, settings, officer):
    settings.CLAIM_ANSWER_FOUR_EYES = False
    claim = register(assignee=officer)
    services.claim_answer_draft(claim=claim, actor=officer, body=HALF_WRITTEN[2])
    client.force_login(officer)
    response = client.post(
        reverse("admin:claims_claim_step", args=[claim.pk, "send"]), {"by_email": "on"}
    )
    assert response.status_code == 200
    assert "[Answer]" in response.content.decode()
    assert _unchanged(claim) == ("draft", None, False, "received", 0)


# --- the approve page and four eyes --------------------------------------------------------


def test_approve_page_shows_the_full_text_and_the_letter_as_it_will_be_sent(
    client, officer, second_officer
):
    claim = register(assignee=officer)
    body = "Уважаемая Айгерим!\n\nДеньги возвращены на карту 3 ноября.\n\nС уважением"
    answer = services.claim_answer_draft(claim=claim, actor=officer, body=body)
    client.force_login(second_officer)
    page = client.get(reverse("admin:claims_claim_step", args=[claim.pk, "approve"]))
    assert page.status_code == 200
    assert "Деньги возвращены на карту 3 ноября." in page.content.decode()
    preview = reverse("admin:claims_claim_answer_preview", args=[claim.pk])
    assert preview in page.content.decode()
    letter = client.get(preview)
    assert letter.status_code == 200
    assert letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF-")
    answer.refresh_from_db()
    assert (answer.status, bool(answer.pdf)) == ("draft", False)  # a preview keeps nothing


def test_letter_preview_is_for_staff_who_may_see_the_answer(client, officer):
    claim = register(assignee=officer)
    services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    preview = reverse("admin:claims_claim_answer_preview", args=[claim.pk])
    client.force_login(StaffFactory())  # staff without the claims permissions
    assert client.get(preview).status_code in (403, 404)
    client.force_login(UserFactory())  # not staff at all
    assert client.get(preview).status_code == 302


def test_author_cannot_approve_their_own_answer(officer):
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    with pytest.raises(DomainError):
        services.claim_answer_approve(answer=answer, actor=officer)
    assert _unchanged(claim) == ("draft", None, False, "received", 0)


def test_an_officers_answer_is_not_sent_without_another_officers_approval(officer):
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    with pytest.raises(DomainError):
        services.claim_answer_send(answer=answer, actor=officer)
    assert _unchanged(claim) == ("draft", None, False, "received", 0)


def test_approver_who_rewrites_the_text_becomes_its_author(officer, second_officer):
    claim = register(assignee=officer)
    services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    answer = services.claim_answer_draft(
        claim=claim, actor=second_officer, body="Деньги возвращены 3 ноября."
    )
    with pytest.raises(DomainError):
        services.claim_answer_approve(answer=answer, actor=second_officer)
    services.claim_answer_approve(answer=answer, actor=officer)
    assert ClaimAnswer.objects.get().approved_by == officer


def test_admin_refuses_self_approval_and_says_why(client, officer):
    claim = register(assignee=officer)
    services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    client.force_login(officer)
    step = reverse("admin:claims_claim_step", args=[claim.pk, "approve"])
    assert "другой" in client.get(step).content.decode()
    response = client.post(step)
    assert response.status_code == 200
    assert _unchanged(claim) == ("draft", None, False, "received", 0)


def test_one_person_team_setting_allows_self_approval_and_the_page_says_so(
    client, settings, officer
):
    settings.CLAIM_ANSWER_FOUR_EYES = False
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    client.force_login(officer)
    step = reverse("admin:claims_claim_step", args=[claim.pk, "approve"])
    page = client.get(step)
    assert "CLAIM_ANSWER_FOUR_EYES" in page.content.decode()
    shown = page.context["form"]["shown_digest"].value()  # as the page sends it
    assert client.post(step, {"shown_digest": shown}).status_code == 302
    answer.refresh_from_db()
    assert (answer.status, answer.approved_by) == ("approved", officer)


# --- the letter goes with the email --------------------------------------------------------


def test_answer_email_carries_the_pdf_letter(officer, second_officer, deliver):
    claim = register(assignee=officer, claimant_email="client@example.kz")
    approved_and_sent(claim, author=officer, approver=second_officer, body="Деньги возвращены.")
    sent = [m for m in deliver() if m.subject.startswith("Ответ")]
    assert len(sent) == 1
    (attachment,) = sent[0].attachments
    filename, content, mimetype = attachment
    assert (filename, mimetype) == (f"{claim.reference}.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")
    with ClaimAnswer.objects.get().pdf.open("rb") as kept:
        assert kept.read() == content  # the letter kept is the letter sent
    row = OutboundMessage.objects.get(reason="claims.answer")
    assert claim.claimant_name not in str(row.attachments)  # a reference, not the letter


# --- the term as it applies ----------------------------------------------------------------


def test_my_claims_names_each_claims_own_term(client):
    user = UserFactory()
    me = CustomerFactory(user=user)
    ten = register(
        customer=me,
        category=ClaimCategoryFactory(code="ten", name="Возврат", term_days=10),
        received_at=almaty(2026, 11, 2, 10, 0),
    )
    client.force_login(user)
    page = client.get(reverse("claims:mine")).content.decode()
    row = page[page.index(ten.reference) :]
    row = row[: row.index("</li>")]
    assert "12.11.2026" in row
    assert "10 календарных дней" in row
    assert "30 календарных" not in row
    account = client.get(reverse("accounts:home")).content.decode()
    assert "10 календарных дней" in account


def test_acknowledgement_of_a_category_term_names_its_rule(deliver):
    category = ClaimCategoryFactory(code="ten-ack", name="Возврат и обмен", term_days=10)
    register(category=category, received_at=almaty(2026, 11, 2, 10, 0))
    (message,) = deliver()
    assert "10 календарных дней" in message.body
    assert "«Возврат и обмен»" in message.body
    # 6.2 is not given as the rule of a 10-day term.
    assert "10 календарных дней с момента получения, п. 6.2" not in message.body


def test_acknowledgement_of_the_policy_term_cites_clause_6_2(deliver):
    register(received_at=almaty(2026, 11, 2, 10, 0))
    (message,) = deliver()
    assert "30 календарных дней" in message.body
    assert "6.2" in message.body


# --- pause back-dating --------------------------------------------------------------------


def test_claim_overdue_today_cannot_be_paused_even_back_dated(officer, time_machine):
    claim = register(received_at=almaty(2026, 10, 1, 12, 0), assignee=officer)  # due 2 Nov
    time_machine.move_to("2026-11-05T06:00:00+00:00", tick=False)
    with pytest.raises(DomainError):
        services.claim_pause(claim=claim, actor=officer, reason="docs", on=date(2026, 10, 20))
    claim.refresh_from_db()
    assert (claim.paused_on, claim.due_on) == (None, date(2026, 11, 2))
    assert not ClaimDeadlineChange.objects.exists()


def test_pause_cannot_start_before_the_last_recorded_step(officer, time_machine):
    claim = register(received_at=almaty(2026, 11, 2, 10, 0), assignee=officer)  # due 2 Dec
    time_machine.move_to("2026-11-20T06:00:00+00:00", tick=False)
    services.claim_extend(claim=claim, actor=officer, days=5, reason="экспертиза")
    with pytest.raises(DomainError):
        services.claim_pause(claim=claim, actor=officer, reason="docs", on=date(2026, 11, 10))
    claim.refresh_from_db()
    assert claim.paused_on is None
    assert ClaimDeadlineChange.objects.filter(kind="pause").count() == 0
    # From the day of the last step on, a pause is accepted.
    services.claim_pause(claim=claim, actor=officer, reason="docs", on=date(2026, 11, 20))
    claim.refresh_from_db()
    assert claim.paused_on == date(2026, 11, 20)


def test_pause_cannot_start_in_the_future(officer, time_machine):
    claim = register(received_at=almaty(2026, 11, 2, 10, 0), assignee=officer)
    time_machine.move_to("2026-11-10T06:00:00+00:00", tick=False)
    with pytest.raises(DomainError):
        services.claim_pause(claim=claim, actor=officer, reason="docs", on=date(2026, 11, 25))
    assert Claim.objects.get().paused_on is None


def test_approver_approves_text_changed_after_page_shown(client, officer, second_officer):
    # The approver reads text X; the author rewrites it to Y before the click: Y is not
    # approved unread (attack review, finding 1).
    claim = register()
    services.claim_answer_draft(
        claim=claim, actor=officer, body="Уважаемая Айгерим, деньги будут возвращены."
    )
    client.force_login(second_officer)
    url = reverse("admin:claims_claim_step", args=[claim.pk, "approve"])
    page = client.get(url)
    assert "деньги будут возвращены" in page.content.decode()
    shown = page.context["form"]["shown_digest"].value()
    services.claim_answer_draft(
        claim=claim, actor=officer, body="Уважаемая Айгерим, в возврате отказано."
    )
    response = client.post(url, {"shown_digest": shown})
    assert response.status_code == 200
    answer = ClaimAnswer.objects.get(claim=claim)
    assert (answer.status, answer.approved_by) == (ClaimAnswer.Status.DRAFT, None)
    page = response.content.decode()
    assert "в возврате отказано" in page  # the new text, to read before approving
    assert "прочитайте" in page.lower()
    # Read again, the new text can be approved from the page shown with the refusal.
    again = response.context["form"]["shown_digest"].value()
    assert client.post(url, {"shown_digest": again}).status_code == 302
    answer.refresh_from_db()
    assert (answer.status, answer.approved_by) == (ClaimAnswer.Status.APPROVED, second_officer)


def test_approve_post_without_the_shown_text_approves_nothing(client, officer, second_officer):
    claim = register()
    services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    client.force_login(second_officer)
    url = reverse("admin:claims_claim_step", args=[claim.pk, "approve"])
    assert client.post(url, {}).status_code == 200
    assert ClaimAnswer.objects.get(claim=claim).status == ClaimAnswer.Status.DRAFT


def test_service_approval_of_a_stale_answer_is_refused(officer, second_officer):
    claim = register()
    stale = services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    services.claim_answer_draft(claim=claim, actor=officer, body="В возврате отказано.")
    with pytest.raises(DomainError):
        services.claim_answer_approve(answer=stale, actor=second_officer)
    assert ClaimAnswer.objects.get(claim=claim).status == ClaimAnswer.Status.DRAFT


def test_letter_preview_may_be_framed_by_the_site_and_nothing_else(client, officer, second_officer):
    # User review: the approve page shows the letter in an <iframe>; the project's CSP
    # (frame-ancestors 'none') blocked it. Only this response is relaxed, to 'self'.
    claim = register(assignee=officer)
    services.claim_answer_draft(claim=claim, actor=officer, body="Деньги возвращены.")
    client.force_login(second_officer)
    letter = client.get(reverse("admin:claims_claim_answer_preview", args=[claim.pk]))
    assert letter.status_code == 200
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2]
        for part in letter["Content-Security-Policy"].split(";")
    )
    assert directives["frame-ancestors"] == "'self'"
    assert "'none'" not in directives["frame-ancestors"]
    assert letter["X-Frame-Options"] == "SAMEORIGIN"
    page = client.get(reverse("admin:claims_claim_step", args=[claim.pk, "approve"]))
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    change = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert "frame-ancestors 'none'" in change["Content-Security-Policy"]
