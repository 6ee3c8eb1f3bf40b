"""Every write to customers and their personal data (STYLE: one function per change)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from homeshop_privacy import outbox
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked

from .models import (
    AccountClosureRequest,
    Address,
    Customer,
    Order,
    User,
    VisitEvent,
    email_match,
)
from .validators import phone_to_e164

CUSTOMER_EDITABLE = ("first_name", "last_name", "phone", "email", "preferred_language")


def _normalise_contact(customer: Customer) -> None:
    customer.first_name = (customer.first_name or "").strip()
    customer.last_name = (customer.last_name or "").strip()
    customer.email = User.objects.normalize_email((customer.email or "").strip())
    if customer.phone:
        try:
            customer.phone = phone_to_e164(customer.phone)
        except ValidationError as exc:
            raise DomainError({"phone": exc.error_list}) from exc


def _refuse_taken_email(customer: Customer) -> None:
    # 3.2: one customer per email, whatever its case. Said in words here, because the
    # database constraint's own message names the constraint, not the problem.
    if not customer.email:
        return
    taken = email_match(Customer.objects.all(), customer.email).exclude(pk=customer.pk)
    if taken.exists():
        raise DomainError({"email": [_("Another customer already uses this email address.")]})


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
    validate(customer)
    return save_tracked(customer, actor=actor, reason=reason)


@transaction.atomic
def customer_sign_in_open(*, customer: Customer, actor: User | None) -> User:
    """Give a customer whom the shop recorded at checkout a sign-in account (5.2.1).

    The account has no usable password: the person sets one through the emailed
    "set a password" link, which proves they read that mailbox. Refused when another
    sign-in account already uses the address (a staff account, say).
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.user_id is not None:
        return customer.user
    if email_match(User.objects.all(), customer.email).exists():
        raise DomainError(_("Another sign-in account already uses this email address."))
    user = User(email=customer.email, language=customer.preferred_language)
    user.set_unusable_password()
    save_tracked(user, actor=actor, reason="sign-in opened for a customer (5.2.1)")
    customer.user = user
    save_tracked(customer, actor=actor, reason="sign-in opened (5.2.1)")
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


@transaction.atomic
def customer_save(*, customer: Customer, actor: User | None, reason: str) -> Customer:
    """Validate and save a customer edited as a whole (the admin form).

    A customer who signs in does so with this email: when it is corrected (5.1.2), the
    sign-in account follows, else the person could no longer sign in or reset a password
    with the address their own page shows.
    """
    _normalise_contact(customer)
    _refuse_taken_email(customer)
    validate(customer)
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
        raise DomainError(
            {"email": [_("Another sign-in account already uses this email address.")]}
        )
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
    placed_at,
    seller_name: str,
    total,
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


def visit_events_purge(*, now=None, batch_size: int = 10_000) -> int:
    """4.1: delete non-personal visit events older than the retention period.

    Deletes in batches so that no single statement locks millions of rows; visit events
    carry no history (nobody edits them).
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.VISIT_EVENT_RETENTION_DAYS)
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
    return closure, True


@transaction.atomic
def account_closure_decide(
    *,
    closure_request: AccountClosureRequest,
    actor: User,
    status: str,
    note: str = "",
) -> AccountClosureRequest:
    """Staff close the account (``done``) or refuse the request, with a note.

    Closing deactivates the customer's sign-in; their data then follow the retention
    rules (4.1) like every other customer's. The customer is told either way.
    """
    closure = AccountClosureRequest.objects.select_for_update().get(pk=closure_request.pk)
    if status not in (AccountClosureRequest.Status.DONE, AccountClosureRequest.Status.REFUSED):
        raise DomainError(_("Choose whether the account is closed or the request refused."))
    if not closure.is_open:
        raise DomainError(_("This request was already decided."))
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
    _closure_email(closure, event=status)
    return closure


def _closure_email(closure: AccountClosureRequest, *, event: str) -> None:
    customer = closure.customer
    language = customer.preferred_language
    with translation.override(language):
        context = {"customer": customer, "closure": closure, "site_url": settings.SITE_URL}
        subject = render_to_string("accounts/email/closure_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/closure_{event}.txt", context)
    outbox.message_enqueue(
        reason=f"accounts.closure_{event}",
        key=outbox.object_key(closure, event),
        recipient=customer.email,
        subject=" ".join(subject.splitlines()),
        body_text=body,
        language=language,
    )
