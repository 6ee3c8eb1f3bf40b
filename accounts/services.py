"""Every write to customers and their personal data (STYLE: one function per change)."""

import io
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from homeshop_privacy import outbox
from homeshop_privacy.api.webhooks import webhook_event_emit
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked
from homeshop_privacy.models import OutboundMessage, WebhookEventType

from .email_address import (
    EMAIL_TAKEN_MESSAGE,
    email_normalise,
    same_address,
    validate_email_address,
)
from .models import (
    AccountClosureRequest,
    Address,
    Customer,
    CustomerHold,
    EmailChangeRequest,
    Order,
    User,
    VisitEvent,
    email_match,
)
from .validators import phone_to_e164

logger = logging.getLogger(__name__)

CUSTOMER_EDITABLE = ("first_name", "last_name", "phone", "email", "preferred_language")


def _normalise_contact(customer: Customer) -> None:
    customer.first_name = (customer.first_name or "").strip()
    customer.last_name = (customer.last_name or "").strip()
    customer.email = email_normalise(customer.email)
    if customer.phone:
        try:
            customer.phone = phone_to_e164(customer.phone)
        except ValidationError as exc:
            raise DomainError({"phone": exc.error_list}) from exc


#: Each constraint of ``Customer`` and what checks it before the save, so that the model's
#: own constraint validation (one query each, the email twice) is skipped (issue 14).
_CUSTOMER_CONSTRAINTS_CHECKED = {
    "accounts_customer_email_ci_unique": "_refuse_taken_email",
    "accounts_customer_phone_e164_kz": "the phone field's validate_kz_phone",
    "accounts_customer_language_valid": "the preferred_language field's choices",
}


def _refuse_taken_email(customer: Customer) -> None:
    # 3.2: one customer per email, whatever its case. Said in words here, because the
    # database constraint's own message names the constraint, not the problem.
    if not customer.email:
        return
    taken = email_match(Customer.objects.all(), customer.email).exclude(pk=customer.pk)
    if taken.exists():
        raise DomainError({"email": [str(EMAIL_TAKEN_MESSAGE)]})


@transaction.atomic
def customer_create(
    *,
    actor: User | None,
    first_name: str,
    last_name: str,
    phone: str,
    email: str,
    preferred_language: str = "ru",
    user: User | None = None,
    reason: str = "customer registered",
) -> Customer:
    """Create a customer (3.2); a record may exist before its person ever signs in."""
    customer = Customer(
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        email=email,
        preferred_language=preferred_language,
        user=user,
    )
    _normalise_contact(customer)
    _refuse_taken_email(customer)
    validate(customer, constraints=False)  # see _CUSTOMER_CONSTRAINTS_CHECKED
    return save_tracked(customer, actor=actor, reason=reason)


