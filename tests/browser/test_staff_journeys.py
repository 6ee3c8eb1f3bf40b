"""Staff journeys in a real browser (issue 13): the admin as a compliance officer uses it,
signing in with the second factor (TOTP)."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from claims.models import Claim, ClaimAnswer
from consents.models import Purpose
from disclosures.models import Disclosure, Recipient
from homeshop_privacy import outbox, roles
from homeshop_privacy.models import OutboundMessage
from tests.claims.factories import ClaimCategoryFactory
from tests.disclosures.factories import RecipientFactory
from tests.factories import CustomerFactory, OrderFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def totp_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


def officer_with_authenticator(name: str):
    officer = StaffFactory(role=roles.COMPLIANCE_OFFICER, full_name=name, language="en")
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    return officer, device


def staff_sign_in(page, site, officer, device, shots=None):
    """Password, then the authenticator's code, as a person signs in (issue 8 item 7)."""
    page.goto(f"{site}/admin/")
    page.locator("#id_username").fill(officer.email)
    page.locator("#id_password").fill(PASSWORD)
    if shots:
        shots("admin sign-in")
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/two-factor/"))
    page.locator("#id_token").fill(totp_code(device))
    if shots:
        shots("second factor")
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(f"{site}/admin/")


@pytest.fixture
def world(db):
    customer = CustomerFactory(first_name="Нурлан", last_name="Жумабеков", preferred_language="ru")
    order = OrderFactory(customer=customer, number="HS-310077")
    courier = RecipientFactory(kind=Recipient.Kind.COURIER, legal_name="ТОО «Быстрая доставка»")
    analytics = RecipientFactory(kind=Recipient.Kind.ANALYTICS, legal_name="ТОО «Метрика»")
    category = ClaimCategoryFactory(code="refund", name="Возврат денег")
    return {
        "customer": customer,
        "order": order,
        "courier": courier,
        "analytics": analytics,
        "category": category,
    }


