"""Every write to customers and their personal data (STYLE: one function per change)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from homeshop_privacy.errors import DomainError
from homeshop_privacy.history import save_tracked

from .models import Address, Customer, Order, User, VisitEvent
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


def _validate(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from exc


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
    _validate(customer)
    return save_tracked(customer, actor=actor, reason=reason)


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
    """Validate and save a customer edited as a whole (the admin form)."""
    _normalise_contact(customer)
    _validate(customer)
    return save_tracked(customer, actor=actor, reason=reason)


@transaction.atomic
def address_save(*, address: Address, actor: User | None, reason: str = "address saved") -> Address:
    """Add or correct a delivery address; making it the default clears the old default."""
    _validate(address)
    if address.is_default:
        others = Address.objects.select_for_update().filter(
            customer_id=address.customer_id, is_default=True
        )
        for other in others.exclude(pk=address.pk):
            other.is_default = False
            save_tracked(other, actor=actor, reason="another address made default")
    return save_tracked(address, actor=actor, reason=reason)


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
            raise DomainError(f"Order {number} belongs to another customer.")
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
    _validate(order)
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
