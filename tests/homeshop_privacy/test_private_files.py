"""homeshop_privacy.private_files: files written in a transaction that rolls back are removed."""

import pytest
from django.core.files.base import ContentFile
from django.core.signals import request_finished
from django.db import transaction

from homeshop_privacy.private_files import (
    content_type_of,
    download_name,
    files_atomic,
    private_storage,
)


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def stored(settings) -> list[str]:
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(p.name for p in root.rglob("*") if p.is_file())


class Boom(Exception):
    pass


def write(name: str) -> str:
    return private_storage().save(name, ContentFile(b"%PDF-1.4 x %%EOF"))


@pytest.mark.django_db
def test_a_block_that_raises_removes_what_it_wrote(settings):
    with pytest.raises(Boom), files_atomic():
        write("a.pdf")
        raise Boom
    assert stored(settings) == []


@pytest.mark.django_db
def test_a_nested_block_that_succeeded_is_removed_with_the_outer_rollback(settings):
    with pytest.raises(Boom), files_atomic():
        with files_atomic():
            write("inner.pdf")
        write("outer.pdf")
        raise Boom
    assert stored(settings) == []


@pytest.mark.django_db
def test_a_nested_block_that_raises_keeps_what_the_outer_block_wrote(settings):
    with files_atomic():
        write("kept.pdf")
        try:
            with files_atomic():
                write("dropped.pdf")
                raise Boom
        except Boom:
            pass
    assert stored(settings) == ["kept.pdf"]


@pytest.mark.django_db
def test_decorated_function_cleans_up_too(settings):
    @files_atomic
    def service():
        write("b.pdf")
        raise Boom

    with pytest.raises(Boom):
        service()
    assert stored(settings) == []


@pytest.mark.django_db(transaction=True)
def test_committed_block_keeps_its_file(settings):
    with files_atomic():
        write("c.pdf")
    assert stored(settings) == ["c.pdf"]


@pytest.mark.django_db(transaction=True)
def test_a_plain_outer_transaction_that_rolls_back_loses_its_file_when_the_request_ends(
    settings,
):
    # ATOMIC_REQUESTS: the view's transaction rolls back after the service succeeded.
    from claims.models import ClaimAttachment  # a model whose file is private

    with pytest.raises(Boom), transaction.atomic():
        with files_atomic():
            write("orphan.pdf")
        raise Boom
    with transaction.atomic():
        with files_atomic():
            name = write("kept-by-a-row.pdf")
        # A committed row pointing to it: the file stays.
        from tests.claims.factories import register

        claim = register()
        ClaimAttachment.objects.create(
            claim=claim,
            file=name,
            original_name="x.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
        )
    request_finished.send(sender=None)
    assert stored(settings) == ["kept-by-a-row.pdf"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n...\n%%EOF\n", "application/pdf"),
        (b"%PDF-1.7 <html> no end marker", None),
        (b"<html><script>alert(1)</script></html>", None),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', None),
        (b"MZ\x90\x00\x03", None),
        (b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>", None),
        (b"\xff\xd8\xff\xe0<html>", None),
        (b"", None),
    ],
)
def test_content_type_is_read_from_the_content(data, expected):
    assert content_type_of(data) == expected


def test_real_images_are_recognised():
    import io

    from PIL import Image

    for fmt, expected in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), "white").save(buffer, format=fmt)
        assert content_type_of(buffer.getvalue()) == expected


def test_download_name_is_the_reference_and_the_extension():
    assert download_name("PR-2611-ABCDE", ".pdf") == "PR-2611-ABCDE.pdf"
    assert download_name('WP/1 "x"\r\n', ".png") == "WP1_x.png"
    assert download_name("", ".pdf", fallback="permission-7") == "permission-7.pdf"