@transaction.atomic
def customer_sign_in_open(*, customer: Customer, actor: User | None) -> User:
    """Give a customer whom the shop recorded at checkout a sign-in account (5.2.1).

    The account has no usable password. Staff and the demo data use this; a customer's
    own request goes through ``first_sign_in_link_send``, which creates nothing until the
    emailed link is used (issue 8 item 6). Refused when another sign-in account already
    uses the address (a staff account, say).
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.user_id is not None:
        return customer.user
    if email_match(User.objects.all(), customer.email).exists():
        raise DomainError({"email": [str(EMAIL_TAKEN_MESSAGE)]})
    user = User(email=customer.email, language=customer.preferred_language)
    user.set_unusable_password()
    save_tracked(user, actor=actor, reason="sign-in opened for a customer (5.2.1)")
    customer.user = user
    save_tracked(customer, actor=actor, reason="sign-in opened (5.2.1)")
    return user


REASON_PASSWORD_RESET = "accounts.password_reset"
REASON_FIRST_SIGN_IN = "accounts.first_sign_in"
REASON_SIGN_IN_LINK = "accounts.sign_in_link"


def _request_key(obj, what: str) -> str:
    # One message per second of asking: a double click is one email, a later request a
    # new one (as Django's reset token, which changes every second, used to decide).
    return outbox.object_key(obj, what, f"{timezone.now():%Y%m%dT%H%M%S}")


def _link_email(
    *,
    reason: str,
    key: str,
    recipient: str,
    language: str,
    template: str,
    link_kind: str,
    link_object_id: int,
    context: dict,
) -> OutboundMessage:
    """Enqueue an email whose one-time link is made when it is sent (issue 8 item 3).

    The row keeps the text with the link masked, which is all the admin can show.
    """
    message, _created = outbox.template_message_enqueue(
        reason=reason,
        key=key,
        recipient=recipient,
        language=language,
        template=template,
        context={**context, "link": outbox.secret_link_mask(), "site_url": settings.SITE_URL},
        body_template=f"{template}.txt",
        link_kind=link_kind,
        link_object_id=link_object_id,
    )
    return message


@transaction.atomic
def password_reset_link_send(*, user: User, language: str):
    """Email a customer with a sign-in the link to choose a new password.

    The link (and its token) is made by the outbox when it sends the email, so no row
    or history row holds it and staff reading the outbox cannot use it.
    """
    from .sign_in_links import PASSWORD_RESET

    return _link_email(
        reason=REASON_PASSWORD_RESET,
        key=_request_key(user, "password-reset"),
        recipient=user.email,
        language=language,
        template="accounts/email/password_reset",
        link_kind=PASSWORD_RESET,
        link_object_id=user.pk,
        context={},
    )


@transaction.atomic
def first_sign_in_link_send(*, email: str, language: str):
    """A customer the shop recorded without a sign-in asks for a password (5.2.1).

    Issue 8 item 6: asking creates no account. If a customer without a sign-in has this
    exact address (and no other sign-in account uses it), they are emailed a one-time
    link; the account is created only when that link is used
    (``customer_first_sign_in``). Returns the outbox row, or ``None``.
    """
    from .sign_in_links import FIRST_SIGN_IN, link_hours

    customer = email_match(Customer.objects.all(), email).filter(user__isnull=True).first()
    if customer is None or not same_address(email, customer.email):
        return None
    if email_match(User.objects.all(), customer.email).exists():
        return None  # a staff account, say: no second sign-in for the address
    return _link_email(
        reason=REASON_FIRST_SIGN_IN,
        key=_request_key(customer, "first-sign-in"),
        recipient=customer.email,
        language=language,
        template="accounts/email/first_sign_in",
        link_kind=FIRST_SIGN_IN,
        link_object_id=customer.pk,
        context={"hours": link_hours()},
    )


@transaction.atomic
def sign_in_link_send(*, email: str, language: str):
    """Issue 13: email a customer a one-time link that signs them in without a password.

    Sent only to the exact address of a customer who may sign in that way
    (``sign_in_links.sign_in_link_allowed``); the page that asks says the same whatever
    the address. The link is made when the email is sent, never stored. Returns the
    outbox row, or ``None``.
    """
    from .sign_in_links import SIGN_IN_LINK, sign_in_link_allowed, sign_in_link_minutes

    customer = email_match(Customer.objects.select_related("user"), email).order_by("pk").first()
    if customer is None or not same_address(email, customer.email):
        return None
    if not sign_in_link_allowed(customer):
        return None
    return _link_email(
        reason=REASON_SIGN_IN_LINK,
        key=_request_key(customer, "sign-in-link"),
        recipient=customer.email,
        language=language,
        template="accounts/email/sign_in_link",
        link_kind=SIGN_IN_LINK,
        link_object_id=customer.pk,
        context={"minutes": sign_in_link_minutes()},
    )


@transaction.atomic
def customer_sign_in_by_link(*, token: str) -> User | None:
    """Issue 13: the emailed sign-in link was used. Returns the user to sign in (created,
    with no password, for a customer who had no sign-in), or ``None`` if the link is not
    valid. The customer's row is locked while the link is checked, so two uses of one
    link cannot both pass: the caller signs the user in (``last_login`` moves on) in this
    same transaction, which spends the link."""
    from .sign_in_links import sign_in_link_customer

    customer = sign_in_link_customer(token, lock=True)
    if customer is None:
        return None
    user = customer.user
    if user is None:
        user = User(email=customer.email, language=customer.preferred_language)
        user.set_unusable_password()
        save_tracked(user, actor=None, reason="sign-in created from an emailed sign-in link")
        customer.user = user
        save_tracked(customer, actor=user, reason="sign-in created from an emailed sign-in link")
    return user


@transaction.atomic
def customer_first_sign_in(*, customer: Customer, password: str) -> User:
    """The emailed first-sign-in link was used: create the customer's sign-in with the
    password they chose (issue 8 item 6). Refused once the customer has a sign-in, so a
    link works once."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.user_id is not None:
        raise DomainError(_("This link was already used. Sign in, or ask for a new link."))
    if email_match(User.objects.all(), customer.email).exists():
        raise DomainError(_("Another sign-in account already uses this email address."))
    user = User(email=customer.email, language=customer.preferred_language)
    user.set_password(password)
    save_tracked(user, actor=None, reason="sign-in created from the emailed link (5.2.1)")
    customer.user = user
    save_tracked(customer, actor=user, reason="sign-in created from the emailed link (5.2.1)")
    return user


@transaction.atomic
def customer_update(
    *, customer: Customer, actor: User | None, reason: str = "data corrected", **changes
) -> Customer:
    """Correct a customer's data (5.1.2); the old values stay in the history."""
    unknown = set(changes) - set(CUSTOMER_EDITABLE)
    if unknown:
        raise DomainError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    for name, value in changes.items():
        setattr(customer, name, value)
    return customer_save(customer=customer, actor=actor, reason=reason)


STAFF_EMAIL_CHANGE_REFUSED = gettext_lazy(
    "Staff cannot change a customer's email address: it is where their mail and sign-in "
    "go. Only the customer changes it, on their account page, confirmed from the new "
    "address."
)


