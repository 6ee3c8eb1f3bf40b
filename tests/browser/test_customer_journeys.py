"""Customer journeys in a real browser (issue 13): the account pages as a customer uses
them, on a desktop and a phone, checked by axe-core."""

import json

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Customer
from claims.models import Claim
from consents.selectors import consent_is_granted
from homeshop_privacy import outbox
from homeshop_privacy.models import OutboundMessage
from tests.accounts.factories import SignedUpCustomerFactory
from tests.claims.factories import ClaimCategoryFactory
from tests.consents.factories import grant
from tests.factories import OrderFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def aigerim(db):
    customer = SignedUpCustomerFactory(
        first_name="Айгерим", last_name="Сейткалиева", phone="+77011234567"
    )
    grant(customer, "4.2.6")
    OrderFactory(customer=customer, number="HS-204518")
    return customer


def sign_in(page, site, customer):
    page.goto(f"{site}/account/login/")
    page.get_by_label("Адрес электронной почты").fill(customer.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{site}/account/")


def test_customer_account_journey(page, site, aigerim, shots, axe_check, tmp_path):
    ClaimCategoryFactory(code="refund", name="Возврат денег", name_kk="Ақшаны қайтару")

    page.goto(f"{site}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check("landing")
    shots("landing")

    sign_in(page, site, aigerim)
    axe_check("account")
    shots("account")

    # 5.1.2: a wrong phone is refused with a message, a right one saved.
    page.get_by_role("link", name="Изменить").first.click()
    page.get_by_label("Телефон").fill("12345")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".errorlist")).to_be_visible()
    axe_check("edit, refused")
    shots("phone refused")
    aigerim.refresh_from_db()
    assert aigerim.phone == "+77011234567"

    page.get_by_label("Телефон").fill("8 702 555 44 33")
    page.get_by_role("button", name="Сохранить").click()
    expect(page).to_have_url(f"{site}/account/")
    aigerim.refresh_from_db()
    assert aigerim.phone == "+77025554433"
    shots("phone saved")

    # 4.2.6: the promotions consent withdrawn from the account page.
    promotions = page.locator("li", has=page.locator("input[name=purpose][value='4.2.6']"))
    promotions.get_by_role("button", name="Отозвать").click()
    expect(page.locator(".messages")).to_be_visible()
    assert not consent_is_granted(customer_id=aigerim.pk, purpose_code="4.2.6")
    shots("promotions withdrawn")

    # 5.2.1: the JSON download holds the corrected phone.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Скачать").first.click()
    data = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    assert "+77025554433" in json.dumps(data, ensure_ascii=False)

    # 6.1: a claim filed with a document.
    evidence = tmp_path / "chek.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.goto(f"{site}/claims/new/")
    axe_check("claim form")
    kinds = page.get_by_label("О чём претензия?")
    # Each kind names its own term since the data-subject requests (working days).
    refund = kinds.locator("option", has_text="Возврат денег").text_content().strip()
    assert refund.startswith("Возврат денег (") and "дн" in refund, refund
    kinds.select_option(label=refund)
    page.get_by_label("Тема").fill("Возврат за неисправный чайник")
    page.get_by_label("Ваша претензия").fill("Чайник не включается, прошу вернуть деньги.")
    page.get_by_label("Документы").set_input_files(str(evidence))
    shots("claim form")
    page.get_by_role("button", name="Отправить претензию").click()
    claim = Claim.objects.get(customer=aigerim)
    assert claim.subject == "Возврат за неисправный чайник"
    assert claim.attachments.count() == 1
    expect(page.get_by_text(claim.reference).first).to_be_visible()
    axe_check("claim page")
    shots("claim filed")

    # The pages in Kazakh, by the switcher in the header.
    page.get_by_role("button", name="KK").click()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    page.goto(f"{site}/account/")
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Мои данные")
    axe_check("account in Kazakh")
    shots("account kk")


def test_unsubscribe_link_from_a_sent_email(page, site, aigerim, shots, axe_check):
    from consents.services import promotion_email_enqueue

    message = promotion_email_enqueue(
        customer=aigerim,
        campaign="black-friday-2026",
        subject="Скидки недели",
        body_text="Скидки до 30 % на бытовую технику.",
    )
    outbox.message_send(message_id=message.pk)
    assert OutboundMessage.objects.get(pk=message.pk).status == OutboundMessage.Status.SENT
    (email,) = mail.outbox
    link = next(word for word in email.body.split() if "/unsubscribe/" in word)
    assert link.startswith(site)

    page.goto(link)
    axe_check("unsubscribe question")
    shots("unsubscribe question")
    page.get_by_role("button").filter(has_text="Отписаться").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check("unsubscribed")
    shots("unsubscribed")
    assert not consent_is_granted(customer_id=aigerim.pk, purpose_code="4.2.6")
    assert Customer.objects.filter(pk=aigerim.pk).exists()


def test_customer_without_a_password_signs_in_by_emailed_link(page, site, shots, axe_check):
    from tests.factories import CustomerFactory

    recorded = CustomerFactory(
        first_name="Асель", last_name="Нурланова", email="asel.checkout@example.kz"
    )

    page.goto(f"{site}/")
    page.get_by_role("link", name="Прочитать политику конфиденциальности").click()
    expect(page.get_by_role("navigation")).to_contain_text("Содержание")
    axe_check("privacy policy")
    shots("privacy policy")

    page.goto(f"{site}/")
    page.locator("main .actions a.button").first.click()
    page.get_by_role("link", name="Прислать ссылку для входа (без пароля)").click()
    axe_check("sign-in link request")
    shots("sign-in link request")
    page.get_by_label("Адрес электронной почты").fill("asel.checkout@example.kz")
    page.get_by_role("button", name="Прислать ссылку для входа").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Проверьте почту")
    shots("sign-in link sent")

    (row,) = OutboundMessage.objects.filter(reason="accounts.sign_in_link")
    outbox.message_send(message_id=row.pk)
    (email,) = mail.outbox
    link = next(word for word in email.body.split() if "/account/sign-in/" in word)
    assert link.startswith(site)

    page.goto(link)
    expect(page).to_have_url(f"{site}/account/sign-in/continue/")
    axe_check("sign-in link page")
    shots("sign-in link opened")
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{site}/account/")
    expect(page.locator(".messages")).to_contain_text("Вы вошли")
    recorded.refresh_from_db()
    assert recorded.user is not None and not recorded.user.has_usable_password()
    shots("signed in by link")

    # Used once: the same link no longer signs anyone in.
    page.context.clear_cookies()
    page.goto(link)
    expect(page.locator(".error")).to_be_visible()
    shots("link spent")
