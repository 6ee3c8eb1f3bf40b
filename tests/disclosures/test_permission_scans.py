"""Issue 9 §4: the scan of a written permission (5.3.2) gets the same content checks and
caps as a claim attachment, and is downloaded under the document's reference."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from disclosures import services
from disclosures.models import WrittenPermission
from homeshop_privacy.errors import DomainError
from tests.disclosures.factories import RecipientFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOSTILE = {
    "page.html": b"<!doctype html><html><script>alert(document.cookie)</script></html>",
    "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "setup.exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",
    # The same, named as a permitted type: the content decides, never the name.
    "scan.pdf": b"<html><body onload=alert(1)></body></html>",
    "scan.png": b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>",
}


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def stored(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file())


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def form(customer, recipient, scan, reference="WP-2026-001"):
    return {
        "customer": customer.pk,
        "recipient": recipient.pk,
        "purpose": "",
        "categories": ["identity", "contact"],
        "scope": "ФИО и телефон для программы лояльности",
        "signed_on": "2026-11-20",
        "valid_until": "",
        "document_reference": reference,
        "scan": scan,
    }


def record(scan):
    return services.written_permission_record(
        actor=None,
        customer=CustomerFactory(),
        recipient=RecipientFactory(kind="other"),
        categories=["identity"],
        scope="ФИО",
        signed_on=dt.date(2026, 11, 20),
        document_reference="WP-2026-002",
        scan=scan,
    )


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_scan_is_refused_by_the_service(settings, name):
    with pytest.raises(DomainError) as refusal:
        record(SimpleUploadedFile(name, HOSTILE[name], "application/pdf"))
    assert name in str(refusal.value)
    assert not WrittenPermission.objects.exists()
    assert stored(settings) == []


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_scan_is_refused_on_the_admin_form(client, officer, settings, name):
    client.force_login(officer)
    response = client.post(
        reverse("admin:disclosures_writtenpermission_add"),
        form(
            CustomerFactory(),
            RecipientFactory(kind="other"),
            SimpleUploadedFile(name, HOSTILE[name], "text/html"),
        ),
    )
    assert response.status_code == 200
    assert "PDF, JPEG" in str(response.context["adminform"].form.errors)
    assert not WrittenPermission.objects.exists()
    assert stored(settings) == []


def test_scan_over_the_size_cap_is_refused(settings):
    big = PDF[:-6] + b"0" * (10 * 1024 * 1024) + PDF[-6:]
    with pytest.raises(DomainError):
        record(SimpleUploadedFile("big.pdf", big, "application/pdf"))
    assert not WrittenPermission.objects.exists()
    assert stored(settings) == []


def test_scan_is_stored_under_a_name_of_ours_and_downloaded_as_the_reference(
    client, officer, settings
):
    client.force_login(officer)
    response = client.post(
        reverse("admin:disclosures_writtenpermission_add"),
        form(
            CustomerFactory(),
            RecipientFactory(kind="other"),
            SimpleUploadedFile("Иванов паспорт.exe.png", png_bytes(), "image/png"),
        ),
    )
    assert response.status_code == 302
    permission = WrittenPermission.objects.get()
    assert "Иванов" not in permission.scan.name
    assert permission.scan.name.endswith(".png")
    download = client.get(reverse("admin:disclosures_writtenpermission_scan", args=[permission.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="WP-2026-001.png"'
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == png_bytes()


def test_a_scan_kept_before_the_checks_is_served_as_an_opaque_download(client, officer):
    # Stored before this check existed: served under the reference, never as HTML.
    from django.core.files.base import ContentFile

    permission = record(None)
    permission.scan.save("old/upload.html", ContentFile(HOSTILE["page.html"]), save=False)
    WrittenPermission.objects.filter(pk=permission.pk).update(scan=permission.scan.name)
    client.force_login(officer)
    download = client.get(reverse("admin:disclosures_writtenpermission_scan", args=[permission.pk]))
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="WP-2026-002.bin"'
