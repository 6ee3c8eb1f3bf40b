from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from claims.models import Claim, ClaimAttachment
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from tests.factories import AddressFactory, CustomerFactory

from .factories import ClaimCategoryFactory, almaty, register

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
def test_registered_claim_stores_its_due_date_and_why_it_moved(officer):
    # Received Thu 1 Oct 2026: day 30 = Sat 31 Oct, so the answer is due Mon 2 Nov.
    claim = register(actor=officer, received_at=almaty(2026, 10, 1, 12, 0))
    claim.refresh_from_db()
    assert claim.received_on == date(2026, 10, 1)
    assert claim.due_on == date(2026, 11, 2)
    assert [item["day"] for item in claim.due_moved_because] == ["2026-10-31", "2026-11-01"]
    assert claim.status == Claim.Status.RECEIVED
    assert claim.reference.startswith("PR-2610-")
    assert claim.history.first().history_user == officer


@pytest.mark.django_db
def test_category_with_a_ten_day_term_sets_the_due_date():
    # Received Mon 2 Nov 2026, 10-day consumer-protection term: day 10 = Thu 12 Nov.
    category = ClaimCategoryFactory(code="consumer", term_days=10)
    claim = register(category=category, received_at=almaty(2026, 11, 2, 10, 0))
    assert claim.due_on == date(2026, 11, 12)


@pytest.mark.django_db
def test_claimant_is_acknowledged_with_reference_and_due_date(deliver):
    claim = register(received_at=almaty(2026, 10, 1, 12, 0), claimant_email="aset@example.kz")
    sent = deliver()
    assert [m.to for m in sent] == [["aset@example.kz"]]
    assert claim.reference in sent[0].subject
    assert claim.reference in sent[0].body
    assert "2 ноября 2026" in sent[0].body
    # The reason the date moved from the 30th day is given.
    assert "31 октября — суббота" in sent[0].body


@pytest.mark.django_db
def test_acknowledgement_is_in_the_claimants_language(deliver):
    register(claimant_language="kk", received_at=almaty(2026, 11, 2, 10, 0))
    (message,) = deliver()
    assert "шағымыңыз" in message.subject
    # Kazakh dates as on the Kazakh pages (d.m.Y), never a capital month mid-sentence.
    assert "02.12.2026" in message.body
    assert "Желтоқсан" not in message.body and "Қараша" not in message.body


@pytest.mark.django_db
def test_registering_twice_the_same_claim_acknowledges_each_once():
    first = register()
    second = register()
    assert first.reference != second.reference
    assert OutboundMessage.objects.filter(reason="claims.acknowledgement").count() == 2


@pytest.mark.django_db
def test_customer_claimant_contact_is_copied_from_the_customer():
    customer = CustomerFactory(email="olga@example.kz", preferred_language="en")
    AddressFactory(customer=customer, city="Астана", street="ул. Кенесары, 5", is_default=True)
    claim = register(customer=customer)
    assert claim.claimant_email == "olga@example.kz"
    assert claim.claimant_language == "en"
    assert "Астана" in claim.claimant_address


@pytest.mark.django_db
def test_claim_received_in_the_future_is_refused():
    with pytest.raises(DomainError):
        register(received_at=timezone.now() + timedelta(days=1))
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_claim_with_no_address_for_the_answer_is_refused():
    with pytest.raises(DomainError):
        register(claimant_email="", claimant_address="")


@pytest.mark.django_db
def test_pdf_attachment_is_kept_in_private_storage(settings, officer):
    upload = SimpleUploadedFile("чек.pdf", PDF, content_type="application/pdf")
    claim = register(actor=officer, attachments=[upload])
    (attachment,) = claim.attachments.all()
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "чек.pdf"
    path = attachment.file.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with open(path, "rb") as stored:
        assert stored.read() == PDF


@pytest.mark.django_db
def test_attachment_over_the_size_limit_is_refused(settings):
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")
    with pytest.raises(DomainError) as error:
        register(attachments=[big])
    assert "больше 10 МБ" in str(error.value)
    assert Claim.objects.count() == 0
    assert ClaimAttachment.objects.count() == 0


@pytest.mark.django_db
def test_attachment_of_a_wrong_type_is_refused_whatever_its_name():
    exe = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 program", content_type="application/pdf")
    with pytest.raises(DomainError) as error:
        register(attachments=[exe])
    assert "invoice.pdf" in str(error.value)
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_acknowledgement_names_the_categorys_own_term(deliver):
    # A 10-day category: the claimant is not told "30 days" (6.2 is the longest term).
    category = ClaimCategoryFactory(code="consumer-ack", term_days=10)
    register(category=category, received_at=almaty(2026, 11, 2, 10, 0))
    (message,) = deliver()
    assert "12 ноября 2026" in message.body
    assert "10 календарных дней" in message.body
    assert "30 календарных" not in message.body


@pytest.mark.django_db
def test_acknowledgement_in_kazakh_names_the_term(deliver):
    register(claimant_language="kk", received_at=almaty(2026, 11, 2, 10, 0))
    (message,) = deliver()
    assert "30 күнтізбелік күн" in message.body
