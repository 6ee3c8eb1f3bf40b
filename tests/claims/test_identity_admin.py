"""Issue 11: the requester's identity from the claim's admin page.

Officers and support agents send the one-time code to the customer's email on file and
enter the code the requester reads out; answering without personal data is the officer's
decision; auditors see the state and change nothing. Writes are POST only, CSRF-checked,
checked on the server, and judged by what the database holds afterwards.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import Claim, ClaimCategory, IdentityMethod
from homeshop_privacy import outbox
from homeshop_privacy.models import OutboundMessage
from tests.factories import CustomerFactory, UserFactory
from tests.two_factor import SignInClient

from .factories import ClaimCategoryFactory, register

pytestmark = pytest.mark.django_db

ON_FILE = "on.file@example.kz"
IN_REQUEST = "named.in.request@example.kz"


def _url(name, claim):
    return reverse(f"admin:claims_claim_{name}", args=[claim.pk])


@pytest.fixture
def claim(officer):
    user = UserFactory(email=ON_FILE)
    customer = CustomerFactory(user=user, email=ON_FILE)
    return register(
        category=ClaimCategory.objects.get(code="dsr-rectification"),
        customer=customer,
        actor=officer,
        claimant_email=IN_REQUEST,
    )


def _as(user, language="en", csrf=False):
    client = SignInClient(enforce_csrf_checks=csrf)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _deliver_code() -> str:
    """The worker sends the pending code; the code as the customer reads it."""
    message = OutboundMessage.objects.filter(reason=services.REASON_IDENTITY_CODE).latest("pk")
    outbox.message_send(message_id=message.pk)
    return re.search(r"\b(\d{8})\b", mail.outbox[-1].body).group(1)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**8:08d}"


def _state(claim) -> tuple:
    claim = Claim.objects.get(pk=claim.pk)
    return (
        claim.identity_method,
        claim.identity_verified_at,
        claim.identity_verified_by_id,
        claim.identity_code_digest,
        claim.identity_code_failures,
        claim.no_personal_data_reason,
        claim.history.count(),
    )


def test_the_officer_sends_the_code_to_the_email_on_file_and_verifies_it(officer, claim):
    client = _as(officer)
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert _url("identity_code_send", claim) in page
    assert "Not verified yet." in page
    assert client.get(_url("identity_code_send", claim)).status_code == 200  # the form only
    assert not OutboundMessage.objects.filter(reason=services.REASON_IDENTITY_CODE).exists()

    response = client.post(_url("identity_code_send", claim))

    assert response.status_code == 302
    message = OutboundMessage.objects.get(reason=services.REASON_IDENTITY_CODE)
    assert message.recipient == ON_FILE  # never the address named in the request
    assert message.link_kind == services.IDENTITY_CODE_LINK
    assert claim.history.filter(history_user=officer).latest("history_id").history_change_reason
    code = _deliver_code()
    message.refresh_from_db()
    assert code not in message.body_text  # the stored body never holds the code
    claim.refresh_from_db()
    assert claim.identity_code_digest and claim.identity_code_expires_at
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "is pending until" in page and "5 of 5 wrong codes left" in page
    assert _url("identity_code_verify", claim) in page

    response = client.post(_url("identity_code_verify", claim), {"code": code})

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.identity_method == IdentityMethod.EMAIL_CODE
    assert claim.identity_verified_by == officer
    assert claim.identity_verified_at is not None
    assert claim.identity_code_digest == ""
    assert claim.history.latest("history_id").history_user == officer
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "Verified: a one-time code sent to the email on file" in page
    assert _url("identity_code_send", claim) not in page


def test_a_support_agent_helps_the_customer_send_and_verify(support_agent, claim):
    client = _as(support_agent)
    assert client.post(_url("identity_code_send", claim)).status_code == 302
    code = _deliver_code()
    assert client.post(_url("identity_code_verify", claim), {"code": code}).status_code == 302
    claim.refresh_from_db()
    assert claim.identity_verified_by == support_agent


def test_answering_without_personal_data_is_the_officers_decision(support_agent, officer, claim):
    agent = _as(support_agent)
    page = agent.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert _url("no_personal_data", claim) not in page
    before = _state(claim)
    assert agent.get(_url("no_personal_data", claim)).status_code == 403
    response = agent.post(_url("no_personal_data", claim), {"reason": "Не удалось проверить."})
    assert response.status_code == 403
    assert _state(claim) == before
    with pytest.raises(Exception, match="compliance officer"):
        services.claim_answer_without_personal_data(
            claim=claim, reason="Не удалось проверить.", actor=support_agent
        )

    response = _as(officer).post(_url("no_personal_data", claim), {"reason": "Не удалось."})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.no_personal_data_reason == "Не удалось."
    assert claim.history.latest("history_id").history_user == officer


def test_the_auditor_sees_the_state_and_can_neither_send_nor_verify(auditor, officer, claim):
    _as(officer).post(_url("identity_code_send", claim))
    code = _deliver_code()
    client = _as(auditor)
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "is pending until" in page
    assert _url("identity_code_verify", claim) not in page
    before = _state(claim)
    messages = OutboundMessage.objects.count()
    assert client.post(_url("identity_code_send", claim)).status_code == 403
    assert client.post(_url("identity_code_verify", claim), {"code": code}).status_code == 403
    assert client.post(_url("no_personal_data", claim), {"reason": "x"}).status_code == 403
    assert _state(claim) == before
    assert OutboundMessage.objects.count() == messages


@pytest.mark.parametrize("who", ["customer", "anonymous"])
def test_customers_and_visitors_are_sent_to_sign_in(who, claim):
    if who == "customer":
        client = _as(claim.customer.user)
    else:
        client = SignInClient()
    before = _state(claim)
    response = client.post(_url("identity_code_send", claim))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not OutboundMessage.objects.filter(reason=services.REASON_IDENTITY_CODE).exists()
    assert _state(claim) == before


def test_a_post_without_the_csrf_token_is_refused(officer, claim):
    response = _as(officer, csrf=True).post(_url("identity_code_send", claim))
    assert response.status_code == 403
    assert not OutboundMessage.objects.filter(reason=services.REASON_IDENTITY_CODE).exists()


def test_five_wrong_codes_void_the_code_and_each_is_recorded_with_who(officer, claim):
    client = _as(officer)
    client.post(_url("identity_code_send", claim))
    code = _deliver_code()
    for left in (4, 3, 2, 1):
        response = client.post(_url("identity_code_verify", claim), {"code": _wrong(code)})
        assert response.status_code == 200
        errors = response.context["form"].errors["code"]
        assert errors == [
            f"The code is wrong. {left} more wrong code{'s' if left > 1 else ''} "
            f"void{'' if left > 1 else 's'} it."
        ]
    claim.refresh_from_db()
    assert claim.identity_code_failures == 4 and claim.identity_code_digest
    response = client.post(_url("identity_code_verify", claim), {"code": _wrong(code)})
    assert "5 wrong codes: this code no longer works" in response.context["form"].errors["code"][0]
    claim.refresh_from_db()
    assert claim.identity_code_digest == "" and claim.identity_verified_at is None
    wrong = claim.history.filter(history_change_reason="wrong identity code entered")
    assert wrong.count() == 5
    assert set(wrong.values_list("history_user", flat=True)) == {officer.pk}

    # The right code no longer works: a new one must be sent.
    response = client.post(_url("identity_code_verify", claim), {"code": code})
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.identity_verified_at is None
    client.post(_url("identity_code_send", claim))
    fresh = _deliver_code()
    claim.refresh_from_db()
    assert claim.identity_code_failures == 0
    assert client.post(_url("identity_code_verify", claim), {"code": fresh}).status_code == 302
    claim.refresh_from_db()
    assert claim.identity_method == IdentityMethod.EMAIL_CODE


def test_a_wrong_code_is_refused_in_the_staff_members_language(officer, claim):
    client = _as(officer, language="ru")
    client.post(_url("identity_code_send", claim))
    code = _deliver_code()
    response = client.post(_url("identity_code_verify", claim), {"code": _wrong(code)})
    assert response.context["form"].errors["code"] == [
        "Код неверный. Ещё 4 неверных кода, и он перестанет действовать."
    ]


def test_a_second_click_sends_no_second_code(officer, claim):
    client = _as(officer)
    client.post(_url("identity_code_send", claim))
    response = client.post(_url("identity_code_send", claim))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert OutboundMessage.objects.filter(reason=services.REASON_IDENTITY_CODE).count() == 1


def test_no_code_for_a_request_without_a_customer_on_file(officer):
    claim = register(
        category=ClaimCategory.objects.get(code="dsr-access"),
        actor=officer,
        claimant_email=IN_REQUEST,
    )
    client = _as(officer)
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert _url("identity_code_send", claim) not in page
    assert "No customer with an email on file" in page
    response = client.post(_url("identity_code_send", claim))
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not OutboundMessage.objects.filter(reason=services.REASON_IDENTITY_CODE).exists()


def test_an_expired_code_is_shown_as_expired(officer, claim, time_machine):
    client = _as(officer)
    client.post(_url("identity_code_send", claim))
    code = _deliver_code()
    time_machine.move_to(
        timezone.now() + timedelta(minutes=services.IDENTITY_CODE_MINUTES + 1), tick=False
    )
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "The code sent expired at" in page and "is pending until" not in page
    response = client.post(_url("identity_code_verify", claim), {"code": code})
    assert response.context["form"].errors["code"] == ["The code has expired: send a new one."]
    claim.refresh_from_db()
    assert claim.identity_verified_at is None


def test_a_new_category_cannot_lift_the_check_of_an_unverified_request(officer, claim):
    general = ClaimCategoryFactory(needs_identity_check=False, term_days=1)
    before = (_state(claim), Claim.objects.get(pk=claim.pk).category_id)

    with pytest.raises(services.DomainError):
        services.claim_update(
            claim=claim, actor=officer, assignee=None, internal_notes="", category=general
        )

    assert (_state(claim), Claim.objects.get(pk=claim.pk).category_id) == before
    # Once the answer is decided to carry no personal data, the category may change.
    services.claim_answer_without_personal_data(
        claim=claim, actor=officer, reason="The requester did not answer the code."
    )
    services.claim_update(
        claim=Claim.objects.get(pk=claim.pk),
        actor=officer,
        assignee=None,
        internal_notes="",
        category=general,
    )
    assert Claim.objects.get(pk=claim.pk).category_id == general.pk


@pytest.mark.parametrize(
    "language, wrong, expected",
    [
        ("ru", 1, "можно ввести неверно ещё 4 раза из 5."),
        ("ru", 4, "можно ввести неверно ещё 1 раз из 5."),
        ("ru", 0, "можно ввести неверно ещё 5 раз из 5."),
        ("kk", 1, "тағы 4 рет қате енгізуге болады (барлығы 5 рет)."),
        ("en", 4, "1 of 5 wrong codes left before it is void."),
    ],
)
def test_the_wrong_codes_left_read_in_the_staff_members_grammar(
    officer, claim, language, wrong, expected
):
    """User review: the claim page said "ещё 4 раз из 5" (Russian needs "4 раза")."""
    client = _as(officer, language=language)
    client.post(_url("identity_code_send", claim))
    code = _deliver_code()
    for _n in range(wrong):
        client.post(_url("identity_code_verify", claim), {"code": _wrong(code)})
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert expected in page


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "The last code sent is void: 5 wrong codes were entered. Send a new one."),
        ("ru", "Последний отправленный код отменён: введено 5 неверных кодов. Отправьте новый."),
        ("kk", "Соңғы жіберілген код күшін жойды: 5 рет қате код енгізілді. Жаңасын жіберіңіз."),
    ],
)
def test_a_code_voided_by_five_wrong_codes_is_shown_as_void(officer, claim, language, expected):
    """User review: after the fifth wrong code the claim page said only "not verified",
    so the next person did not know the code had been voided."""
    client = _as(officer, language=language)
    client.post(_url("identity_code_send", claim))
    code = _deliver_code()
    for _n in range(services.IDENTITY_CODE_MAX_FAILURES):
        client.post(_url("identity_code_verify", claim), {"code": _wrong(code)})
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert expected in page
    assert expected in client.get(_url("identity_code_verify", claim)).content.decode()

    client.post(_url("identity_code_send", claim))  # a new code: no longer void
    _deliver_code()
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert expected not in page


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "Only a compliance officer can decide to answer without personal data."),
        ("ru", "Попросите специалиста по комплаенсу принять это решение."),
        ("kk", "Бұл шешімді қабылдауды комплаенс маманынан сұраңыз."),
    ],
)
def test_a_support_agent_refused_the_officers_decision_is_told_why(
    support_agent, claim, language, expected
):
    """User review: a support agent who opened the link got Django's bare "403 Forbidden"
    in English, with no reason and no way back. Still a 403 and no change."""
    agent = _as(support_agent, language=language)
    before = _state(claim)
    for response in (
        agent.get(_url("no_personal_data", claim)),
        agent.post(_url("no_personal_data", claim), {"reason": "Не удалось проверить."}),
    ):
        assert response.status_code == 403
        page = response.content.decode()
        assert expected in page
        assert reverse("admin:claims_claim_change", args=[claim.pk]) in page
        assert 'name="reason"' not in page and '<input type="submit" class="default"' not in page
    assert _state(claim) == before
