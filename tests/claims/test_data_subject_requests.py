"""Issue 11: data-subject requests on the claims register, with the Law 94-V's terms in
working days on the Kazakhstan calendar (art. 25 p.2: 1; art. 8 p.7: 15) and access
requests in calendar days (30 by default, configurable)."""

import re
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone, translation

from claims import services
from claims.models import ClaimAnswer, ClaimCategory, IdentityMethod, TermUnit
from homeshop_privacy import outbox
from homeshop_privacy.calendar import working_days_deadline
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage

from .factories import almaty, approved_and_sent, register

pytestmark = pytest.mark.django_db


def _type(code):
    return ClaimCategory.objects.get(code=code)


def test_the_four_request_types_are_seeded_with_their_terms_and_three_names():
    expected = {
        "dsr-rectification": (1, TermUnit.WORKING),
        "dsr-destruction": (1, TermUnit.WORKING),
        "dsr-stop-processing": (15, TermUnit.WORKING),
        "dsr-access": (30, TermUnit.CALENDAR),
    }
    for code, (days, unit) in expected.items():
        category = _type(code)
        assert (category.term_days, category.term_unit) == (days, unit)
        assert category.name and category.name_kk and category.name_en
        assert len({category.name, category.name_kk, category.name_en}) == 3


def test_rectification_received_on_a_friday_is_due_on_monday_with_the_weekend_as_reason():
    claim = register(category=_type("dsr-rectification"), received_at=almaty(2026, 11, 27, 16))
    assert claim.term_unit == TermUnit.WORKING
    assert claim.due_on == date(2026, 11, 30)
    with translation.override("en"):
        assert "Saturday" in claim.due_explanation
        assert "Sunday" in claim.due_explanation
        assert "1 working day" in claim.term_text
    with translation.override("ru"):
        assert "рабоч" in claim.term_text


def test_destruction_steps_over_a_holiday_and_a_weekend():
    # 1 May 2026 (Friday) is the Unity Day: Thursday's request is due on Monday 4 May.
    claim = register(category=_type("dsr-destruction"), received_at=almaty(2026, 4, 30, 11))
    assert claim.due_on == date(2026, 5, 4)
    assert [item["day"] for item in claim.due_moved_because] == [
        "2026-05-01",
        "2026-05-02",
        "2026-05-03",
    ]
    assert claim.due_moved_because[0]["kind"] == "holiday"


def test_one_working_day_over_a_midweek_holiday():
    # 16 December 2026 (Wednesday) is Independence Day.
    deadline = working_days_deadline(received=date(2026, 12, 15), term_days=1)
    assert deadline.due_on == date(2026, 12, 17)
    assert deadline.moved


def test_one_working_day_on_an_ordinary_weekday_is_the_next_day_not_moved():
    claim = register(category=_type("dsr-rectification"), received_at=almaty(2026, 11, 2, 10))
    assert claim.due_on == date(2026, 11, 3)
    assert claim.due_moved_because == []
    assert claim.due_explanation == ""


def test_stopping_processing_counts_fifteen_working_days_over_weekends_and_holidays():
    # From Friday 24 April 2026: 1 May, 7 May and 11 May (Victory Day observed) are days
    # off, with four weekends: the 15th working day is Wednesday 20 May.
    claim = register(category=_type("dsr-stop-processing"), received_at=almaty(2026, 4, 24, 9))
    assert claim.due_on == date(2026, 5, 20)
    kinds = {item["kind"] for item in claim.due_moved_because}
    assert {"holiday", "moved_day_off", "saturday", "sunday"} <= kinds
    assert len(claim.due_moved_because) == 11  # 26 calendar days - 15 working days


def test_access_request_defaults_to_thirty_calendar_days_and_can_be_changed():
    access = _type("dsr-access")
    claim = register(category=access, received_at=almaty(2026, 11, 2, 10))
    assert claim.term_unit == TermUnit.CALENDAR
    assert claim.due_on == date(2026, 12, 2)
    access.term_days = 10
    access.save()
    shorter = register(category=access, received_at=almaty(2026, 11, 2, 10))
    assert shorter.due_on == date(2026, 11, 12)
    assert claim.due_on == date(2026, 12, 2)  # a registered request keeps its term


