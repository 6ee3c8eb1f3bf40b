"""Reads of customers and their data, returning querysets with their joins."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from homeshop_privacy.timestamps import export_timestamp

from .classification import personal_fields
from .email_address import email_normalise
from .models import (
    AccountClosureRequest,
    Address,
    Customer,
    CustomerDevice,
    EmailChangeRequest,
    Order,
    User,
    email_match,
)
from .validators import phone_to_e164


def customers_search(
    *, term: str, queryset: QuerySet[Customer] | None = None
) -> QuerySet[Customer]:
    """Customers matching an exact email, a phone number in any usual form, or a last name.

    Each branch uses an index (the unique LOWER(email), phone, last name), so the admin
    search stays fast on millions of customers; substring search would scan them all.
    """
    queryset = Customer.objects.all() if queryset is None else queryset
    term = term.strip()
    if not term:
        return queryset
    if "@" in term:
        return email_match(queryset, term)
    try:
        return queryset.filter(phone=phone_to_e164(term))
    except ValidationError:
        pass
    return queryset.filter(last_name__in={term, term[:1].upper() + term[1:].lower()})


def orders_search(*, term: str, queryset: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """Orders by their exact number, or all orders of the customers ``customers_search``
    finds (email, phone, last name); each branch through an index."""
    queryset = Order.objects.all() if queryset is None else queryset
    term = term.strip()
    if not term:
        return queryset
    by_number = Order.objects.filter(number=term).values("pk")
    by_customer = customers_search(term=term).values("pk")
    return queryset.filter(Q(pk__in=by_number) | Q(customer_id__in=by_customer))


def users_search(*, term: str, queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """Sign-in accounts by exact email, any case (the LOWER(email) index)."""
    queryset = User.objects.all() if queryset is None else queryset
    term = term.strip()
    return email_match(queryset, term) if term else queryset


def customer_orders(*, customer: Customer) -> QuerySet[Order]:
    return Order.objects.filter(customer=customer).select_related("delivery_address")


def customer_for_user(*, user) -> Customer | None:
    """The customer a signed-in person is, or None (staff-only users, anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Customer.objects.filter(user=user).first()


def customer_addresses(*, customer: Customer) -> QuerySet[Address]:
    return Address.objects.filter(customer=customer)


def customer_devices(*, customer: Customer) -> QuerySet[CustomerDevice]:
    return CustomerDevice.objects.filter(customer=customer)


def customer_closure_requests(*, customer: Customer) -> QuerySet[AccountClosureRequest]:
    return AccountClosureRequest.objects.filter(customer=customer)


def customer_open_closure_request(*, customer: Customer) -> AccountClosureRequest | None:
    return (
        customer_closure_requests(customer=customer)
        .filter(status=AccountClosureRequest.Status.REQUESTED)
        .first()
    )


# 5.2.1: the download of everything held about a customer ---------------------------

EXPORT_FORMAT = "homeshop-privacy/customer-export/1"
# Personal by the table, but never handed out: a password hash is a secret, not data
# about the person.
EXPORT_NEVER = {"accounts.user": {"password"}}


def _plain(value):
    if isinstance(value, datetime | date):
        return export_timestamp(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _export_fields(model) -> list:
    never = EXPORT_NEVER.get(model._meta.label_lower, set())
    names = [name for name in personal_fields(model) if name not in never]
    return [model._meta.get_field(name) for name in names]


def _row(obj, fields) -> dict:
    row = {}
    for f in fields:
        if f.is_relation:
            # A personal link (an order's delivery address) is shown as its text.
            related = getattr(obj, f.name)
            row[f.name] = str(related) if related is not None else None
        elif f.choices:
            row[f.name] = getattr(obj, f.attname)
            row[f"{f.name}_display"] = str(getattr(obj, f"get_{f.name}_display")())
        else:
            row[f.name] = _plain(getattr(obj, f.attname))
    return row


def personal_rows(queryset: QuerySet, *, exclude: tuple[str, ...] = ()) -> list[dict]:
    """The personal fields (per ``accounts.classification``) of each row, JSON-ready.

    Public so that other apps build their account-section export the same way: a
    relation is given as its text, a choice as its value plus ``<name>_display``.
    """
    model = queryset.model
    fields = [f for f in _export_fields(model) if f.name not in exclude]
    related = [f.name for f in fields if f.is_relation]
    if related:
        queryset = queryset.select_related(*related)
    return [_row(obj, fields) for obj in queryset.iterator(chunk_size=2000)]


def _history_rows(model, **filters) -> list[dict]:
    """Earlier versions of the customer's own records (5.1.2 keeps old values)."""
    fields = _export_fields(model)
    historical = model.history.model
    names = [f.attname for f in fields]
    rows = []
    for version in (
        historical.objects.filter(**filters).order_by("history_date", "history_id").iterator()
    ):
        row = {
            "changed_at": export_timestamp(version.history_date),
            "change": {"+": "created", "~": "changed", "-": "deleted"}[version.history_type],
        }
        row.update({name: _plain(getattr(version, name)) for name in names})
        rows.append(row)
    return rows


def customer_data_export(*, customer: Customer) -> dict:
    """Everything held about ``customer`` as JSON-ready data (5.2.1, 3.2, 3.4).

    The fields come from ``accounts.classification`` (only personal ones: ids and
    bookkeeping are left out); other apps contribute through ``customer_pages``.
    Every query is filtered by this customer, so no one else's data can appear.
    """
    from homeshop_privacy import customer_pages

    data = {
        "format": EXPORT_FORMAT,
        "generated_at": export_timestamp(timezone.now()),
        "customer": _row(customer, _export_fields(Customer)),
        "user": None,
        "addresses": personal_rows(customer_addresses(customer=customer)),
        "orders": personal_rows(Order.objects.filter(customer=customer)),
        "devices": personal_rows(customer_devices(customer=customer)),
        "account_closure_requests": personal_rows(customer_closure_requests(customer=customer)),
        "email_change_requests": personal_rows(
            EmailChangeRequest.objects.filter(customer=customer)
        ),
        "history": {
            "customer": _history_rows(Customer, id=customer.pk),
            "addresses": _history_rows(Address, customer_id=customer.pk),
        },
        "sections": {},
    }
    if customer.user_id:
        data["user"] = _row(customer.user, _export_fields(User))
    for section in customer_pages.account_sections.all():
        data["sections"][section.key] = _plain(section.data(customer))
    return data


def email_key(email: str | None) -> str:
    """An email as the customers' LOWER(email) index holds it, to look customers up."""
    return email_normalise(email).lower()


def customer_ids_by_email(*, emails: Iterable[str]) -> dict[str, int]:
    """Customer ids by ``email_key`` of the given emails (any case); unknown ones are
    absent. Through the LOWER(email) index, in one query on PostgreSQL."""
    wanted = list(dict.fromkeys(email_key(e) for e in emails if e and e.strip()))
    step = connection.features.max_query_params or len(wanted) or 1
    found: dict[str, int] = {}
    for start in range(0, len(wanted), step):
        found.update(
            Customer.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=wanted[start : start + step])
            .values_list("email_lower", "pk")
        )
    return found
