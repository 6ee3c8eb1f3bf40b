"""Races that only a real PostgreSQL shows: row locks decide, never timing."""

import threading

import pytest
from django.db import connection

from consents.models import ConsentEvent, ConsentState
from consents.services import promotion_email_enqueue, promotions_unsubscribe
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from tests.factories import CustomerFactory

from .factories import grant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(*targets):
    barrier = threading.Barrier(len(targets))
    errors = []

    def run(target):
        try:
            barrier.wait()
            target()
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_two_simultaneous_unsubscribes_write_one_withdrawal():
    customer = CustomerFactory()
    grant(customer)

    errors = _in_threads(
        lambda: promotions_unsubscribe(customer=customer, one_click=True),
        lambda: promotions_unsubscribe(customer=customer),
    )

    assert errors == []
    assert ConsentEvent.objects.filter(customer=customer, action="withdraw").count() == 1
    assert not ConsentState.objects.get(customer=customer, purpose__code="4.2.6").is_granted


def test_simultaneous_grants_for_a_new_customer_keep_one_state_row():
    customer = CustomerFactory()

    errors = _in_threads(*(lambda: grant(customer, "4.2.7") for _ in range(4)))

    assert errors == []
    assert ConsentEvent.objects.filter(customer=customer).count() == 4
    assert ConsentState.objects.filter(customer=customer).count() == 1


def test_a_promotion_racing_an_unsubscribe_is_either_refused_or_written_before_it():
    customer = CustomerFactory()
    grant(customer)

    errors = _in_threads(
        lambda: promotions_unsubscribe(customer=customer),
        lambda: promotion_email_enqueue(
            customer=customer, campaign="race", subject="Акция", body_text="Скидки"
        ),
    )

    assert all(isinstance(e, DomainError) for e in errors)
    withdrawn = ConsentEvent.objects.get(customer=customer, action="withdraw")
    message = OutboundMessage.objects.filter(recipient=customer.email).first()
    if message is None:
        assert len(errors) == 1  # refused: the withdrawal committed first
    else:
        assert errors == []
        assert message.created_at <= withdrawn.recorded_at


def test_the_catalogue_and_policy_version_1_survive_the_flush_of_earlier_tests():
    # Runs after the tests above, each of which ended with a flush of every table.
    from consents.models import PolicyVersion, Purpose

    assert Purpose.objects.section4().count() == 10
    assert PolicyVersion.objects.get(label="1").text_ru.startswith("Политика")