def test_receipt_late_in_the_almaty_evening_counts_from_that_almaty_day():
    # 23:30 Almaty on Friday is still Friday there (Saturday in no time zone that matters).
    claim = register(category=_type("dsr-rectification"), received_at=almaty(2026, 11, 27, 23, 30))
    assert claim.due_on == date(2026, 11, 30)


# --- identity before an answer that discloses or changes personal data -------------------


def _customer_with_account():
    from tests.factories import CustomerFactory, UserFactory

    user = UserFactory()
    return CustomerFactory(user=user, email=user.email)


def test_a_request_made_by_the_signed_in_customer_is_verified_by_that(officer):
    customer = _customer_with_account()
    claim = register(category=_type("dsr-access"), customer=customer, actor=customer.user)
    claim.refresh_from_db()
    assert claim.identity_method == IdentityMethod.SIGNED_IN
    assert claim.identity_verified_at is not None
    assert claim.identity_verified_by == customer.user
    answer = approved_and_sent(claim, author=officer, body="Ваши данные: ...")
    assert answer.status == ClaimAnswer.Status.SENT


def test_a_request_registered_by_staff_is_not_verified_and_its_answer_is_refused(officer):
    customer = _customer_with_account()
    claim = register(category=_type("dsr-rectification"), customer=customer, actor=officer)
    assert claim.identity_method == ""
    assert claim.identity_verified_at is None
    with pytest.raises(DomainError):
        approved_and_sent(claim, author=officer, body="Мы исправили ваши данные: ...")
    claim.refresh_from_db()
    assert claim.is_open
    assert not ClaimAnswer.objects.filter(claim=claim, status=ClaimAnswer.Status.SENT).exists()


def test_an_unverified_request_is_answered_without_personal_data_saying_why(officer):
    claim = register(category=_type("dsr-access"), actor=officer)  # a letter, no account
    with pytest.raises(DomainError):
        services.claim_answer_without_personal_data(claim=claim, reason="  ", actor=officer)
    claim.refresh_from_db()
    assert claim.no_personal_data_reason == ""
    reason = "Мы не смогли подтвердить вашу личность: обратитесь из личного кабинета."
    services.claim_answer_without_personal_data(claim=claim, reason=reason, actor=officer)
    # The reason must reach the requester: an answer without it is refused.
    with pytest.raises(DomainError):
        approved_and_sent(claim, author=officer, body="Ответ без причины.")
    answer = approved_and_sent(claim, author=officer, body=f"Здравствуйте!\n\n{reason}")
    assert answer.status == ClaimAnswer.Status.SENT
    claim.refresh_from_db()
    assert claim.no_personal_data_reason == reason
    assert claim.history.filter(no_personal_data_reason=reason).exists()


def test_an_ordinary_claim_needs_no_identity_check(officer):
    claim = register(actor=officer)
    answer = approved_and_sent(claim, author=officer, body="Ответ по претензии.")
    assert answer.status == ClaimAnswer.Status.SENT


# --- verification by a one-time code sent to the email on file ---------------------------


def _code_sent(claim, officer):
    """The officer sends a code; the outbox sends it; the code as the customer reads it."""
    before = len(mail.outbox)
    services.claim_identity_code_send(claim=claim, actor=officer)
    message = OutboundMessage.objects.filter(reason=services.REASON_IDENTITY_CODE).latest("pk")
    outbox.message_send(message_id=message.pk)
    assert len(mail.outbox) == before + 1
    email = mail.outbox[-1]
    code = re.search(r"\b(\d{8})\b", email.body).group(1)
    return email, message, code


def test_the_code_goes_only_to_the_email_on_file_and_is_never_stored(officer):
    customer = _customer_with_account()
    claim = register(
        category=_type("dsr-destruction"),
        customer=customer,
        actor=officer,
        claimant_email="someone-else@example.kz",  # named in the request only
    )
    email, message, code = _code_sent(claim, officer)
    assert email.to == [customer.email]
    assert message.recipient == customer.email
    assert "someone-else@example.kz" not in email.to
    # Neither the outbox row nor the request holds the code: only its digest.
    assert code not in message.body_text
    claim.refresh_from_db()
    assert claim.identity_code_digest and code not in claim.identity_code_digest
    assert not claim.history.filter(identity_code_digest__contains=code).exists()