@transaction.atomic
def customer_save(*, customer: Customer, actor: User | None, reason: str) -> Customer:
    """Validate and save a customer edited as a whole (the admin form).

    Staff never move a customer's email (attack review): it is where the customer's mail,
    password resets and first-sign-in links go, so a support agent who could change it
    could take the account over. Only the customer's own request, confirmed from the new
    address (issue 9 §5, ``customer_email_change_confirm``), changes it.
    """
    if actor is not None and (actor.is_staff or actor.is_superuser) and _email_changes(customer):
        raise DomainError({"email": [str(STAFF_EMAIL_CHANGE_REFUSED)]})
    return _customer_write(customer=customer, actor=actor, reason=reason)


def _email_changes(customer: Customer) -> bool:
    if not customer.pk:
        return False
    stored = Customer.objects.filter(pk=customer.pk).values_list("email", flat=True).first()
    return stored is not None and stored != email_normalise(customer.email)


def _customer_write(*, customer: Customer, actor: User | None, reason: str) -> Customer:
    """Save a validated customer. A customer who signs in does so with this email: when
    it changes (5.1.2), the sign-in account follows, else the person could no longer sign
    in or reset a password with the address their own page shows."""
    _normalise_contact(customer)
    _refuse_taken_email(customer)
    validate(customer, constraints=False)  # see _CUSTOMER_CONSTRAINTS_CHECKED
    user = _sign_in_to_follow(customer)
    save_tracked(customer, actor=actor, reason=reason)
    if user is not None:
        user.email = customer.email
        save_tracked(user, actor=actor, reason="sign-in email follows the customer's email")
    return customer


def _sign_in_to_follow(customer: Customer) -> User | None:
    """The linked sign-in account, when this save changes the email it shares."""
    if not customer.pk or not customer.user_id:
        return None
    stored = Customer.objects.filter(pk=customer.pk).values_list("email", "user_id").first()
    if stored is None or stored[1] != customer.user_id or stored[0] == customer.email:
        return None
    user = User.objects.select_for_update().get(pk=customer.user_id)
    if user.is_staff or user.is_superuser:
        return None  # a staff sign-in is managed by superusers, never by a customer record
    if user.email.lower() != stored[0].lower():
        return None  # the account signs in with an address of its own: leave it
    if email_match(User.objects.all(), customer.email).exclude(pk=user.pk).exists():
        raise DomainError({"email": [str(EMAIL_TAKEN_MESSAGE)]})
    return user


@transaction.atomic
def address_save(*, address: Address, actor: User | None, reason: str = "address saved") -> Address:
    """Add or correct a delivery address; making it the default clears the old default.

    The old default is cleared first, since validation checks the one-default constraint;
    if validation then fails, the transaction undoes the clearing too.
    """
    if address.is_default:
        others = Address.objects.select_for_update().filter(
            customer_id=address.customer_id, is_default=True
        )
        for other in others.exclude(pk=address.pk):
            other.is_default = False
            save_tracked(other, actor=actor, reason="another address made default")
    validate(address)
    return save_tracked(address, actor=actor, reason=reason)


@transaction.atomic
def address_delete(
    *, address: Address, actor: User | None, reason: str = "address deleted"
) -> None:
    """Remove a delivery address (5.1.2); its values stay in the address history.

    Orders delivered to it keep their history too: they are detached with history rows
    first, because the database's own ``SET NULL`` would rewrite them without any.
    """
    address = Address.objects.select_for_update().get(pk=address.pk)
    orders = list(Order.objects.select_for_update().filter(delivery_address=address))
    for order in orders:
        order.delivery_address = None
    if orders:
        bulk_update_with_history(
            orders,
            Order,
            ["delivery_address"],
            batch_size=500,
            default_user=actor,
            default_change_reason="delivery address deleted by its owner",
        )
    address._history_user = actor
    address._change_reason = reason
    address.delete()


@transaction.atomic
def order_record(
    *,
    customer: Customer,
    number: str,
    placed_at: datetime,
    seller_name: str,
    total: Decimal,
    status: str = Order.Status.PLACED,
    delivery_address: Address | None = None,
    actor: User | None = None,
) -> Order:
    """Record an order the shop placed (3.4), or return the existing one with that number."""
    existing = Order.objects.filter(number=number).first()
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise DomainError(
                _("Order %(number)s belongs to another customer.") % {"number": number}
            )
        return existing
    order = Order(
        customer=customer,
        number=number,
        placed_at=placed_at,
        seller_name=seller_name,
        total=total,
        status=status,
        delivery_address=delivery_address,
    )
    validate(order)
    return save_tracked(order, actor=actor, reason="order recorded")


