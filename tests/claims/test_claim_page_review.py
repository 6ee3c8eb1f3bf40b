"""User review of the claim pages in the admin (ru, kk, en): what an officer reads."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.two_factor import SignInClient

from .factories import register

pytestmark = pytest.mark.django_db


def _as(user, language):
    client = SignInClient()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize(
    "language, section, verb",
    [("ru", "Учёт", "Записать"), ("kk", "Есепке алу", "Жазу"), ("en", "Record", None)],
)
def test_the_claims_record_section_is_named_as_a_noun(officer, language, section, verb):
    """The section with the answer and closing dates and who registered the claim was
    titled with the disclosures' button verb ("Записать", "Жазу"): one msgid, two
    meanings, and Django's merged catalogues let the other app's win."""
    claim = register(actor=officer)
    page = _as(officer, language).get(reverse("admin:claims_claim_change", args=[claim.pk]))
    html = page.content.decode()
    assert f">{section}</h2>" in html
    if verb:
        assert f">{verb}</h2>" not in html


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "Only the claims of customer #{id} ({name}) are listed"),
        ("ru", "В списке только претензии покупателя №{id} ({name})"),
        ("kk", "Тізімде тек №{id} сатып алушының ({name}) шағымдары"),
    ],
)
def test_the_list_of_one_customers_claims_says_whose_they_are(officer, language, expected):
    """The customer page's "All claims of this customer" opened the register with nothing
    saying it was filtered, under the whole register's figures."""
    from tests.factories import CustomerFactory

    customer = CustomerFactory(first_name="Бауыржан", last_name="Оспанов")
    mine = register(actor=officer, customer=customer)
    other = register(actor=officer)
    client = _as(officer, language)
    url = reverse("admin:claims_claim_changelist")
    html = client.get(f"{url}?customer__id__exact={customer.pk}").content.decode()
    assert expected.format(id=customer.pk, name="Бауыржан Оспанов") in html
    assert mine.reference in html and other.reference not in html
    assert reverse("admin:accounts_customer_change", args=[customer.pk]) in html
    unfiltered = client.get(url).content.decode()
    assert expected.split(" {")[0].split("№")[0] not in unfiltered


def test_the_kazakh_code_page_names_the_customer_not_the_code(officer):
    """It read "Код №58 клиенттің…" ("code No. 58"): the number is the customer's."""
    from claims.models import ClaimCategory
    from tests.factories import CustomerFactory

    customer = CustomerFactory(preferred_language="kk")
    claim = register(
        actor=officer,
        customer=customer,
        category=ClaimCategory.objects.get(code="dsr-rectification"),
    )
    url = reverse("admin:claims_claim_identity_code_send", args=[claim.pk])
    html = _as(officer, "kk").get(url).content.decode()
    assert f"Код клиенттің (№{customer.pk}) есептік жазбасындағы электрондық поштаға" in html
    assert f"Код №{customer.pk}" not in html


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "This request is answered without personal data: the answer must hold"),
        ("ru", "На этот запрос отвечают без персональных данных"),
        ("kk", "Бұл сұрауға дербес деректерсіз жауап беріледі"),
    ],
)
def test_an_answer_without_the_no_personal_data_reason_is_flagged_before_sending(
    officer, language, expected
):
    """User review: the officer drafted, a second officer approved, and only the send was
    refused ("put the reason in it"): then the approval had to be done again."""
    from claims.models import ClaimCategory
    from homeshop_privacy import roles
    from tests.factories import CustomerFactory, StaffFactory

    reason = "Не удалось подтвердить, что запрос подал владелец учётной записи."
    claim = register(
        actor=officer,
        customer=CustomerFactory(),
        category=ClaimCategory.objects.get(code="dsr-access"),
    )
    client = _as(officer, language)
    base = f"/admin/claims/claim/{claim.pk}"
    client.post(f"{base}/identity/no-personal-data/", {"reason": reason})

    saved = client.post(
        f"{base}/step/answer/", {"language": "ru", "body": "Ответ без причины."}, follow=True
    )
    page = saved.content.decode()
    assert expected in page and reason in page
    approver = _as(StaffFactory(role=roles.COMPLIANCE_OFFICER), language)
    assert expected in approver.get(f"{base}/step/approve/").content.decode()

    saved = client.post(
        f"{base}/step/answer/", {"language": "ru", "body": f"Ответ.\n\n{reason}"}, follow=True
    )
    assert expected not in saved.content.decode()
    assert expected not in approver.get(f"{base}/step/approve/").content.decode()
