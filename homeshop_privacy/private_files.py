"""Uploaded evidence: one private storage, one content check, one cleanup on rollback.

Claim attachments and the scans of written permissions (5.3.2) are personal data: they
live under ``PRIVATE_MEDIA_ROOT``, have no URL, and are served only by views that check
who asks (``private_file_response``). Every upload path goes through the same pieces:

- ``files_check`` / ``file_check``: the type is read from the content (PDF, JPEG, PNG;
  never the name or the declared type), with a cap per file, on the number of files and
  on their total size per record.
- ``PrivateStorage``: stored names say nothing about the content or its owner
  (``stored_name``), and every write is remembered by the transaction that made it.
- ``files_atomic``: ``transaction.atomic`` that also removes the files written inside it
  when it rolls back. Django runs hooks on commit only, so the block collects the names
  written in it and deletes them itself when it exits with an exception; a block nested
  in another ``files_atomic`` hands its names to the outer one (which may still roll
  back). Names written under a plain outer transaction (``ATOMIC_REQUESTS``) are checked
  when the request ends: a file that no row points to is removed.
"""

import dataclasses
import hashlib
import io
import logging
import os
import threading
import uuid
from contextlib import ContextDecorator

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.http import FileResponse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from .errors import DomainError

logger = logging.getLogger(__name__)

#: One file at most this size (the claims table holds the same limit as a constraint).
MAX_FILE_BYTES = 10 * 1024 * 1024
#: At most this many files, of at most this size together, per record (a claim).
MAX_FILES = 5
MAX_TOTAL_BYTES = 20 * 1024 * 1024
#: What evidence may be: the type is sniffed from the content, the extension follows it.
TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
#: A PDF ends with %%EOF within its last kilobyte (readers accept that much trailing data).
_PDF_TAIL = 1024


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


# --- the storage -------------------------------------------------------------------------


class PrivateStorage(FileSystemStorage):
    """Files under ``settings.PRIVATE_MEDIA_ROOT``, read at each use (tests move it).

    No URL at all: files are served only by views that check who asks. Each saved name
    is registered with the transaction in progress (``files_atomic``).
    """

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def save(self, name, content, max_length=None):
        name = super().save(name, content, max_length=max_length)
        _written(self, name)
        return name


def private_storage() -> PrivateStorage:
    return PrivateStorage()


def stored_name(extension: str) -> str:
    """A stored file name that says nothing about the content or its owner."""
    return f"{uuid.uuid4().hex}{extension}"


def download_name(reference: str, extension: str, *, fallback: str = "document") -> str:
    """What a download is called: the record's reference and the real extension, never
    the name the uploader gave the file."""
    base = get_valid_filename(reference or "") if (reference or "").strip() else ""
    return f"{base or fallback}{extension}"


# --- the content check -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CheckedFile:
    upload: object
    content_type: str
    extension: str
    size: int
    sha256: str


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
    upload.seek(0)
    return data