@transaction.atomic
def customer_upsert_from_shop(
    *,
    shop_customer_id: str,
    actor: User | None,
    first_name: str,
    last_name: str,
    phone: str,
    email: str,
    preferred_language: str = "ru",
    addresses=(),
) -> tuple[Customer, bool]:
    """Issue 12: the shop's back end creates a customer at checkout (no password) or
    corrects one, named by its own customer id; returns the customer and whether it is new.

    The shop is where the customer edits name, phone and email on its side (5.1.2), so
    its service user may change them; the sign-in email follows as on the account page.
    ``addresses`` (dicts of city, street, apartment, postal_code, is_default) are added
    unless the customer already has one at the same place.
    """
    customer = (
        Customer.objects.select_for_update().filter(shop_customer_id=shop_customer_id).first()
    )
    created = customer is None
    if created:
        customer = customer_create(
            actor=actor,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            email=email,
            preferred_language=preferred_language,
            reason="customer recorded by the shop (3.2)",
        )
        customer.shop_customer_id = shop_customer_id
        save_tracked(customer, actor=actor, reason="shop customer id recorded")
    else:
        changes = {
            "first_name": first_name,
            "last_name": last_name,
            "phone": phone,
            "email": email,
            "preferred_language": preferred_language,
        }
        if any(getattr(customer, name) != value for name, value in changes.items()):
            for name, value in changes.items():
                setattr(customer, name, value)
            _customer_write(customer=customer, actor=actor, reason="data corrected by the shop")
    known = {
        (a.city.casefold(), a.street.casefold(), a.apartment.casefold())
        for a in customer.addresses.all()
    }
    for data in addresses:
        place = (
            data["city"].strip().casefold(),
            data["street"].strip().casefold(),
            data.get("apartment", "").strip().casefold(),
        )
        if place in known:
            continue
        known.add(place)
        address_save(
            address=Address(
                customer=customer,
                city=data["city"].strip(),
                street=data["street"].strip(),
                apartment=data.get("apartment", "").strip(),
                postal_code=data.get("postal_code", "").strip(),
                is_default=bool(data.get("is_default")),
            ),
            actor=actor,
            reason="address recorded by the shop",
        )
    return customer, created


@transaction.atomic
def order_status_update(*, order: Order, status: str, actor: User | None) -> Order:
    """3.4: the shop reports an order's new status; the history keeps every step."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if status not in Order.Status.values:
        raise DomainError({"status": [_("Unknown order status.")]})
    if order.status == status:
        return order
    order.status = status
    validate(order)
    return save_tracked(order, actor=actor, reason=f"status {status} reported by the shop")


#: Issue 12: the most visit events one call may bring.
VISIT_EVENTS_MAX_BATCH = 10_000
VISIT_EVENT_COLUMNS = (
    "occurred_at",
    "page_url",
    "ip_address",
    "user_agent",
    "referrer",
    "cookie_id",
)


def visit_events_ingest(*, rows: Sequence[tuple]) -> int:
    """1.4: write a batch of checked visit events set-based (one statement on PostgreSQL).

    ``rows`` are tuples in ``VISIT_EVENT_COLUMNS`` order, as the API's check leaves them:
    the moment as RFC 3339 text with an offset PostgreSQL accepts (or an aware datetime),
    the address in canonical form or ``None``, texts without NUL or lone surrogates and
    within their lengths. On PostgreSQL they stream through ``COPY`` (the fastest way in);
    elsewhere one atomic ``bulk_create``, in multi-row statements of as many events as the
    database takes parameters (166 on SQLite). Visit events carry no history: nobody edits
    them.
    """
    if len(rows) > VISIT_EVENTS_MAX_BATCH:
        raise DomainError(_("At most %(max)s events per call.") % {"max": VISIT_EVENTS_MAX_BATCH})
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        table = VisitEvent._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(VISIT_EVENT_COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
                io.StringIO(_visit_events_csv(rows)),
                size=_COPY_CHUNK,
            )
        return len(rows)
    VisitEvent.objects.bulk_create(
        (
            VisitEvent(
                occurred_at=occurred_at,
                page_url=page_url,
                ip_address=ip_address,
                user_agent=user_agent,
                referrer=referrer,
                cookie_id=cookie_id,
            )
            for occurred_at, page_url, ip_address, user_agent, referrer, cookie_id in rows
        ),
        batch_size=1000,
    )
    return len(rows)


#: Characters handed to COPY at a time (psycopg2's default is 8 KiB: 300 round trips
#: through the driver for 10,000 events).
_COPY_CHUNK = 1 << 20


def _visit_events_csv(rows: Sequence[tuple]) -> str:
    """COPY's CSV: texts quoted (a quoted "" is an empty text), an absent address
    unquoted empty (NULL). Built in one comprehension; quotes inside a text (rare) are
    doubled by a second, slower pass only when the count shows there are some."""
    text = "".join(
        [
            f'{at},"{page}",{ip or ""},"{agent}","{referrer}","{cookie}"\n'
            for at, page, ip, agent, referrer, cookie in rows
        ]
    )
    if text.count('"') == 8 * len(rows):
        return text
    return "".join(
        [
            f"{at},{_csv_text(page)},{ip or ''},{_csv_text(agent)},"
            f"{_csv_text(referrer)},{_csv_text(cookie)}\n"
            for at, page, ip, agent, referrer, cookie in rows
        ]
    )


def _csv_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def visit_events_retention_days() -> int:
    """The term of the ``visit_events`` retention rule (officers edit it), else the
    setting: one term, whichever way the events are purged."""
    from homeshop_privacy.models import RetentionRule

    rule = RetentionRule.objects.filter(code="visit_events").first()
    return rule.keep_days if rule is not None else settings.VISIT_EVENT_RETENTION_DAYS


def visit_events_purge(*, now=None, batch_size: int = 10_000) -> int:
    """4.1: delete non-personal visit events older than the retention period.

    Deletes in batches so that no single statement locks millions of rows; visit events
    carry no history (nobody edits them).
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=visit_events_retention_days())
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                VisitEvent.objects.filter(occurred_at__lt=cutoff)
                .order_by("occurred_at")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return total
            deleted, _ = VisitEvent.objects.filter(pk__in=ids).delete()
            total += deleted


