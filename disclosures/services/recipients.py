"""Recipients and customers' written permissions (5.3.2)."""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer, User
from consents.models import Purpose
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked
from homeshop_privacy.private_files import file_check, files_atomic, stored_name
from homeshop_privacy.timestamps import display_date, display_datetime

from ..models import (
    Recipient,
    WrittenPermission,
)
from .common import _category_labels, _clean_categories, _section4_purpose

# --- recipients ----------------------------------------------------------------------------


def _normalise_recipient(recipient: Recipient) -> None:
    recipient.legal_name = (recipient.legal_name or "").strip()
    recipient.bin = "".join((recipient.bin or "").split())
    recipient.foreign_registration = (recipient.foreign_registration or "").strip()
    recipient.country = (recipient.country or "").strip().upper()


@transaction.atomic
def recipient_create(
    *,
    actor: User | None,
    legal_name: str,
    kind: str,
    bin: str = "",
    foreign_registration: str = "",
    country: str = "KZ",
    contact: str = "",
    agreement_reference: str = "",
    agreement_date: date | None = None,
    is_active: bool = True,
) -> Recipient:
    recipient = Recipient(
        legal_name=legal_name,
        kind=kind,
        bin=bin,
        foreign_registration=foreign_registration,
        country=country,
        contact=contact,
        agreement_reference=agreement_reference,
        agreement_date=agreement_date,
        is_active=is_active,
    )
    return recipient_save(recipient=recipient, actor=actor, reason="recipient added")


@transaction.atomic
def recipient_save(*, recipient: Recipient, actor: User | None, reason: str) -> Recipient:
    """Validate and save a recipient edited as a whole (the admin form); history kept."""
    _normalise_recipient(recipient)
    if recipient.country == "KZ" and not recipient.bin:
        raise DomainError({"bin": _("A Kazakhstan recipient needs its BIN.")})
    if not recipient.bin and not recipient.foreign_registration:
        raise DomainError(
            {"foreign_registration": _("Give the BIN or the foreign registration number.")}
        )
    validate(recipient)
    return save_tracked(recipient, actor=actor, reason=reason)


# --- written permissions (5.3.2) -----------------------------------------------------------


@files_atomic
def written_permission_record(
    *,
    actor: User | None,
    customer: Customer,
    recipient: Recipient,
    categories: Iterable[str],
    scope: str,
    signed_on: date,
    document_reference: str,
    valid_until: date | None = None,
    purpose_code: str = "",
    scan: UploadedFile | None = None,
) -> WrittenPermission:
    """5.3.2: record a customer's signed permission to disclose to ``recipient``.

    The scan gets the checks of a claim attachment (PDF, JPEG or PNG by content, 10 MB)
    and a stored name of ours; a refusal writes nothing, on disk either.
    """
    checked = file_check(scan, field="scan") if scan else None
    permission = WrittenPermission(
        customer=customer,
        recipient=recipient,
        categories=_clean_categories(categories),
        scope=(scope or "").strip(),
        signed_on=signed_on,
        valid_until=valid_until,
        document_reference=(document_reference or "").strip(),
        purpose=_section4_purpose(purpose_code) if purpose_code else None,
        recorded_by=actor,
    )
    validate(permission, exclude=["scan"])
    if checked is not None:
        permission.scan.save(stored_name(checked.extension), checked.upload, save=False)
    return save_tracked(permission, actor=actor, reason="written permission recorded")


@transaction.atomic
def written_permission_revoke(
    *,
    permission: WrittenPermission,
    actor: User | None,
    reason: str,
    at: datetime | None = None,
) -> WrittenPermission:
    """The customer withdrew the permission: nothing may be disclosed under it from ``at``."""
    permission = WrittenPermission.objects.select_for_update().get(pk=permission.pk)
    if permission.revoked_at is not None:
        raise DomainError(
            _("This permission was already revoked on %(date)s.")
            % {"date": display_datetime(permission.revoked_at)}
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"revocation_reason": _("Give the reason for the revocation.")})
    permission.revoked_at = at or timezone.now()
    permission.revocation_reason = reason
    validate(permission)
    return save_tracked(permission, actor=actor, reason="written permission revoked")


def _permission_refusal(
    permissions: list[WrittenPermission],
    *,
    at: datetime,
    categories: list[str],
    purpose: Purpose,
) -> tuple[WrittenPermission | None, str]:
    """The permission that allows this disclosure, or why none does."""
    day = timezone.localdate(at)
    if not permissions:
        return None, _("5.3.2: no written permission from this customer for this recipient.")
    why = ""
    for permission in permissions:
        if permission.signed_on > day:
            why = why or _("5.3.2: the written permission was signed after the disclosure.")
        elif permission.valid_until and permission.valid_until < day:
            why = _("5.3.2: the written permission expired on %(date)s.") % {
                "date": display_date(permission.valid_until)
            }
        elif permission.revoked_at and permission.revoked_at <= at:
            why = _("5.3.2: the written permission was revoked on %(date)s.") % {
                "date": display_date(permission.revoked_at)
            }
        elif permission.purpose_id and permission.purpose_id != purpose.pk:
            why = _("5.3.2: the written permission does not cover this purpose.")
        elif not permission.covers(categories):
            missing = [c for c in categories if c not in permission.categories]
            why = _("5.3.2: the written permission does not cover: %(list)s.") % {
                "list": _category_labels(missing)
            }
        else:
            return permission, ""
    return None, why
