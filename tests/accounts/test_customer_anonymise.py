"""4.1, issue 11: a customer anonymised is found nowhere in the database, history included;
nor is a claimant without a customer account once the retention rule
``claims_without_account`` has anonymised their closed claim.

The scan reads every text, varchar and JSON column of every table of the database (the
project's, Django's, the history tables) from ``information_schema`` and looks for the
customer's and the claimant's name, email, phone and street.
"""

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Customer, EmailChangeRequest, Order
from claims import services as claim_services
from claims.models import Claim, ClaimAnswer, ClaimAttachment
from disclosures import services as disclosure_services
from disclosures.models import Disclosure, Recipient
from disclosures.services import LineInput
from homeshop_privacy import outbox, retention, roles
from homeshop_privacy.access_log import access_record
from homeshop_privacy.history import save_tracked
from homeshop_privacy.ledger import ledger_verify
from homeshop_privacy.models import OutboundMessage, PersonalDataAccess
from homeshop_privacy.private_files import private_storage
from tests.accounts.factories import DeviceFactory, SignedUpCustomerFactory
from tests.claims.factories import approved_and_sent, register
from tests.consents.factories import grant, withdraw
from tests.disclosures.factories import RecipientFactory, WrittenPermissionFactory
from tests.factories import AddressFactory, OrderFactory, StaffFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

FIRST, LAST = "Жанаргүл", "Скановтаева"
EMAIL = "zhanargul.scan@example.kz"
OLD_EMAIL = "zh.scan.old@example.kz"
PHONE = "+77019876543"
STREET = "ул. Сканерная, 17"
PDF = b"%PDF-1.4\n% invented test document\n%%EOF\n"

# A claimant who wrote a letter and has no customer account.
CLAIMANT, CLAIMANT_EMAIL = "Бибигүл Письмоносова", "bibigul.letter@example.kz"
CLAIMANT_PHONE, CLAIMANT_STREET = "+77017770077", "ул. Почтовая, 3"

TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")