@transaction.atomic
def account_closure_request(
    *, customer: Customer, actor: User | None, comment: str = ""
) -> tuple[AccountClosureRequest, bool]:
    """2.2: record a customer's request to close their account.

    Asking again while a request is open returns that request (and ``False``); the
    partial unique constraint holds the same rule in the database. The customer gets an
    acknowledgement through the outbox, once per request.
    """
    # Lock the customer so that two clicks at once cannot both find "no open request".
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    open_request = AccountClosureRequest.objects.filter(
        customer=customer, status=AccountClosureRequest.Status.REQUESTED
    ).first()
    if open_request is not None:
        return open_request, False
    closure = AccountClosureRequest(customer=customer, comment=(comment or "").strip())
    validate(closure)
    save_tracked(closure, actor=actor, reason="closure requested (2.2)")
    _closure_email(closure, event="received")
    account_closure_event_emit(
        customer=customer, type=WebhookEventType.ACCOUNT_CLOSURE_REQUESTED, closure=closure
    )
    return closure, True


@transaction.atomic
def account_closure_decide(
    *,
    closure_request: AccountClosureRequest,
    actor: User | None,
    status: str,
    note: str = "",
) -> AccountClosureRequest:
    """Staff close the account (``done``) or refuse the request, with a note.

    Closing deactivates the customer's sign-in and tells the customer by email; once that
    email has gone, ``account_closure_carry_out`` erases the personal data (4.1) — never
    while a legal hold applies (an open claim, ...: ``homeshop_privacy.retention``).
    ``actor`` is None when the retention rule closes an unanswered request.
    """
    from homeshop_privacy import retention

    closure = AccountClosureRequest.objects.select_for_update().get(pk=closure_request.pk)
    if status not in (AccountClosureRequest.Status.DONE, AccountClosureRequest.Status.REFUSED):
        raise DomainError(
            {"status": [_("Choose whether the account is closed or the request refused.")]}
        )
    if not closure.is_open:
        raise DomainError(_("This request was already decided."))
    if status == AccountClosureRequest.Status.DONE:
        holds = retention.holds_of(customer_model=Customer, customer_id=closure.customer_id)
        if holds:
            raise DomainError(
                _(
                    "The data must be kept for now: %(holds)s. Refuse with this reason, or decide "
                    "when it is resolved."
                )
                % {"holds": "; ".join(str(h) for h in holds)}
            )
    if status == AccountClosureRequest.Status.REFUSED and not (note or "").strip():
        raise DomainError({"decision_note": [_("Say why the request is refused.")]})
    closure.status = status
    closure.decided_at = timezone.now()
    closure.decided_by = actor
    closure.decision_note = (note or "").strip()
    validate(closure)
    save_tracked(closure, actor=actor, reason=f"closure {status}")
    user = closure.customer.user
    if status == AccountClosureRequest.Status.DONE and user is not None and user.is_active:
        user.is_active = False
        save_tracked(user, actor=actor, reason="account closed at the customer's request (2.2)")
    if status == AccountClosureRequest.Status.DONE:
        account_closure_event_emit(
            customer=closure.customer, type=WebhookEventType.ACCOUNT_CLOSED, closure=closure
        )
    _closure_email(closure, event=status)
    if status == AccountClosureRequest.Status.DONE:
        from . import tasks

        transaction.on_commit(
            lambda: tasks.account_closure_carry_out.apply_async(
                args=[closure.pk], countdown=CLOSURE_CARRY_OUT_DELAY
            )
        )
    return closure


def account_closure_event_emit(
    *, customer: Customer, type: str, closure: AccountClosureRequest | None = None
) -> None:
    """Issue 12: tell the shop's systems (webhooks) that a closure was requested or carried
    out (2.2), in the caller's transaction. Every closure flow calls this one emitter."""
    webhook_event_emit(
        type=type,
        payload={
            "customer_id": customer.pk,
            "shop_customer_id": customer.shop_customer_id,
            "closure_request_id": closure.pk if closure is not None else None,
        },
    )


# Seconds between the decision and the first try to carry it out (the email goes first).
CLOSURE_CARRY_OUT_DELAY = 60
# The last email is waited for this long at most; then the data are erased anyway.
CLOSURE_EMAIL_WAIT = timedelta(days=2)


