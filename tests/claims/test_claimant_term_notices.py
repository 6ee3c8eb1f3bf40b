"""Issue 13: the claimant is told when the time to answer is paused, resumed or extended,
with the reason and the new due date, in their language; and the emails read as a
recipient reads them (a one-line subject, a capital after the greeting)."""

from datetime import date

import pytest

from claims import services
from homeshop_privacy.models import OutboundMessage

from .factories import almaty, register

pytestmark = pytest.mark.django_db


def _term_emails(claim):
    return list(
        OutboundMessage.objects.filter(
            reason=services.REASON_TERM_CHANGE, recipient=claim.claimant_email
        ).order_by("pk")
    )


def test_pause_and_resume_are_told_in_russian_with_the_new_date(officer, time_machine):
    claim = register(received_at=almaty(2026, 11, 2, 10, 0), claimant_language="ru")
    time_machine.move_to("2026-11-17T06:00:00+00:00", tick=False)
    services.claim_pause(
        claim=claim, actor=officer, reason="Ждём копию чека", on=date(2026, 11, 10)
    )
    services.claim_resume(claim=claim, actor=officer, reason="Чек получен", on=date(2026, 11, 17))

    paused, resumed = _term_emails(claim)
    assert paused.subject == f"Рассмотрение претензии {claim.reference} приостановлено"
    assert paused.body_text.startswith("Здравствуйте, Айгерим Сейткалиева!\n\nС 10 ноября")
    assert paused.body_text.count("С 10 ноября 2026 г. срок ответа") == 1
    assert ".." not in paused.body_text + resumed.body_text
    assert "Причина: Ждём копию чека" in paused.body_text
    assert "Причина: Чек получен" in resumed.body_text
    # 7 paused days added: due Wed 9 Dec 2026 instead of Wed 2 Dec.
    assert "не позднее 9 декабря 2026" in resumed.body_text
    assert paused.language == resumed.language == "ru"


def test_an_extension_is_told_in_kazakh(officer, time_machine):
    time_machine.move_to("2026-11-25T06:00:00+00:00", tick=False)
    claim = register(
        received_at=almaty(2026, 11, 2, 10, 0),
        claimant_language="kk",
        claimant_email="aigerim.kk@example.kz",
    )
    services.claim_extend(claim=claim, actor=officer, days=14, reason="Тауарды сараптау")

    (extended,) = _term_emails(claim)
    assert extended.subject == f"{claim.reference} шағымы: жауап беру мерзімі ұзартылды"
    assert extended.body_text.startswith("Құрметті Айгерим Сейткалиева!")
    assert "14 күнге ұзартылды" in extended.body_text
    assert "Себебі: Тауарды сараптау" in extended.body_text
    assert "17.12.2026 кешіктірмей" in extended.body_text


def test_a_claim_by_post_gets_no_email(officer, time_machine):
    time_machine.move_to("2026-11-25T06:00:00+00:00", tick=False)
    claim = register(
        received_at=almaty(2026, 11, 2, 10, 0),
        claimant_email="",
        claimant_address="050000, Алматы, пр. Абая, 1",
    )
    services.claim_extend(claim=claim, actor=officer, days=5, reason="Экспертиза")

    assert not OutboundMessage.objects.filter(reason=services.REASON_TERM_CHANGE).exists()


@pytest.mark.parametrize(
    ("language", "opening"),
    [
        ("en", "Dear Aigerim Seitkali,\n\nWe have received your claim"),
        ("ru", "Здравствуйте, Aigerim Seitkali!\n\nМы получили"),
        ("kk", "Құрметті Aigerim Seitkali!\n\n"),
    ],
)
def test_the_acknowledgement_reads_as_a_letter(language, opening):
    claim = register(claimant_language=language, claimant_name="Aigerim Seitkali")

    ack = OutboundMessage.objects.get(reason=services.REASON_ACK)
    assert ack.body_text.startswith(opening)
    assert ack.subject == ack.subject.strip() and "\n" not in ack.subject
    assert claim.reference in ack.subject


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_term_notices_come_from_the_claims_email_templates(officer, time_machine, language):
    """Issue 15 item 5: the claimant's term notices are worded by templates per language,
    like the other claims emails, with the same catalogue sentences."""
    from django.test.signals import template_rendered

    rendered = []

    def _seen(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(_seen)
    try:
        claim = register(
            received_at=almaty(2026, 11, 2, 10, 0),
            claimant_language=language,
            claimant_name="Aigerim Seitkali",
        )
        time_machine.move_to("2026-11-17T06:00:00+00:00", tick=False)
        services.claim_pause(claim=claim, actor=officer, reason="R1", on=date(2026, 11, 10))
        services.claim_resume(claim=claim, actor=officer, reason="R2", on=date(2026, 11, 17))
        services.claim_extend(claim=claim, actor=officer, days=3, reason="R3")
    finally:
        template_rendered.disconnect(_seen)

    assert rendered.count("claims/email/term_change.txt") == 3
    assert rendered.count("claims/email/term_change_subject.txt") == 3
    paused, resumed, extended = _term_emails(claim)
    for email, reason in ((paused, "R1"), (resumed, "R2"), (extended, "R3")):
        assert email.language == language
        assert claim.reference in email.subject and "\n" not in email.subject
        assert reason in email.body_text and "Homeshop.kz" in email.body_text
        assert "{" not in email.body_text + email.subject
    if language == "en":
        assert paused.subject == f"Your claim {claim.reference} is paused"
        assert paused.body_text.startswith(
            f"Dear Aigerim Seitkali,\n\nThe time for answering your claim {claim.reference}"
        )
        assert "extended by 3 day(s). The reason: R3" in extended.body_text
    else:
        assert "The time for answering" not in paused.body_text + resumed.body_text
        assert "Dear" not in extended.body_text