@pytest.mark.parametrize(
    "language, expected",
    [
        (
            "ru",
            [
                "Здравствуйте!",
                "Мы получили запрос от вашего имени: «Исправление персональных данных по "
                "документам», номер {reference}, от 2 ноября 2026 г.",
                "Ваш код подтверждения: {code}",
                "по телефону или в ответе на это письмо. Код действует 30 минут.",
                "Если вы не отправляли этот запрос, никому не сообщайте код",
                "Homeshop.kz (ТОО «Shoperga»)",
            ],
        ),
        (
            "kk",
            [
                "Сәлеметсіз бе!",
                "02.11.2026 күні сіздің атыңыздан сұрау алдық: «Құжаттар бойынша дербес "
                "деректерді түзету», нөмірі {reference}.",
                "Растау кодыңыз: {code}",
                "Код 30 минут жарамды.",
                "Егер бұл сұрауды сіз жібермесеңіз, кодты ешкімге айтпаңыз",
                "Homeshop.kz («Shoperga» ЖШС)",
            ],
        ),
        (
            "en",
            [
                "Hello,",
                "We have received a request in your name: “Rectification of personal data "
                "on documents”, number {reference}, of Nov. 2, 2026.",
                "Your confirmation code: {code}",
                "by phone or in a reply to this email. It is valid for 30 minutes.",
                "If you did not make this request, do not give the code to anyone",
                "Homeshop.kz (LLP “Shoperga”)",
            ],
        ),
    ],
)
def test_the_code_email_says_why_it_came_and_what_to_do(officer, language, expected):
    """User review: the email held the code and one line; the customer was not told which
    request it is for, how to hand it over, or what to do if the request is not theirs."""
    customer = _customer_with_account()
    customer.preferred_language = language
    customer.save()
    claim = register(category=_type("dsr-rectification"), customer=customer, actor=officer)
    email, _message, code = _code_sent(claim, officer)
    for line in expected:
        assert line.format(reference=claim.reference, code=code) in email.body
    assert claim.reference in email.subject
    assert "%(" not in email.body and "{" not in email.body


def test_a_request_without_a_customer_on_file_gets_no_code(officer):
    claim = register(category=_type("dsr-access"), actor=officer, claimant_email="x@example.kz")
    with pytest.raises(DomainError):
        services.claim_identity_code_send(claim=claim, actor=officer)
    assert not OutboundMessage.objects.filter(reason=services.REASON_IDENTITY_CODE).exists()


def test_the_right_code_verifies_the_request_and_the_answer_goes(officer):
    customer = _customer_with_account()
    claim = register(category=_type("dsr-rectification"), customer=customer, actor=officer)
    _email, _message, code = _code_sent(claim, officer)
    services.claim_identity_code_verify(claim=claim, code=code, actor=officer)
    claim.refresh_from_db()
    assert claim.identity_method == IdentityMethod.EMAIL_CODE
    assert claim.identity_verified_by == officer
    assert claim.identity_verified_at is not None
    assert claim.identity_code_digest == ""  # used once
    with pytest.raises(DomainError):
        services.claim_identity_code_verify(claim=claim, code=code, actor=officer)
    answer = approved_and_sent(claim, author=officer, body="Мы исправили ваши данные.")
    assert answer.status == ClaimAnswer.Status.SENT


def test_a_wrong_code_changes_nothing(officer):
    customer = _customer_with_account()
    claim = register(category=_type("dsr-rectification"), customer=customer, actor=officer)
    _email, _message, code = _code_sent(claim, officer)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    with pytest.raises(DomainError):
        services.claim_identity_code_verify(claim=claim, code=wrong, actor=officer)
    claim.refresh_from_db()
    assert claim.identity_verified_at is None
    assert claim.identity_method == ""
    with pytest.raises(DomainError):
        approved_and_sent(claim, author=officer, body="Мы исправили ваши данные.")


def test_an_expired_code_changes_nothing(officer):
    customer = _customer_with_account()
    claim = register(category=_type("dsr-rectification"), customer=customer, actor=officer)
    _email, _message, code = _code_sent(claim, officer)
    later = timezone.now() + timedelta(minutes=services.IDENTITY_CODE_MINUTES + 1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        with pytest.raises(DomainError):
            services.claim_identity_code_verify(claim=claim, code=code, actor=officer)
    claim.refresh_from_db()
    assert claim.identity_verified_at is None