@transaction.atomic
def account_closure_carry_out(*, closure_request: AccountClosureRequest, now=None) -> bool:
    """2.2, 4.1: erase the personal data of a closed account, after its last email.

    The customer is told by email (``closure_done``) before the address is erased: while
    that email is still on its way (for at most ``CLOSURE_EMAIL_WAIT``) this returns
    ``False`` and changes nothing. Then ``customers_anonymise`` runs and the request keeps
    the proof: who decided and when, when the data were erased, the email's delivery
    (its outbox row, whose text is erased with the rest). Idempotent.
    """
    now = now or timezone.now()
    closure = AccountClosureRequest.objects.select_for_update().get(pk=closure_request.pk)
    if closure.status != AccountClosureRequest.Status.DONE or closure.carried_out_at:
        return closure.carried_out_at is not None
    notice = outbox.OutboundMessage.objects.filter(
        reason="accounts.closure_done", object_key=outbox.object_key(closure, "done")
    ).first()
    on_its_way = (
        outbox.Status.PENDING,
        outbox.Status.SENDING,
        outbox.Status.RETRYING,
    )
    if notice is not None and notice.status in on_its_way:
        if now - closure.decided_at < CLOSURE_EMAIL_WAIT:
            return False
    customers_anonymise(
        customer_ids=[closure.customer_id],
        actor=closure.decided_by,
        reason=f"account closure request {closure.pk} (2.2)",
    )
    closure.refresh_from_db()
    closure.carried_out_at = now
    save_tracked(closure, actor=closure.decided_by, reason="personal data erased (2.2, 4.1)")
    logger.info("accounts.closure_carried_out closure=%s", closure.pk)
    return True


def _closure_email(closure: AccountClosureRequest, *, event: str) -> None:
    outbox.customer_message_enqueue(
        customer=closure.customer,
        reason=f"accounts.closure_{event}",
        key=outbox.object_key(closure, event),
        template=f"accounts/email/closure_{event}",
        subject_template="accounts/email/closure_subject.txt",
        context={"closure": closure, "site_url": settings.SITE_URL},
    )


# A new sign-in email takes effect only once confirmed from that address (issue 9 §5) ----

EMAIL_CHANGE_SALT = "accounts.email-change"
EMAIL_CHANGE_MAX_AGE = timedelta(days=3)
REASON_EMAIL_CHANGE_CONFIRM = "accounts.email_change_confirm"
REASON_EMAIL_CHANGE_NOTICE = "accounts.email_change_requested"
EMAIL_CHANGE_LINK = "accounts.email_change_confirm"
EMAIL_CHANGE_CONFIRM_TEMPLATE = "accounts/email/email_change_confirm.txt"


def email_change_token(change: EmailChangeRequest) -> str:
    """The signed, dated token of the confirmation link. Built when the email is sent,
    never stored; it works once, while its request is still pending."""
    return signing.dumps({"r": change.pk}, salt=EMAIL_CHANGE_SALT, compress=True)


def email_change_token_read(token: str) -> int | None:
    try:
        data = signing.loads(
            token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE.total_seconds()
        )
    except signing.BadSignature:  # also SignatureExpired
        return None
    pk = data.get("r") if isinstance(data, dict) else None
    return pk if isinstance(pk, int) else None


def _email_taken(email: str, *, customer: Customer) -> bool:
    """Held by another customer or by any sign-in account but this customer's own."""
    others = email_match(Customer.objects.all(), email).exclude(pk=customer.pk)
    users = email_match(User.objects.all(), email)
    if customer.user_id:
        users = users.exclude(pk=customer.user_id)
    return others.exists() or users.exists()


