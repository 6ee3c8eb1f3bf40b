"""Issue 9 §4 for claims: no orphan file after a refusal or a failed send, caps per claim,
download names that are ours."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from claims import services
from claims.models import Claim, ClaimAnswer, ClaimAttachment
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from tests.factories import CustomerFactory, UserFactory

from .factories import almaty, register
from .test_claim_register import PDF

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def stored(settings) -> list[str]:
    """Every file under the private storage, as a path relative to it."""
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def pdf(name="скан.pdf", size=0):
    padding = b"0" * max(size - len(PDF), 0)
    return SimpleUploadedFile(name, PDF[:-6] + padding + PDF[-6:], "application/pdf")


def png(name="фото.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def evil(name="evil.pdf"):
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", "application/pdf")


# --- no orphan files -------------------------------------------------------------------------


def test_a_valid_and_an_invalid_attachment_are_refused_and_no_file_stays(settings):
    with pytest.raises(DomainError):
        register(attachments=[pdf(), evil()])
    assert not Claim.objects.exists()
    assert stored(settings) == []


def test_customer_page_refusal_leaves_no_file(client, settings):
    user = UserFactory()
    CustomerFactory(user=user)
    client.force_login(user)
    from .factories import ClaimCategoryFactory

    response = client.post(
        reverse("claims:new"),
        {
            "category": ClaimCategoryFactory().pk,
            "subject": "Возврат",
            "text": "Прошу вернуть деньги.",
            "attachments": [pdf(), evil("b.pdf")],
        },
    )
    assert response.status_code == 200
    assert not Claim.objects.exists()
    assert stored(settings) == []


def test_a_registration_failing_after_the_files_were_written_removes_them(settings, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(services, "template_message_enqueue", broken)
    with pytest.raises(RuntimeError):
        register(attachments=[pdf(), png()])
    assert not ClaimAttachment.objects.exists()
    assert stored(settings) == []


def test_admin_change_form_refusal_removes_the_files_it_wrote(client, settings, officer):
    claim = register(assignee=officer)
    client.force_login(officer)
    response = client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        {
            "category": claim.category_id,
            "assignee": officer.pk,
            "internal_notes": "",
            "new_attachments": [pdf("a.pdf"), pdf("b.pdf"), evil("c.pdf")],
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
            "deadline_changes-TOTAL_FORMS": "0",
            "deadline_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "c.pdf" in str(response.context["adminform"].form.errors)
    assert not ClaimAttachment.objects.exists()
    assert stored(settings) == []


def test_a_failed_send_leaves_no_pdf(settings, officer, monkeypatch):
    from .factories import approved_and_sent

    claim = register(assignee=officer)

    def broken(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(services, "template_message_enqueue", broken)
    with pytest.raises(RuntimeError):
        approved_and_sent(claim, author=officer, body="Деньги возвращены.")
    answer = ClaimAnswer.objects.get()
    assert (answer.status, bool(answer.pdf)) == ("approved", False)
    assert not OutboundMessage.objects.filter(reason="claims.answer").exists()
    assert stored(settings) == []


# --- caps -------------------------------------------------------------------------------------


def test_at_most_five_files_per_claim(settings):
    with pytest.raises(DomainError) as refusal:
        register(attachments=[pdf(f"{i}.pdf") for i in range(6)])
    assert "5" in str(refusal.value)
    assert not Claim.objects.exists()
    assert stored(settings) == []


def test_at_most_twenty_megabytes_per_claim(settings):
    with pytest.raises(DomainError) as refusal:
        register(attachments=[pdf(f"{i}.pdf", size=7 * MB) for i in range(3)])
    assert "20 МБ" in str(refusal.value)
    assert not Claim.objects.exists()
    assert stored(settings) == []


def test_the_caps_count_the_files_the_claim_already_has(settings, officer):
    claim = register(attachments=[pdf(f"{i}.pdf") for i in range(5)])
    with pytest.raises(DomainError):
        services.claim_attachments_add(claim=claim, uploads=[pdf("6.pdf")], actor=officer)
    big = register(attachments=[pdf("big.pdf", size=9 * MB), pdf("big2.pdf", size=9 * MB)])
    with pytest.raises(DomainError):
        services.claim_attachments_add(claim=big, uploads=[pdf(size=3 * MB)], actor=officer)
    assert ClaimAttachment.objects.count() == 7
    assert len(stored(settings)) == 7


def test_customer_page_says_how_many_files_at_most(client, settings):
    user = UserFactory()
    CustomerFactory(user=user, preferred_language="ru")
    client.force_login(user)
    from .factories import ClaimCategoryFactory

    response = client.post(
        reverse("claims:new"),
        {
            "category": ClaimCategoryFactory().pk,
            "subject": "Возврат",
            "text": "Прошу вернуть деньги.",
            "attachments": [pdf(f"{i}.pdf") for i in range(6)],
        },
    )
    assert response.status_code == 200
    assert "Не более 5 файлов" in response.content.decode()
    assert stored(settings) == []


def test_a_png_that_is_really_html_is_refused(settings):
    fake = SimpleUploadedFile(
        "x.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "image/png"
    )
    with pytest.raises(DomainError):
        register(attachments=[fake])
    assert stored(settings) == []


# --- download names ---------------------------------------------------------------------------


def test_attachment_download_is_named_after_the_claim_not_the_uploader(client, officer):
    claim = register(
        received_at=almaty(2026, 11, 2, 10, 0),
        attachments=[png('"; evil=.html\r\nX-Injected: 1 .png')],
    )
    attachment = claim.attachments.get()
    client.force_login(officer)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{claim.reference}-{attachment.pk}.png"'
    )
