"""Every write to recipients, written permissions and the disclosure register.

1.3: nothing is disclosed without a lawful basis. ``disclosure_record`` checks the basis
the staff member names against what it needs (5.4.1, 5.4.2, 5.4.3, consent, 5.3.2)
for every customer concerned, and writes nothing unless every line passes. It works
the same for one customer or a courier manifest of ten thousand orders: the lines are
checked and written in a fixed number of queries whatever their number.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.classification import DataCategory, is_personal
from accounts.models import Customer, Order, User
from consents.models import Purpose
from consents.selectors import consent_is_granted, customer_ids_with_consent_at
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import bulk_create_tracked, save_tracked
from homeshop_privacy.ledger import chain_link
from homeshop_privacy.private_files import file_check, files_atomic, stored_name
from homeshop_privacy.timestamps import display_date, display_datetime

from .models import (
    BreachAffected,
    BreachIncident,
    BreachNotice,
    Disclosure,
    DisclosureLine,
    DisclosureVoid,
    Recipient,
    WrittenPermission,
    category_labels,
)

Basis = Disclosure.Basis
Kind = Recipient.Kind

# 5.4.2: only these take part in fulfilling an order.
FULFILMENT_KINDS = frozenset({Kind.SELLER, Kind.COURIER, Kind.POSTAL, Kind.TELECOM})
# 5.4.2: "only to fulfil the user's order, including delivery": payment (4.2.1), placing
# the order and the sale contract (4.2.2), delivery (4.2.3) and support with it (4.2.4).
# Advertising or credit to a seller is not fulfilment, whatever the recipient's kind.
FULFILMENT_PURPOSES = frozenset({"4.2.1", "4.2.2", "4.2.3", "4.2.4"})
# Lines go in one INSERT (plus one for their history) however many there are: PostgreSQL
# gets them as one array per column (UNNEST), so no parameter limit applies; SQLite's
# backend splits them by its own limit.
LINE_CHUNK = None
# Up to this many customers, consent is checked customer by customer (two indexed
# queries each); above it, once for the whole batch from the consents ledger.
CONSENT_ONE_BY_ONE = 20
# Clocks differ a little; a disclosure dated further ahead than this is refused.
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class LineInput:
    """One customer concerned: by order number (5.4.2), by customer id, or both."""

    order_number: str = ""
    customer_id: int | None = None
    customer_email: str = ""
    line_no: int | None = None


@dataclass(frozen=True)
class RejectedLine:
    line_no: int
    message: str

    def __str__(self):
        return f"{self.line_no}: {self.message}"


class LinesRefused(DomainError):
    """Some lines failed their basis; nothing was recorded. ``rejected`` lists them."""

    def __init__(self, rejected: list[RejectedLine], total: int):
        self.rejected = rejected
        self.total = total
        super().__init__(
            ngettext(
                "%(count)d of %(total)d line was refused; nothing was recorded.",
                "%(count)d of %(total)d lines were refused; nothing was recorded.",
                len(rejected),
            )
            % {"count": len(rejected), "total": total}
        )


def _in_chunks(values: list, size: int | None = None):
    """Split ``values`` for ``__in`` lookups only where the database limits parameters."""
    limit = size or connection.features.max_query_params
    if not limit or len(values) <= limit:
        yield values
        return
    for start in range(0, len(values), limit):
        yield values[start : start + limit]


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


def _clean_categories(categories: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(str(c) for c in categories))
    unknown = [c for c in chosen if c not in DataCategory.values]
    if unknown:
        raise DomainError(
            {"categories": _("Unknown data categories: %(list)s.") % {"list": ", ".join(unknown)}}
        )
    if not chosen:
        raise DomainError({"categories": _("Name at least one data category.")})
    # Stored in the catalogue's order so that equal sets look equal.
    return [c for c in DataCategory.values if c in chosen]


def _category_labels(categories: Iterable[str]) -> str:
    return ", ".join(category_labels(categories))


def _section4_purpose(code: str) -> Purpose:
    # 5.3.1: data are used, and disclosed, only for the purposes of section 4.
    purpose = (
        None  # issue 9 §5: PostgreSQL refuses NUL in a query
        if "\x00" in code
        else Purpose.objects.filter(code=code, kind=Purpose.Kind.SECTION_4).first()
    )
    if purpose is None:
        raise DomainError(
            {"purpose": _("%(code)s is not a purpose of section 4.2 (5.3.1).") % {"code": code}}
        )
    return purpose


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
    scan=None,
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


# --- the register --------------------------------------------------------------------------


def _check_header(
    *,
    recipient: Recipient,
    basis: str,
    purpose: Purpose,
    categories: list[str],
    disclosed_at: datetime,
    line_count: int,
    request_number: str,
    request_date: date | None,
    legal_ground: str,
    now: datetime,
) -> None:
    """Checks of the disclosure as a whole; a failure here refuses every line at once."""
    if basis not in Basis.values:
        raise DomainError({"basis": _("Choose a lawful basis.")})
    if not recipient.is_active:
        raise DomainError(
            {
                "recipient": _("%(name)s is not an active recipient.")
                % {"name": recipient.legal_name}
            }
        )
    if timezone.is_naive(disclosed_at):
        raise DomainError({"disclosed_at": _("Give the time of the disclosure with its zone.")})
    if disclosed_at > now + FUTURE_TOLERANCE:
        raise DomainError({"disclosed_at": _("A disclosure cannot be recorded in advance.")})

    if basis == Basis.STATISTICS:
        personal = [c for c in categories if is_personal(c)]
        if personal:
            raise DomainError(
                {
                    "categories": _(
                        "Clause 5.4.1 allows only non-personal data for statistics and "
                        "advertising; personal data refused: %(list)s."
                    )
                    % {"list": _category_labels(personal)}
                }
            )
        if line_count:
            raise DomainError(
                _("Clause 5.4.1 covers non-personal data only: it cannot name a customer.")
            )
        return

    if not line_count:
        raise DomainError(_("Name the customer(s) whose data were disclosed."))
    if basis == Basis.ORDER_FULFILMENT and recipient.kind not in FULFILMENT_KINDS:
        raise DomainError(
            {
                "recipient": _(
                    "Clause 5.4.2 allows disclosure to fulfil an order only to a marketplace "
                    "seller, a courier service, a postal or a telecom operator; %(name)s is "
                    "%(kind)s."
                )
                % {"name": recipient.legal_name, "kind": recipient.get_kind_display()}
            }
        )
    if basis == Basis.ORDER_FULFILMENT and purpose.code not in FULFILMENT_PURPOSES:
        raise DomainError(
            {
                "purpose": _(
                    "Clause 5.4.2 allows disclosure only to fulfil the order (purposes "
                    "4.2.1-4.2.4); %(code)s is another purpose: choose another basis."
                )
                % {"code": purpose.code}
            }
        )
    if basis == Basis.STATE_AUTHORITY:
        errors = {}
        if recipient.kind != Kind.STATE_AUTHORITY:
            errors["recipient"] = _(
                "Clause 5.4.3 allows disclosure only to an authorised state body."
            )
        if not request_number.strip():
            errors["request_number"] = _("Clause 5.4.3: give the authority's request number.")
        if request_date is None:
            errors["request_date"] = _("Clause 5.4.3: give the date of the authority's request.")
        elif request_date > timezone.localdate(disclosed_at):
            errors["request_date"] = _("Clause 5.4.3: the request cannot follow the disclosure.")
        if not legal_ground.strip():
            errors["legal_ground"] = _("Clause 5.4.3: cite the legal ground of the request.")
        if errors:
            raise DomainError(errors)
    if basis == Basis.CONSENT and not purpose.needs_consent:
        raise DomainError(
            {
                "purpose": _(
                    "%(code)s rests on the sale contract, not on consent: choose another basis."
                )
                % {"code": purpose.code}
            }
        )


@dataclass
class _Line:
    line_no: int
    customer_id: int
    order_id: int | None = None
    permission_id: int | None = None


def _resolve_lines(lines: Sequence[LineInput], *, basis: str) -> tuple[list[_Line], list]:
    """Match order numbers and customer ids in one query each; report what does not match."""
    numbers = list({line.order_number.strip() for line in lines if line.order_number.strip()})
    orders: dict[str, tuple[int, int]] = {}
    for chunk in _in_chunks(numbers):
        orders.update(
            (number, (pk, customer_id))
            for number, pk, customer_id in Order.objects.filter(number__in=chunk).values_list(
                "number", "pk", "customer_id"
            )
        )
    given_ids = list({line.customer_id for line in lines if line.customer_id is not None})
    known_customers: set[int] = set()
    for chunk in _in_chunks(given_ids):
        known_customers.update(Customer.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    # Emails are unique whatever their case; matched through that (lower-case) index.
    emails = list({line.customer_email.strip().lower() for line in lines if line.customer_email})
    by_email: dict[str, int] = {}
    for chunk in _in_chunks(emails):
        by_email.update(
            Customer.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "pk")
        )

    resolved, rejected, seen_orders, seen_line_nos = [], [], set(), set()
    for index, line in enumerate(lines, start=1):
        line_no = line.line_no if line.line_no is not None else index
        number = line.order_number.strip()

        def refuse(message, line_no=line_no):
            rejected.append(RejectedLine(line_no=line_no, message=message))

        if line_no in seen_line_nos:
            refuse(_("Line number %(no)d is repeated.") % {"no": line_no})
            continue
        seen_line_nos.add(line_no)
        if line.customer_id is not None and line.customer_id not in known_customers:
            refuse(_("No customer with id %(id)s.") % {"id": line.customer_id})
            continue
        if line.customer_email:
            email_owner = by_email.get(line.customer_email.strip().lower())
            if email_owner is None:
                refuse(_("No customer with email %(email)s.") % {"email": line.customer_email})
                continue
            if line.customer_id is not None and line.customer_id != email_owner:
                refuse(_("The customer id and the email name different customers."))
                continue
            line = replace(line, customer_id=email_owner)
        if not number:
            if basis == Basis.ORDER_FULFILMENT:
                refuse(_("Clause 5.4.2: name the order this disclosure fulfils."))
            elif line.customer_id is None:
                refuse(_("Name the customer or the order."))
            else:
                resolved.append(_Line(line_no=line_no, customer_id=line.customer_id))
            continue
        if number not in orders:
            refuse(_("No order %(number)s.") % {"number": number})
            continue
        if number in seen_orders:
            refuse(_("Order %(number)s is listed twice.") % {"number": number})
            continue
        seen_orders.add(number)
        order_id, owner_id = orders[number]
        if line.customer_id is not None and line.customer_id != owner_id:
            refuse(_("Order %(number)s belongs to another customer.") % {"number": number})
            continue
        resolved.append(_Line(line_no=line_no, customer_id=owner_id, order_id=order_id))
    return resolved, rejected


def _check_lines(
    resolved: list[_Line],
    *,
    basis: str,
    recipient: Recipient,
    purpose: Purpose,
    categories: list[str],
    disclosed_at: datetime,
) -> list[RejectedLine]:
    rejected = []
    customer_ids = list({line.customer_id for line in resolved})
    if basis == Basis.CONSENT:
        if len(customer_ids) <= CONSENT_ONE_BY_ONE:
            # A few customers: each answered from the ledger's per-customer index.
            granted = {
                customer_id
                for customer_id in customer_ids
                if consent_is_granted(
                    customer_id=customer_id, purpose_code=purpose.code, at=disclosed_at
                )
            }
        else:
            # A batch: the consenting segment at that moment, in a fixed number of queries.
            granted = set()
            for chunk in _in_chunks(customer_ids):
                granted.update(
                    customer_ids_with_consent_at(purpose_code=purpose.code, at=disclosed_at).filter(
                        customer_id__in=chunk
                    )
                )
        for line in resolved:
            if line.customer_id not in granted:
                rejected.append(
                    RejectedLine(
                        line_no=line.line_no,
                        message=_(
                            "The customer did not hold consent to %(code)s at the moment of "
                            "the disclosure."
                        )
                        % {"code": purpose.code},
                    )
                )
    elif basis == Basis.WRITTEN_PERMISSION:
        by_customer: dict[int, list[WrittenPermission]] = {}
        for chunk in _in_chunks(customer_ids):
            for permission in WrittenPermission.objects.filter(
                customer_id__in=chunk, recipient=recipient
            ).order_by("-signed_on", "-id"):
                by_customer.setdefault(permission.customer_id, []).append(permission)
        for line in resolved:
            permission, why = _permission_refusal(
                by_customer.get(line.customer_id, []),
                at=disclosed_at,
                categories=categories,
                purpose=purpose,
            )
            if permission is None:
                rejected.append(RejectedLine(line_no=line.line_no, message=why))
            else:
                line.permission_id = permission.pk
    return rejected


def _prepare(
    *,
    actor: User | None,
    recipient: Recipient,
    basis: str,
    purpose_code: str,
    categories: Iterable[str],
    disclosed_at: datetime,
    lines: Sequence[LineInput] = (),
    reference: str = "",
    request_number: str = "",
    request_date: date | None = None,
    legal_ground: str = "",
    note: str = "",
    now: datetime | None = None,
) -> tuple[Disclosure, list[_Line]]:
    """Every check of ``disclosure_record``, reading only: the unsaved entry and its lines."""
    now = now or timezone.now()
    categories = _clean_categories(categories)
    purpose = _section4_purpose(purpose_code)
    request_number = (request_number or "").strip()
    legal_ground = (legal_ground or "").strip()
    _check_header(
        recipient=recipient,
        basis=basis,
        purpose=purpose,
        categories=categories,
        disclosed_at=disclosed_at,
        line_count=len(lines),
        request_number=request_number,
        request_date=request_date,
        legal_ground=legal_ground,
        now=now,
    )
    resolved, rejected = _resolve_lines(lines, basis=basis)
    rejected += _check_lines(
        resolved,
        basis=basis,
        recipient=recipient,
        purpose=purpose,
        categories=categories,
        disclosed_at=disclosed_at,
    )
    if rejected:
        raise LinesRefused(sorted(rejected, key=lambda r: r.line_no), total=len(lines))

    disclosure = Disclosure(
        recipient=recipient,
        basis=basis,
        purpose=purpose,
        categories=categories,
        disclosed_at=disclosed_at,
        reference=(reference or "").strip(),
        request_number=request_number,
        request_date=request_date,
        legal_ground=legal_ground,
        note=(note or "").strip(),
        line_count=len(resolved),
        recorded_at=now,
        recorded_by=actor,
    )
    # The foreign keys and the named constraints were checked above (and the database
    # holds the constraints too): skipping them here keeps the query count fixed.
    try:
        disclosure.full_clean(
            exclude=["recipient", "purpose", "recorded_by"], validate_constraints=False
        )
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from exc
    return disclosure, resolved


def disclosure_check(**kwargs) -> None:
    """Run every check of ``disclosure_record`` (same arguments) without writing: for forms."""
    _prepare(**kwargs)


@transaction.atomic
def disclosure_record(
    *,
    actor: User | None,
    recipient: Recipient,
    basis: str,
    purpose_code: str,
    categories: Iterable[str],
    disclosed_at: datetime,
    lines: Sequence[LineInput] = (),
    reference: str = "",
    request_number: str = "",
    request_date: date | None = None,
    legal_ground: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Disclosure:
    """Record one disclosure to ``recipient`` concerning the customers in ``lines`` (1.3).

    Every line is checked against the basis; when any fails, ``LinesRefused`` lists
    them all and nothing is written. A courier manifest is one call.
    """
    disclosure, resolved = _prepare(
        actor=actor,
        recipient=recipient,
        basis=basis,
        purpose_code=purpose_code,
        categories=categories,
        disclosed_at=disclosed_at,
        lines=lines,
        reference=reference,
        request_number=request_number,
        request_date=request_date,
        legal_ground=legal_ground,
        note=note,
        now=now,
    )
    reason = f"disclosure recorded ({basis})"
    # Linked into the recipient's hash chain, under the recipient's lock (issue 9 §2).
    save_tracked(disclosure, actor=actor, reason=reason)
    lines = [
        DisclosureLine(
            disclosure=disclosure,
            line_no=line.line_no,
            customer_id=line.customer_id,
            order_id=line.order_id,
            permission_id=line.permission_id,
            disclosed_at=disclosed_at,
        )
        for line in resolved
    ]
    # The entry was just written and its recipient is locked: its lines chain from it.
    chain_link(lines, prev=disclosure.chain_hash)
    bulk_create_tracked(
        DisclosureLine,
        lines,
        actor=actor,
        reason=reason,
        batch_size=LINE_CHUNK,
    )
    return disclosure


@transaction.atomic
def disclosure_void(*, disclosure: Disclosure, actor: User | None, reason: str) -> DisclosureVoid:
    """Void a wrong entry by a new one; the original stays in the register, marked void."""
    # Lock the entry's recipient (the head of its register chain) so that two officers
    # voiding it at once cannot both succeed. The entry itself cannot be locked: the
    # application's database role may not update register entries (issue 9 §2).
    disclosure = Disclosure.objects.get(pk=disclosure.pk)
    Recipient.objects.select_for_update().filter(pk=disclosure.recipient_id).values_list(
        "pk"
    ).first()
    existing = DisclosureVoid.objects.filter(disclosure=disclosure).first()
    if existing is not None:
        raise DomainError(
            _("This entry was already voided on %(date)s.")
            % {"date": display_datetime(existing.voided_at)}
        )
    void = DisclosureVoid(disclosure=disclosure, reason=(reason or "").strip(), voided_by=actor)
    validate(void)
    return save_tracked(void, actor=actor, reason="disclosure voided")


# --- breaches (5.4.4) ----------------------------------------------------------------------

BREACH_REASON = "disclosures.breach_notice"


def breach_categories_check(categories: Iterable[str]) -> list[str]:
    """5.4.4 concerns personal data: the cleaned categories, or a refusal (for forms too)."""
    categories = _clean_categories(categories)
    if not any(is_personal(c) for c in categories):
        raise DomainError(
            {"categories": _("Clause 5.4.4 concerns personal data: name a personal category.")}
        )
    return categories


@transaction.atomic
def breach_record(
    *,
    actor: User | None,
    reference: str,
    title: str,
    description: str,
    discovered_at: datetime,
    categories: Iterable[str],
    notice_ru: str,
    notice_kk: str = "",
    notice_en: str = "",
    occurred_at: datetime | None = None,
) -> BreachIncident:
    """5.4.4: record a loss or unlawful disclosure of personal data."""
    categories = breach_categories_check(categories)
    incident = BreachIncident(
        reference=(reference or "").strip(),
        title=(title or "").strip(),
        description=(description or "").strip(),
        discovered_at=discovered_at,
        occurred_at=occurred_at,
        categories=categories,
        notice_ru=(notice_ru or "").strip(),
        notice_kk=(notice_kk or "").strip(),
        notice_en=(notice_en or "").strip(),
        recorded_by=actor,
    )
    validate(incident)
    return save_tracked(incident, actor=actor, reason="breach recorded")


@transaction.atomic
def breach_save(*, incident: BreachIncident, actor: User | None, reason: str) -> BreachIncident:
    """Record or correct an incident edited as a whole (the admin form).

    The same rules as ``breach_record``; what customers are told is frozen once the
    first of them was told.
    """
    if incident.pk:
        stored = BreachIncident.objects.select_for_update().get(pk=incident.pk)
        frozen = ("notice_ru", "notice_kk", "notice_en", "categories")
        if stored.notification_started_at and any(
            getattr(stored, f) != getattr(incident, f) for f in frozen
        ):
            raise DomainError(_("Customers are being told already: the notice cannot change."))
    elif incident.recorded_by_id is None:
        incident.recorded_by = actor
    incident.categories = breach_categories_check(incident.categories)
    validate(incident)
    return save_tracked(incident, actor=actor, reason=reason)


def breach_customer_ids_by_email(*, emails: Iterable[str]) -> list[int]:
    """Customer ids for a pasted list of emails (any case); an unknown one is refused."""
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    found: dict[str, int] = {}
    for chunk in _in_chunks(wanted):
        found.update(
            Customer.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "pk")
        )
    unknown = [e for e in wanted if e not in found]
    if unknown:
        raise DomainError(
            _("No customers with these emails: %(list)s.") % {"list": ", ".join(unknown[:20])}
        )
    return [found[e] for e in wanted]


@transaction.atomic
def breach_add_affected(
    *, incident: BreachIncident, customer_ids: Iterable[int], actor: User | None = None
) -> int:
    """Add customers to the incident's affected list; those already on it are skipped.

    Returns how many were added. Adding after the notification started is allowed: the
    next notification run tells the newcomers, and only them.
    """
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    known: set[int] = set()
    for chunk in _in_chunks(ids):
        known.update(Customer.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise DomainError(
            _("No customers with ids: %(list)s.") % {"list": ", ".join(map(str, unknown[:20]))}
        )
    before = BreachAffected.objects.filter(incident=incident).count()
    BreachAffected.objects.bulk_create(
        (BreachAffected(incident=incident, customer_id=i, added_by=actor) for i in ids),
        ignore_conflicts=True,
        batch_size=5_000,
    )
    added = BreachAffected.objects.filter(incident=incident).count() - before
    if added and incident.notification_started_at is not None:
        _breach_dispatch(incident)
    return added


def breach_add_affected_from_disclosure(
    *, incident: BreachIncident, disclosure: Disclosure, actor: User | None = None
) -> int:
    """Everyone named in a register entry (e.g. a lost courier manifest) is affected."""
    return breach_add_affected(
        incident=incident,
        actor=actor,
        customer_ids=DisclosureLine.objects.filter(disclosure=disclosure).values_list(
            "customer_id", flat=True
        ),
    )


def _breach_dispatch(incident: BreachIncident) -> None:
    from .tasks import breach_notify

    transaction.on_commit(lambda: breach_notify.delay(incident.pk), robust=True)


@transaction.atomic
def breach_notification_start(*, incident: BreachIncident, actor: User | None) -> BreachIncident:
    """Start (or resume) telling every affected customer; each is told exactly once."""
    incident = BreachIncident.objects.select_for_update().get(pk=incident.pk)
    if incident.notification_started_at is None:
        incident.notification_started_at = timezone.now()
        save_tracked(incident, actor=actor, reason="breach notification started")
    _breach_dispatch(incident)
    return incident


@transaction.atomic
def breach_notify_customers(*, incident: BreachIncident, customer_ids: list[int]) -> int:
    """Write the notice of each affected customer in ``customer_ids`` not yet told.

    Each notice row and its outbox email are written together; the unique (incident,
    customer) notice and the outbox key make a repeated or concurrent run a no-op.
    Returns how many customers were newly notified.
    """
    from django.template.loader import render_to_string
    from django.utils import translation

    from homeshop_privacy.outbox import message_enqueue, object_key

    # The incident is the head of its notices' hash chain: one run at a time writes them,
    # so the "not yet told" below stays true until this transaction commits.
    BreachIncident.objects.select_for_update().filter(pk=incident.pk).values_list("pk").first()
    customers = (
        Customer.objects.filter(
            pk__in=customer_ids,
            breaches_affecting__incident=incident,
        )
        .exclude(breach_notices__incident=incident)
        .order_by("pk")
    )
    notices, newly_told = [], 0
    for customer in customers:
        language = customer.preferred_language
        with translation.override(language):
            context = {
                "customer": customer,
                "incident": incident,
                "notice": incident.notice_for(language),
                "categories": _category_labels(incident.categories),
            }
            subject = str(_("Homeshop.kz: an incident concerning your personal data"))
            body = render_to_string("disclosures/email/breach_notice.txt", context)
        message, created = message_enqueue(
            reason=BREACH_REASON,
            key=object_key(incident, "notice"),
            recipient=customer.email,
            subject=subject,
            body_text=body,
            language=language,
        )
        notices.append(BreachNotice(incident=incident, customer=customer, message=message))
        # Only one run writes a customer's email; a concurrent run waited for the
        # incident's lock above and finds the notice already there.
        newly_told += created
    BreachNotice.objects.bulk_create(notices)
    return newly_told