@transaction.atomic
def customer_email_change_request(
    *, customer: Customer, new_email: str, actor: User | None
) -> EmailChangeRequest | None:
    """Ask to use ``new_email``; nothing changes until it is confirmed from that address.

    The new address gets a one-time confirmation link, the current one is told that a
    change was asked for. A second request replaces the first (its link stops working).
    Returns ``None`` when the address is the current one.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    new_email = email_normalise(new_email)
    try:
        validate_email_address(new_email)
    except ValidationError as exc:
        raise DomainError({"email": exc.messages}) from exc
    if new_email.lower() == customer.email.lower():
        return None
    if _email_taken(new_email, customer=customer):
        raise DomainError({"email": [str(EMAIL_TAKEN_MESSAGE)]})
    now = timezone.now()
    _email_change_throttle(customer=customer, new_email=new_email, now=now)
    for earlier in EmailChangeRequest.objects.select_for_update().filter(
        customer=customer, status=EmailChangeRequest.Status.PENDING
    ):
        earlier.status = EmailChangeRequest.Status.CANCELLED
        earlier.decided_at = now
        save_tracked(earlier, actor=actor, reason="replaced by a newer request")
    change = EmailChangeRequest(customer=customer, old_email=customer.email, new_email=new_email)
    validate(change)
    save_tracked(change, actor=actor, reason="email change requested (5.1.2)")
    _email_change_emails(change)
    return change


EMAIL_CHANGE_THROTTLED = gettext_lazy(
    "Too many email change requests. Wait an hour (a day for the same new address) and ask again."
)


def _email_change_throttle(*, customer: Customer, new_email: str, now) -> None:
    """Each request emails the new address: a limit per customer and per new address.

    Counted from the requests themselves (attack review, finding 2). The forgotten-password
    table of keyed hashes keeps an hour only, and these rows already hold what to count
    without keeping anything more; the customer's row is locked, so two requests at once
    count each other.
    """
    customer_since = now - timedelta(seconds=settings.EMAIL_CHANGE_CUSTOMER_WINDOW_SECONDS)
    address_since = now - timedelta(seconds=settings.EMAIL_CHANGE_ADDRESS_WINDOW_SECONDS)
    by_customer = EmailChangeRequest.objects.filter(
        customer=customer, requested_at__gte=customer_since
    ).count()
    by_address = EmailChangeRequest.objects.filter(
        new_email__iexact=new_email, requested_at__gte=address_since
    ).count()
    if (
        by_customer >= settings.EMAIL_CHANGE_CUSTOMER_LIMIT
        or by_address >= settings.EMAIL_CHANGE_ADDRESS_LIMIT
    ):
        logger.warning("email change request throttled: customer=%s", customer.pk)
        raise DomainError({"email": [str(EMAIL_CHANGE_THROTTLED)]})


def _email_change_emails(change: EmailChangeRequest) -> None:
    customer = change.customer
    context = {"customer": customer, "change": change, "site_url": settings.SITE_URL}
    # The stored body has no link: the outbox builds it when sending
    # (email_change_confirm_context, a secret link of kind EMAIL_CHANGE_LINK).
    outbox.template_message_enqueue(
        reason=REASON_EMAIL_CHANGE_CONFIRM,
        key=outbox.object_key(change, "confirm"),
        recipient=change.new_email,
        language=customer.preferred_language,
        template=EMAIL_CHANGE_CONFIRM_TEMPLATE.removesuffix(".txt"),
        context=context,
        body_template=EMAIL_CHANGE_CONFIRM_TEMPLATE,
        link_kind=EMAIL_CHANGE_LINK,
        link_object_id=change.pk,
    )
    outbox.template_message_enqueue(
        reason=REASON_EMAIL_CHANGE_NOTICE,
        key=outbox.object_key(change, "notice"),
        recipient=change.old_email,
        language=customer.preferred_language,
        template="accounts/email/email_change_notice",
        context=context,
    )


def email_change_confirm_context(message) -> dict | None:
    """The confirmation link of the request the outbox row names, built when it is sent.

    ``None`` (nothing is sent) once the request is no longer pending or the row is not
    addressed to the requested address.
    """
    change = (
        EmailChangeRequest.objects.select_related("customer")
        .filter(pk=message.link_object_id, status=EmailChangeRequest.Status.PENDING)
        .first()
    )
    if change is None or not same_address(change.new_email, message.recipient):
        return None
    link = settings.SITE_URL + reverse(
        "accounts:email_confirm", kwargs={"token": email_change_token(change)}
    )
    return {"customer": change.customer, "change": change, "link": link}


EMAIL_CHANGE_LINK_INVALID = gettext_lazy(
    "This confirmation link is not valid any more: it was used, replaced by a newer "
    "request, or has expired. Ask for the change again from your account page."
)


def email_change_for_token(*, token: str, lock: bool = False) -> EmailChangeRequest:
    """The pending request a confirmation link names, checked as confirming it would be.

    The confirmation page runs this on GET too (user review, finding 5), so a used,
    replaced or expired link shows "no longer valid" instead of a Confirm button that
    can only fail. Raises ``DomainError``.
    """
    pk = email_change_token_read(token)
    changes = EmailChangeRequest.objects.select_related("customer")
    if lock:
        changes = changes.select_for_update()
    change = changes.filter(pk=pk).first() if pk else None
    if change is None or change.status != EmailChangeRequest.Status.PENDING:
        raise DomainError(str(EMAIL_CHANGE_LINK_INVALID))
    customer = Customer.objects.select_for_update().get(pk=change.customer_id) if lock else None
    customer = customer or change.customer
    if customer.email.lower() != change.old_email.lower() or _email_taken(
        change.new_email, customer=customer
    ):
        raise DomainError({"email": [str(EMAIL_TAKEN_MESSAGE)]})
    change.customer = customer
    return change


@transaction.atomic
def customer_email_change_confirm(*, token: str, actor: User | None) -> EmailChangeRequest:
    """The new address confirmed: it becomes the customer's email and sign-in."""
    change = email_change_for_token(token=token, lock=True)
    customer = change.customer
    customer.email = change.new_email
    _customer_write(
        customer=customer, actor=actor, reason="email changed, confirmed from the new address"
    )
    change.status = EmailChangeRequest.Status.CONFIRMED
    change.decided_at = timezone.now()
    save_tracked(change, actor=actor, reason="confirmed from the new address")
    return change


# --- 4.1: anonymisation --------------------------------------------------------------------

ANONYMISE_REASON = "4.1 retention: customer anonymised"