def scan(needles: list[str]) -> tuple[int, int, list[tuple[str, str, str]]]:
    """(tables scanned, columns scanned, [(table, column, needle) found])."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
            "AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' "
            "WHERE c.table_schema = current_schema() AND c.data_type = ANY(%s) "
            "ORDER BY 1, 2",
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        found = []
        for table, column in columns:
            for needle in needles:
                cursor.execute(
                    f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1',
                    [f"%{needle}%"],
                )
                if cursor.fetchone():
                    found.append((table, column, needle))
    return len({t for t, _c in columns}), len(columns), found


def a_customer_in_every_app(officer):
    customer = SignedUpCustomerFactory(
        first_name=FIRST, last_name=LAST, email=OLD_EMAIL, phone="+77010000001"
    )
    user = customer.user
    user.full_name = f"{FIRST} {LAST}"
    user.email = OLD_EMAIL
    save_tracked(user, actor=user, reason="sample")
    # History: an older email and phone, then the current ones.
    customer.email, customer.phone = EMAIL, PHONE
    save_tracked(customer, actor=user, reason="contact details changed")
    user.email = EMAIL
    save_tracked(user, actor=user, reason="contact details changed")
    EmailChangeRequest.objects.create(customer=customer, old_email=OLD_EMAIL, new_email=EMAIL)
    address = AddressFactory(customer=customer, street=STREET, city="Алматы")
    order = OrderFactory(customer=customer, delivery_address=address)
    DeviceFactory(customer=customer)
    account_services.account_closure_request(
        customer=customer, actor=user, comment=f"{FIRST} просит закрыть, {STREET}"
    )
    grant(customer, ip_address="203.0.113.7", user_agent=f"{FIRST}-browser", note=LAST)
    withdraw(customer, ip_address="203.0.113.7", user_agent="Firefox")
    claim = register(
        actor=officer,
        customer=customer,
        order=order,
        text=f"Я, {FIRST} {LAST}, {STREET}, тел. {PHONE}",
        internal_notes=f"звонили {PHONE}",
        attachments=[SimpleUploadedFile("скан.pdf", PDF, "application/pdf")],
    )
    approved_and_sent(claim, author=officer, body=f"Уважаемая {FIRST} {LAST}! Ответ на {STREET}.")
    courier = RecipientFactory(kind=Recipient.Kind.COURIER)
    WrittenPermissionFactory(
        customer=customer,
        recipient=courier,
        recorded_by=officer,
        document_reference=f"{LAST}-1",
        scan=SimpleUploadedFile("permission.pdf", PDF, "application/pdf"),
    )
    disclosure_services.disclosure_record(
        actor=officer,
        recipient=courier,
        basis=Disclosure.Basis.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "address"],
        disclosed_at=timezone.now() - dt.timedelta(hours=1),
        lines=[LineInput(order.number)],
    )
    breach = disclosure_services.breach_record(
        actor=officer,
        reference="BR-SCAN-1",
        title="Lost courier manifest",
        description="A printed manifest was lost.",
        discovered_at=timezone.now() - dt.timedelta(hours=2),
        categories=["identity", "contact"],
        notice_ru="Курьер утерял бумажный список доставок с вашими данными.",
    )
    disclosure_services.breach_add_affected(incident=breach, customer_ids=[customer.pk])
    disclosure_services.breach_notify_customers(incident=breach, customer_ids=[customer.pk])
    outbox.message_enqueue(
        reason="test",
        key=f"accounts.customer:{customer.pk}:test",
        recipient=EMAIL,
        subject=f"{FIRST}, здравствуйте",
        body_text=f"{FIRST} {LAST}, {STREET}, {PHONE}",
    )
    access_record(user=officer, obj=customer, action=PersonalDataAccess.Action.VIEW)
    LogEntry.objects.log_actions(
        user_id=officer.pk,
        queryset=Customer.objects.filter(pk=customer.pk),
        action_flag=CHANGE,
        change_message=[{"changed": {"fields": ["phone"]}}],
        single_object=True,
    )
    return customer


def a_closed_claim_without_an_account(officer) -> Claim:
    claim = register(
        actor=officer,
        claimant_name=CLAIMANT,
        claimant_email=CLAIMANT_EMAIL,
        claimant_phone=CLAIMANT_PHONE,
        claimant_address=CLAIMANT_STREET,
        text=f"Я, {CLAIMANT}, {CLAIMANT_STREET}, тел. {CLAIMANT_PHONE}",
        internal_notes=f"звонили {CLAIMANT_PHONE}",
        attachments=[SimpleUploadedFile("письмо.pdf", PDF, "application/pdf")],
    )
    claim_services.claim_extend(claim=claim, actor=officer, days=5, reason=f"{CLAIMANT}: чек")
    approved_and_sent(claim, author=officer, body=f"Уважаемая {CLAIMANT}! {CLAIMANT_STREET}.")
    return claim_services.claim_close(claim=claim, actor=officer, outcome=Claim.Outcome.REJECTED)


def test_an_anonymised_customer_is_found_in_no_column_of_any_table(
    django_capture_on_commit_callbacks, capsys
):
    officer = StaffFactory(role=roles.COMPLIANCE_OFFICER)
    with django_capture_on_commit_callbacks(execute=True):
        customer = a_customer_in_every_app(officer)
        letter = a_closed_claim_without_an_account(officer)
    needles = [FIRST, LAST, EMAIL, OLD_EMAIL, PHONE, STREET]
    needles += [CLAIMANT, CLAIMANT_EMAIL, CLAIMANT_PHONE, CLAIMANT_STREET]
    files = [a.file.name for a in ClaimAttachment.objects.filter(claim__customer=customer)]
    files += [ClaimAnswer.objects.get(claim__customer=customer).pdf.name]
    files += [a.file.name for a in ClaimAttachment.objects.filter(claim=letter)]
    files += [ClaimAnswer.objects.get(claim=letter).pdf.name]
    _t, _c, before = scan(needles)
    assert {needle for _t, _c, needle in before} == set(needles)  # the scan finds them

    with django_capture_on_commit_callbacks(execute=True):
        counts = account_services.customer_anonymise(
            customer=customer, actor=officer, reason="closure request 1"
        )
    # The claimant without an account is not the customer's: they stay until their rule.
    _t, _c, left = scan([CLAIMANT, CLAIMANT_EMAIL, CLAIMANT_PHONE, CLAIMANT_STREET])
    assert {needle for _t, _c, needle in left} == {
        CLAIMANT,
        CLAIMANT_EMAIL,
        CLAIMANT_PHONE,
        CLAIMANT_STREET,
    }
    with django_capture_on_commit_callbacks(execute=True):
        claim_counts = retention.process("claims_without_account").apply([letter.pk], "rule")
    assert claim_counts["records"] == 1

    tables, columns, found = scan(needles)
    with capsys.disabled():
        print(f"\nanonymisation scan: {tables} tables, {columns} text/JSON columns")
    assert found == []
    assert tables >= 60 and columns >= 300  # every table, history and Django's included
    assert counts["accounts.customer"] == 1
    # Orders keep their accounting facts (3.4) and lose the delivery address.
    order = Order.objects.get(customer=customer)
    assert order.number and order.seller_name and order.total and order.delivery_address is None
    assert not [name for name in files if private_storage().exists(name)]
    assert OutboundMessage.objects.filter(recipient__iexact=EMAIL).count() == 0
    assert OutboundMessage.objects.filter(recipient__iexact=CLAIMANT_EMAIL).count() == 0
    # The chains hold salted digests of the erased evidence: they still verify.
    assert ledger_verify().ok


def test_anonymising_twice_changes_nothing_more():
    customer = SignedUpCustomerFactory(first_name=FIRST, last_name=LAST)
    first = account_services.customer_anonymise(customer=customer, actor=None, reason="rule 1")
    assert first["accounts.customer"] == 1
    again = account_services.customer_anonymise(customer=customer, actor=None, reason="rule 1")
    assert again == {}
    customer.refresh_from_db()
    assert customer.first_name == "anonymised" and customer.phone == ""
    assert customer.email.endswith("@anonymised.invalid")
    assert not customer.user.is_active and not customer.user.has_usable_password()


def test_the_admin_log_loses_an_address_added_on_the_customer_page(client):
    """Django's admin log names each row added through an inline by its text (an address:
    city and street, stored JSON-escaped, so the scan above cannot read it): that text
    goes with the customer; which kinds of rows and fields changed stays."""
    officer = StaffFactory(role=roles.COMPLIANCE_OFFICER)
    customer = SignedUpCustomerFactory(first_name=FIRST, last_name=LAST)
    client.force_login(officer)
    url = f"/admin/accounts/customer/{customer.pk}/change/"
    page = client.get(url)
    data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "email": customer.email,
        "preferred_language": customer.preferred_language,
        "user": customer.user_id,
    }
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = "1" if prefix == "addresses" else "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(
        {
            "addresses-0-customer": customer.pk,
            "addresses-0-city": "Алматы",
            "addresses-0-street": STREET,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entries = LogEntry.objects.filter(object_id=str(customer.pk))
    assert any(STREET in entry.get_change_message() for entry in entries)  # Django names it

    account_services.customer_anonymise(customer=customer, actor=officer, reason="closure 2")

    entries = list(LogEntry.objects.filter(object_id=str(customer.pk)))
    assert entries
    for entry in entries:
        assert STREET not in entry.get_change_message() and STREET not in entry.object_repr
        assert STREET.encode("unicode_escape").decode() not in entry.change_message
    assert any('"added"' in entry.change_message for entry in entries)  # what was done stays


def test_the_staff_reminders_about_the_customers_claim_lose_the_customers_words(officer):
    """A reminder to staff quotes the claim's subject, where the customer may name
    themselves: anonymising the customer empties it too (found by the attack review; the
    claimant without an account had it, the customer did not). The row stays."""
    customer = SignedUpCustomerFactory(first_name=FIRST, last_name=LAST)
    claim = register(
        actor=officer,
        customer=customer,
        subject=f"Жалоба {FIRST} {LAST} на доставку",
        assignee=officer,
        received_at=timezone.now() - dt.timedelta(days=2),
    )
    assert claim_services.claim_reminders_send(claim_id=claim.pk, today=claim.due_on) == 1
    reminder = OutboundMessage.objects.get(reason=claim_services.REASON_REMINDER)
    assert reminder.recipient == officer.email and LAST in reminder.body_text

    counts = account_services.customer_anonymise(customer=customer, actor=None, reason="4.1")

    # the reminder and the acknowledgement to the customer (also erased as theirs)
    assert counts["homeshop_privacy.outboundmessage (quoting)"] == 2
    assert not OutboundMessage.objects.filter(body_text__contains=LAST).exists()
    reminder.refresh_from_db()
    assert (reminder.recipient, reminder.body_text) == (officer.email, "")
