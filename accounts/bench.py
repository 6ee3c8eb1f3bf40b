"""Measures of the customer side at scale (see ``manage.py bench``, issue 14)."""

from django.test import Client

from homeshop_privacy.benchmarks import Measure, raw_sql

from . import services
from .models import Customer, User


def _busiest_customer() -> Customer:
    rows = raw_sql(
        "SELECT customer_id FROM accounts_order GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1"
    )
    return Customer.objects.get(pk=rows[0][0])


def _account_client():
    """The customer with the most rows, signed in to their account page."""
    customer = _busiest_customer()
    if customer.user_id is None:
        user = User.objects.filter(email=customer.email).first() or User.objects.create_user(
            customer.email, "bench-password-not-secret"
        )
        customer.user = user
        customer.save(update_fields=["user"])  # with its history row
    client = Client()
    client.force_login(customer.user)
    return {"client": client, "customer": customer}


def _account_page(state):
    response = state["client"].get("/account/")
    assert response.status_code == 200, response.status_code


def _save_state():
    customer = Customer.objects.order_by("pk")[3]
    return {"customer": customer, "n": 0}


def _service_save(state):
    customer = state["customer"]
    state["n"] += 1
    customer.last_name = f"Фамилия{state['n'] % 2}"
    services.customer_save(customer=customer, actor=None, reason="bench")


def _plain_save(state):
    customer = state["customer"]
    state["n"] += 1
    customer.last_name = f"Фамилия{state['n'] % 2}"
    customer.save()  # with its history row, as the service's save


MEASURES = [
    Measure(
        "account page of the customer with most rows",
        setup=_account_client,
        run=_account_page,
    ),
    Measure(
        "customer save through the service (raw: a plain save)",
        setup=_save_state,
        run=_service_save,
        raw=_plain_save,
        ratio_of="time",
    ),
]