@transaction.atomic
def customer_anonymise(*, customer: Customer, actor: User | None, reason: str) -> dict[str, int]:
    """Erase ``customer`` from every table, history included (4.1; Law 94-V art. 12 p.2).

    Driven by the field classification that every app declares
    (``homeshop_privacy.anonymisation``): names become "anonymised", email and phone go,
    addresses and devices are deleted, orders keep their number, date, seller, amount and
    status, ledgers keep the legal facts and lose the evidence through
    ``ledger_erase_personal``, outbox rows to the person lose their bodies and attachments,
    files are deleted. ``reason`` says why (a retention rule, a closure request) without
    naming the person. Idempotent: an anonymised customer is left as it is.

    Returns the rows changed per table (for the retention run's record).
    """
    return customers_anonymise(customer_ids=[customer.pk], actor=actor, reason=reason)


@transaction.atomic
def customers_anonymise(*, customer_ids: list[int], actor: User | None, reason: str) -> dict:
    """``customer_anonymise`` for a batch of customers, one statement per table.

    Customers locked by another transaction are skipped (the next run takes them), as are
    customers already anonymised; ``counts["customers"]`` says how many were done.
    """
    from homeshop_privacy.anonymisation import contact_addresses, subject_anonymise

    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the customer is anonymised."))
    ids = list(
        Customer.objects.select_for_update(skip_locked=True)
        .filter(pk__in=list(customer_ids), anonymised_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return {}
    addresses = contact_addresses(customer_ids=ids)
    now = timezone.now()
    # First, so that the rows may lose their phone (allowed once anonymised).
    Customer.objects.filter(pk__in=ids).update(  # erasure (4.1): history is scrubbed
        anonymised_at=now, updated_at=now
    )
    outbox.messages_stop_to(addresses=addresses, why="recipient anonymised (4.1)")
    # A confirmation link still pending would give the account a new address: it ends.
    # Before the erasure, which then blanks the addresses in this version too.
    for change in EmailChangeRequest.objects.filter(
        customer_id__in=ids, status=EmailChangeRequest.Status.PENDING
    ):
        change.status, change.decided_at = EmailChangeRequest.Status.CANCELLED, now
        save_tracked(change, actor=actor, reason="cancelled: customer anonymised (4.1)")
    counts = subject_anonymise(
        customer_ids=ids, addresses=addresses, reason=f"{ANONYMISE_REASON}: {reason}"
    )
    # Signing in is over: no password, no active account (the user row stays for the
    # history that names it), no signed-in browser, no confirmation link still pending.
    user_ids = list(
        User.objects.filter(customer__pk__in=ids, last_login__isnull=False).values_list(
            "pk", flat=True
        )
    )
    User.objects.filter(customer__pk__in=ids).update(  # erasure (4.1): history is scrubbed
        is_active=False, password=make_password(None)
    )
    ended = sessions_end(user_ids=user_ids)
    if ended:
        counts["sessions"] = ended
    counts["customers"] = len(ids)
    logger.info("customers.anonymised count=%s rows=%s", len(ids), sum(counts.values()))
    return dict(counts)


def sessions_end(*, user_ids: list[int]) -> int:
    """Delete the stored sessions of these users: their signed-in browsers are signed out
    at once (4.1, issue 11), not at their next request.

    Sessions are kept in the database (Django's ``db`` engine, the default; ``cached_db``
    too), keyed by a random key: the user is only inside the signed data, so the live
    sessions are read and decoded, one pass for the whole batch. A user who never signed
    in has none and is not looked for. With an engine that cannot be listed (cache only,
    signed cookies), the password made unusable refuses the session at its next request.
    """
    from importlib import import_module

    from django.contrib.auth import SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not user_ids or not hasattr(store, "get_model_class"):
        return 0
    wanted = {str(pk) for pk in user_ids}
    live = (
        store.get_model_class()
        .objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
    )
    decoder = store()
    keys = [
        key
        for key, data in live.iterator(chunk_size=2000)
        if str(decoder.decode(data).get(SESSION_KEY)) in wanted
    ]
    for key in keys:
        store(session_key=key).delete()
    if keys:
        logger.info("customers.sessions_ended count=%s", len(keys))
    return len(keys)


# --- 4.1: an officer's legal hold ------------------------------------------------------------


@transaction.atomic
def customer_hold_place(*, customer: Customer, actor: User, reason: str) -> CustomerHold:
    """Keep ``customer``'s data whatever the retention rules say, until released."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": [_("Say why the data must be kept.")]})
    hold = CustomerHold(customer=customer, reason=reason, placed_by=actor)
    validate(hold)
    return save_tracked(hold, actor=actor, reason="legal hold placed (4.1)")


@transaction.atomic
def customer_hold_release(*, hold: CustomerHold, actor: User) -> CustomerHold:
    hold = CustomerHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        return hold
    hold.released_at, hold.released_by = timezone.now(), actor
    return save_tracked(hold, actor=actor, reason="legal hold released (4.1)")


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """A staff member's language of the admin and of the emails sent to them (issue 13).

    Their own preference: they set it themselves, whatever their role."""
    if language not in {code for code, _label in settings.LANGUAGES}:
        raise DomainError({"language": [_("Choose one of the offered languages.")]})
    if user.language == language:
        return user
    user.language = language
    return save_tracked(user, actor=user, reason="language changed", update_fields=["language"])
