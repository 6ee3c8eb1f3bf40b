"""Writes to the disclosure register: ``disclosure_record`` and voids (1.3)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.classification import is_personal
from accounts.models import Customer, Order, User
from accounts.selectors import customer_ids_by_email, email_key
from consents.models import Purpose
from consents.selectors import consent_is_granted, customer_ids_with_consent_at
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked
from homeshop_privacy.ledger import chain_link
from homeshop_privacy.timestamps import display_datetime

from ..models import (
    Disclosure,
    DisclosureLine,
    DisclosureVoid,
    Recipient,
    WrittenPermission,
)
from .common import (
    LineInput,
    LinesRefused,
    RejectedLine,
    _category_labels,
    _clean_categories,
    _in_chunks,
    _section4_purpose,
)
from .recipients import _permission_refusal

Basis = Disclosure.Basis
Kind = Recipient.Kind

# 5.4.2: only these take part in fulfilling an order.
FULFILMENT_KINDS = frozenset({Kind.SELLER, Kind.COURIER, Kind.POSTAL, Kind.TELECOM})
# 5.4.2: "only to fulfil the user's order, including delivery": payment (4.2.1), placing
# the order and the sale contract (4.2.2), delivery (4.2.3) and support with it (4.2.4).
# Advertising or credit to a seller is not fulfilment, whatever the recipient's kind.
FULFILMENT_PURPOSES = frozenset({"4.2.1", "4.2.2", "4.2.3", "4.2.4"})
# Lines go in one INSERT however many there are (append-only: no history rows): PostgreSQL
# gets them as one array per column (UNNEST), so no parameter limit applies; SQLite's
# backend splits them by its own limit.
LINE_CHUNK = None
# Up to this many customers, consent is checked customer by customer (two indexed
# queries each); above it, once for the whole batch from the consents ledger.
CONSENT_ONE_BY_ONE = 20
# Clocks differ a little; a disclosure dated further ahead than this is refused.
FUTURE_TOLERANCE = timedelta(minutes=5)


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
    by_email = customer_ids_by_email(emails=[line.customer_email for line in lines])

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
            email_owner = by_email.get(email_key(line.customer_email))
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
    check_only: bool = False,
) -> Disclosure | None:
    """Record one disclosure to ``recipient`` concerning the customers in ``lines`` (1.3).

    Every line is checked against the basis; when any fails, ``LinesRefused`` lists
    them all and nothing is written. A courier manifest is one call. With
    ``check_only``, every check runs and nothing is written (a form's validation).
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
    if check_only:
        return None
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
    DisclosureLine.objects.bulk_create(lines, batch_size=LINE_CHUNK)
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