def test_officer_disclosure_and_claim_journey(page, browser, site, world, shots):
    author, author_device = officer_with_authenticator("Алия Officer")
    customer = world["customer"]

    staff_sign_in(page, site, author, author_device, shots)
    shots("admin index")

    # The customer's page.
    page.goto(f"{site}/admin/accounts/customer/?q=Жумабеков")
    page.locator("#result_list tbody tr").first.locator("th a, td a").first.click()
    expect(page).to_have_url(re.compile(rf"/admin/accounts/customer/{customer.pk}/change/"))
    shots("customer")

    # 1.3, 5.4.2: a disclosure to an analytics firm "for the order" is refused citing the
    # clause; the same order to the courier is recorded.
    page.goto(f"{site}/admin/disclosures/disclosure/add/")
    form = page.locator("#disclosure_form")
    form.locator("select[name=recipient]").select_option(str(world["analytics"].pk))
    form.locator("select[name=basis]").select_option("5.4.2")
    form.locator("select[name=purpose]").select_option(str(Purpose.objects.get(code="4.2.3").pk))
    form.locator("input[name=categories][value=address]").check()
    form.locator("input[name=disclosed_at_0]").fill(timezone.localdate().isoformat())
    form.locator("input[name=disclosed_at_1]").fill("10:00")
    # The order is picked by its number in the admin's autocomplete (issue 13), as an officer would.
    form.locator("select[name=order] + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("HS-310077")
    page.locator(".select2-results__option", has_text="HS-310077").first.click()
    expect(form.locator("select[name=order]")).to_have_value(str(world["order"].pk))
    form.locator("[type=submit][name=_save]").click()
    expect(page.locator(".errorlist").first).to_contain_text("5.4.2")
    shots("disclosure refused")
    assert not Disclosure.objects.exists()

    form.locator("select[name=recipient]").select_option(str(world["courier"].pk))
    form.locator("[type=submit][name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    shots("disclosure recorded")
    disclosure = Disclosure.objects.get()
    assert disclosure.recipient == world["courier"]
    assert disclosure.lines.get().order == world["order"]

    # 6.1: a claim registered from a letter, for the customer.
    page.goto(f"{site}/admin/claims/claim/add/")
    form = page.locator("#claim_form")
    form.locator("select[name=category]").select_option(str(world["category"].pk))
    form.locator("input[name=received_at_0]").fill(timezone.localdate().isoformat())
    form.locator("input[name=received_at_1]").fill("09:30")
    form.locator("select[name=channel]").select_option("email")
    form.locator("input[name=customer]").fill(str(customer.pk))
    form.locator("input[name=subject]").fill("Не пришёл возврат")
    form.locator("textarea[name=text]").fill("Деньги за заказ HS-310077 не вернулись.")
    shots("claim form")
    form.locator("[type=submit][name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    claim = Claim.objects.get()
    assert claim.customer == customer

    # 6.2: the answer drafted by one officer, approved by another, sent, and its PDF.
    page.goto(f"{site}/admin/claims/claim/{claim.pk}/change/")
    shots("claim")
    page.goto(f"{site}/admin/claims/claim/{claim.pk}/step/answer/")
    body = page.locator("textarea[name=body]")
    text = re.sub(r"\{[a-z_]+\}", "", body.input_value()) or "Деньги возвращены."
    body.fill(text + "\n\nДеньги возвращены на карту 27.11.2026.")
    page.locator("#content-main [type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    shots("answer drafted")

    approver, approver_device = officer_with_authenticator("Данияр Approver")
    second = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    other = second.new_page()
    staff_sign_in(other, site, approver, approver_device)
    other.goto(f"{site}/admin/claims/claim/{claim.pk}/step/approve/")
    other.locator("#content-main [type=submit]").click()
    expect(other.locator(".messagelist .success")).to_be_visible()
    second.close()
    assert ClaimAnswer.objects.get(claim=claim).status == ClaimAnswer.Status.APPROVED

    page.goto(f"{site}/admin/claims/claim/{claim.pk}/step/send/")
    shots("send")
    page.locator("#content-main [type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    shots("answer sent")
    answer = ClaimAnswer.objects.get(claim=claim)
    assert answer.status == ClaimAnswer.Status.SENT
    pdf = page.request.get(f"{site}{answer.get_absolute_url()}")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # The claimant's email carries the letter itself (6.2), as the outbox sends it.
    row = OutboundMessage.objects.get(reason="claims.answer", recipient=customer.email)
    outbox.message_send(message_id=row.pk)
    (sent,) = [m for m in mail.outbox if m.to == [customer.email] and m.attachments]
    ((filename, content, mimetype),) = sent.attachments
    assert (filename, mimetype) == (f"{claim.reference}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")


def test_officer_records_a_breach_and_starts_the_notification(page, site, shots):
    """5.4.4: a breach recorded with its affected customers, then every one of them told
    once. (Today's incident page; the breach issue rebuilds it.)"""
    from disclosures.models import BreachIncident, BreachNotice
    from disclosures.services import breach_notify_customers

    officer, device = officer_with_authenticator("Алия Officer")
    affected = [
        CustomerFactory(email="aigerim.breach@example.kz", preferred_language="kk"),
        CustomerFactory(email="nurlan.breach@example.kz", preferred_language="ru"),
    ]
    staff_sign_in(page, site, officer, device)

    page.goto(f"{site}/admin/disclosures/breachincident/add/")
    form = page.locator("#breachincident_form")
    form.locator("input[name=reference]").fill("BR-2026-014")
    form.locator("input[name=title]").fill("Потерян манифест курьера")
    form.locator("textarea[name=description]").fill("Курьер потерял распечатку манифеста.")
    form.locator("input[name=discovered_at_0]").fill(timezone.localdate().isoformat())
    form.locator("input[name=discovered_at_1]").fill("08:15")
    form.locator("input[name=categories][value=identity]").check()
    form.locator("input[name=categories][value=address]").check()
    form.locator("textarea[name=notice_ru]").fill("Курьер потерял лист с вашим именем и адресом.")
    form.locator("textarea[name=notice_kk]").fill(
        "Курьер атыңыз бен мекенжайыңыз бар парақты жоғалтты."
    )
    form.locator("textarea[name=add_emails]").fill("\n".join(c.email for c in affected))
    shots("breach form")
    form.locator("[type=submit][name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    incident = BreachIncident.objects.get(reference="BR-2026-014")

    # The notification is started from the list, as the action is offered there.
    page.goto(f"{site}/admin/disclosures/breachincident/")
    page.locator(f"#result_list input[name=_selected_action][value='{incident.pk}']").check()
    page.locator("select[name=action]").select_option("start_notification")
    shots("breach action")
    page.locator("#changelist-form [name=index]").click()
    expect(page.locator(".messagelist li").first).to_be_visible()
    shots("notification started")

    incident.refresh_from_db()
    assert incident.notification_started_at is not None
    # What the worker's chunk task does with the affected customers (no worker runs
    # beside the live server): each is told once, notice and email written together.
    told = breach_notify_customers(incident=incident, customer_ids=[c.pk for c in affected])
    assert told == 2
    notices = BreachNotice.objects.filter(incident=incident)
    assert sorted(n.customer.email for n in notices) == sorted(c.email for c in affected)

    page.goto(f"{site}/admin/disclosures/breachincident/{incident.pk}/change/")
    # customers affected / told / email sent
    expect(page.locator(".field-progress")).to_contain_text("2 / 2 /")
    shots("incident after notifying")


def test_the_claim_steps_never_cover_the_claims_reference(page, site, shots):
    """User review: a data-subject request offers up to eight steps; in Django's floated
    row they wrapped onto a second row over the claim's reference (1280 px). They sit
    under it, on a desktop and on a phone."""
    from claims.models import ClaimCategory
    from tests.claims.factories import register

    officer, device = officer_with_authenticator("Жанар Оспанова")
    customer = CustomerFactory(preferred_language="ru")
    claim = register(
        category=ClaimCategory.objects.get(code="dsr-rectification"),
        customer=customer,
        actor=officer,
    )
    staff_sign_in(page, site, officer, device)
    page.goto(f"{site}/admin/claims/claim/{claim.pk}/change/")
    assert page.locator(".object-tools li").count() >= 7
    for size in ({"width": 1280, "height": 800}, {"width": 390, "height": 844}):
        page.set_viewport_size(size)
        reference = page.locator("#content h2").first.bounding_box()
        steps = page.locator(".object-tools").bounding_box()
        assert page.locator("#content h2").first.inner_text() == claim.reference
        assert steps["y"] >= reference["y"] + reference["height"], size
    shots("claim steps under the reference")
