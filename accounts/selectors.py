"""Reads of customers and their data, returning querysets with their joins."""

from django.db.models import QuerySet

from .models import Customer, Order


def customer_by_email(*, email: str) -> Customer | None:
    return Customer.objects.filter(email__iexact=email.strip()).first()


def customers_search(*, term: str) -> QuerySet[Customer]:
    term = term.strip()
    return Customer.objects.filter(email__iexact=term) | Customer.objects.filter(phone=term)


def customer_orders(*, customer: Customer) -> QuerySet[Order]:
    return Order.objects.filter(customer=customer).select_related("delivery_address")