def content_type_of(data: bytes) -> str | None:
    """PDF, JPEG or PNG judged by the content (a renamed .html, .svg or .exe is none)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf" if b"%%EOF" in data[-_PDF_TAIL:] else None
    if data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        expected = "JPEG" if data.startswith(b"\xff\xd8\xff") else "PNG"
        try:
            from PIL import Image  # installed with fpdf2 (the answer letters)

            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    return None
                image.verify()
        except Exception:  # noqa: BLE001 - any decoding failure: not an image
            return None
        return "image/jpeg" if expected == "JPEG" else "image/png"
    return None


def file_check(upload, *, field: str) -> CheckedFile:
    """One upload: refused (DomainError on ``field``) when too big or not PDF/JPEG/PNG."""
    name = getattr(upload, "name", "") or "file"
    size = upload.size
    if size > MAX_FILE_BYTES:
        raise DomainError(
            {
                field: _("%(name)s is larger than %(limit)s MB.")
                % {"name": name, "limit": _megabytes(MAX_FILE_BYTES)}
            }
        )
    data = _read_all(upload)
    content_type = content_type_of(data)
    if content_type is None:
        raise DomainError({field: _("%(name)s is not a PDF, JPEG or PNG file.") % {"name": name}})
    return CheckedFile(
        upload=upload,
        content_type=content_type,
        extension=TYPES[content_type],
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
    )


#: An uploaded list (a CSV of customers affected by a breach) at most this size.
MAX_TEXT_BYTES = 10 * 1024 * 1024


def text_file_check(upload, *, field: str, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """An uploaded text file (CSV): its text, or a refusal (DomainError on ``field``) when it
    is too big, binary (a NUL byte: a spreadsheet or an executable renamed .csv) or not
    UTF-8 (Excel's "CSV UTF-8" and plain UTF-8 both pass; the BOM is dropped)."""
    name = getattr(upload, "name", "") or "file"
    if upload.size > max_bytes:
        raise DomainError(
            {
                field: _("%(name)s is larger than %(limit)s MB.")
                % {"name": name, "limit": _megabytes(max_bytes)}
            }
        )
    data = _read_all(upload)
    if b"\x00" in data:
        raise DomainError({field: _("%(name)s is not a text (CSV) file.") % {"name": name}})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(
            {field: _('%(name)s is not in UTF-8: save it as "CSV UTF-8".') % {"name": name}}
        ) from exc


def files_check(
    uploads, *, field: str, already_files: int = 0, already_bytes: int = 0
) -> list[CheckedFile]:
    """Every upload of a request, before any is written: the caps first, then each file."""
    uploads = list(uploads)
    if already_files + len(uploads) > MAX_FILES:
        raise DomainError(
            {
                field: _(
                    "At most %(limit)s files per claim: %(already)s already kept, "
                    "%(new)s more given."
                )
                % {"limit": MAX_FILES, "already": already_files, "new": len(uploads)}
            }
        )
    total = already_bytes + sum(upload.size for upload in uploads)
    if total > MAX_TOTAL_BYTES:
        raise DomainError(
            {
                field: _("At most %(limit)s MB of files per claim together.")
                % {"limit": _megabytes(MAX_TOTAL_BYTES)}
            }
        )
    return [file_check(upload, field=field) for upload in uploads]


# --- files written in a transaction that rolls back ---------------------------------------

_state = threading.local()


def _frames() -> list[list[tuple[FileSystemStorage, str]]]:
    if not hasattr(_state, "frames"):
        _state.frames = []
    return _state.frames


def _pending() -> list[tuple[FileSystemStorage, str]]:
    if not hasattr(_state, "pending"):
        _state.pending = []
    return _state.pending


def _written(storage: FileSystemStorage, name: str) -> None:
    frames = _frames()
    if frames:
        frames[-1].append((storage, name))
    elif transaction.get_connection().in_atomic_block:
        _pending().append((storage, name))


def _delete(files) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
            logger.info("private_files.removed_after_rollback name=%s", name)
        except OSError:
            logger.exception("private_files.remove_failed name=%s", name)


def _referenced(name: str) -> bool:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField) and isinstance(field.storage, PrivateStorage):
                if model._base_manager.filter(**{field.name: name}).exists():
                    return True
    return False


class FilesAtomic(ContextDecorator):
    """``transaction.atomic`` that removes the private files written in a rolled-back block."""

    def __init__(self, using=None, savepoint=True, durable=False):
        self.using = using
        self.atomic = transaction.Atomic(using, savepoint, durable)

    def __enter__(self):
        _frames().append([])
        try:
            self.atomic.__enter__()
        except BaseException:
            _frames().pop()
            raise

    def __exit__(self, exc_type, exc_value, traceback):
        written = _frames().pop()
        connection = transaction.get_connection(self.using)
        rolled_back = exc_type is not None or connection.needs_rollback
        try:
            self.atomic.__exit__(exc_type, exc_value, traceback)
        except BaseException:
            _delete(written)  # the commit itself failed: nothing points to them
            raise
        if rolled_back:
            _delete(written)
        elif _frames():
            _frames()[-1].extend(written)  # the outer block may still roll back
        elif connection.in_atomic_block:
            _pending().extend(written)  # a plain outer transaction: see files_pending_settle
        return False


def files_atomic(using=None, savepoint=True, durable=False):
    """Use as ``@files_atomic``, ``@files_atomic()`` or ``with files_atomic():``."""
    if callable(using):
        return FilesAtomic(DEFAULT_DB_ALIAS, savepoint, durable)(using)
    return FilesAtomic(using, savepoint, durable)


def files_pending_settle(**_kwargs) -> int:
    """After the outermost transaction ended (a request finished): remove the files
    written under it that no row points to, i.e. whose transaction rolled back.

    Connected to ``request_finished``. Inside a transaction that is still open (a test
    wrapped in one) it does nothing: the outcome is not known yet.
    """
    if transaction.get_connection().in_atomic_block:
        return 0
    pending, _state.pending = _pending(), []
    orphans = [(storage, name) for storage, name in pending if not _referenced(name)]
    _delete(orphans)
    return len(orphans)


# --- serving -------------------------------------------------------------------------------


def private_file_response(
    field_file, *, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    """A private file as a download: its checked type, a name chosen by us, no caching,
    no sniffing by the browser."""
    response = FileResponse(field_file.open("rb"), as_attachment=not inline, filename=filename)
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def stored_content_type(field_file) -> str | None:
    """The type of a file already kept (files stored before the content check may be
    anything: those are served as application/octet-stream)."""
    with field_file.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    return content_type_of(data)
