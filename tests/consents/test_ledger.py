import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.utils import DatabaseError

from consents import selectors, services
from consents.models import ConsentEvent, ConsentState, ConsentWording, ImmutableRecordError
from homeshop_privacy.errors import DomainError
from tests.factories import CustomerFactory

from .factories import grant, withdraw

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=ALMATY)


def test_grant_withdraw_grant_leaves_the_consent_granted(customer):
    grant(customer, at=T0)
    withdraw(customer, at=T0 + timedelta(hours=1))
    assert not selectors.consent_is_granted(customer_id=customer.pk, purpose_code="4.2.6")

    grant(customer, at=T0 + timedelta(hours=2))

    assert selectors.consent_is_granted(customer_id=customer.pk, purpose_code="4.2.6")
    assert ConsentEvent.objects.filter(customer=customer).count() == 3
    state = ConsentState.objects.get(customer=customer, purpose__code="4.2.6")
    assert state.is_granted and state.changed_at == T0 + timedelta(hours=2)


def test_consent_at_a_past_moment_comes_from_the_ledger(customer):
    grant(customer, at=T0)
    withdraw(customer, at=T0 + timedelta(hours=1))

    def at(moment):
        return selectors.consent_is_granted(
            customer_id=customer.pk, purpose_code="4.2.6", at=moment
        )

    assert at(T0 - timedelta(seconds=1)) is False
    assert at(T0) is True
    assert at(T0 + timedelta(minutes=59)) is True
    assert at(T0 + timedelta(hours=1)) is False


def test_no_event_means_no_consent(customer):
    assert not selectors.consent_is_granted(customer_id=customer.pk, purpose_code="4.2.10")


def test_contract_purposes_need_no_consent_and_cannot_be_recorded(customer):
    assert selectors.consent_is_granted(customer_id=customer.pk, purpose_code="4.2.3")

    with pytest.raises(DomainError):
        withdraw(customer, purpose_code="4.2.3")
    assert not ConsentEvent.objects.exists()


def test_an_event_entered_late_does_not_override_a_newer_choice(customer):
    withdraw(customer, at=T0 + timedelta(days=1))

    grant(customer, at=T0, channel=ConsentEvent.Channel.STAFF, note="paper form")

    assert not selectors.consent_is_granted(customer_id=customer.pk, purpose_code="4.2.6")
    assert selectors.consent_is_granted(
        customer_id=customer.pk, purpose_code="4.2.6", at=T0 + timedelta(hours=1)
    )


def test_event_names_the_policy_version_in_force_and_its_evidence(customer):
    with time_machine.travel(T0, tick=False):
        event = grant(
            customer,
            ip_address="203.0.113.7",
            user_agent="Mozilla/5.0 (iPhone)",
            wording_text="Хочу получать акции и специальные предложения",
        )

    assert event.policy_version.label == "1"
    assert event.occurred_at == T0
    assert event.ip_address == "203.0.113.7"
    assert event.wording.text == "Хочу получать акции и специальные предложения"


def test_the_same_wording_is_stored_once_and_referenced_by_hash(customer):
    text = "Хочу получать акции и специальные предложения"
    first = grant(customer, wording_text=text)
    second = grant(CustomerFactory(), wording_text=text)

    assert first.wording_id == second.wording_id
    assert ConsentWording.objects.count() == 1
    assert len(first.wording.sha256) == 64


def test_future_events_are_refused(customer):
    with time_machine.travel(T0, tick=False), pytest.raises(DomainError):
        grant(customer, at=T0 + timedelta(minutes=5))


def test_policy_acceptance_is_recorded_and_cannot_be_withdrawn(customer):
    event = services.policy_accept(customer=customer, channel=ConsentEvent.Channel.CHECKOUT)

    assert event.purpose.code == "2.1" and event.policy_version.label == "1"
    with pytest.raises(DomainError):
        withdraw(customer, purpose_code="2.1")


def test_cookie_choices_are_events_of_the_same_ledger(customer):
    grant(customer, "cookies.analytics", channel=ConsentEvent.Channel.COOKIE_BANNER)
    withdraw(customer, "cookies.advertising", channel=ConsentEvent.Channel.COOKIE_BANNER)

    rows = {r.purpose.code: r for r in selectors.customer_consent_state(customer=customer)}
    assert rows["cookies.analytics"].is_granted
    assert not rows["cookies.advertising"].is_granted
    assert rows["cookies.essential"].effective  # contract basis: information only


# --- immutability --------------------------------------------------------------------------


def test_an_event_cannot_be_saved_again(customer):
    event = grant(customer)
    event.action = ConsentEvent.Action.WITHDRAW

    with pytest.raises(ImmutableRecordError):
        event.save()
    assert ConsentEvent.objects.get(pk=event.pk).action == ConsentEvent.Action.GRANT


def test_an_event_cannot_be_deleted(customer):
    event = grant(customer)

    with pytest.raises(ImmutableRecordError):
        event.delete()
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_delete_and_bulk_update_are_refused(customer):
    event = grant(customer)
    event.action = ConsentEvent.Action.WITHDRAW

    with pytest.raises(ImmutableRecordError):
        ConsentEvent.objects.filter(pk=event.pk).update(action="withdraw")
    with pytest.raises(ImmutableRecordError):
        ConsentEvent.objects.all().delete()
    with pytest.raises(ImmutableRecordError):
        ConsentEvent.objects.bulk_update([event], ["action"])
    assert ConsentEvent.objects.get(pk=event.pk).action == ConsentEvent.Action.GRANT


def test_a_customer_with_consent_events_cannot_be_deleted(customer):
    from django.db.models import ProtectedError

    grant(customer)

    with pytest.raises(ProtectedError):
        customer.delete()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE consents_consentevent SET action = 'withdraw'",
        "DELETE FROM consents_consentevent",
        "UPDATE consents_consentwording SET text = 'other'",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(customer, sql):
    grant(customer, wording_text="Да")

    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute(sql)


# --- the segment selector ------------------------------------------------------------------


def _brute_force(events, purpose_code, at=None):
    """Latest event per customer by (occurred_at, id), straight from the raw rows."""
    latest = {}
    for event in events:
        if event["purpose__code"] != purpose_code or (at and event["occurred_at"] > at):
            continue
        key = (event["occurred_at"], event["id"])
        if event["customer_id"] not in latest or key > latest[event["customer_id"]][0]:
            latest[event["customer_id"]] = (key, event["action"])
    return {cid for cid, (_key, action) in latest.items() if action == "grant"}


def test_segment_selectors_match_a_brute_force_computation_on_generated_data():
    rng = random.Random(20261125)
    customers = CustomerFactory.create_batch(120)
    codes = ["4.2.6", "4.2.7", "cookies.analytics"]
    with time_machine.travel(T0 + timedelta(days=40), tick=False):
        for _ in range(900):
            customer = rng.choice(customers)
            # Random moments, so that many events arrive out of order (entered late).
            moment = T0 + timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
            record = grant if rng.random() < 0.55 else withdraw
            record(customer, rng.choice(codes), at=moment)
    events = list(
        ConsentEvent.objects.values("id", "customer_id", "purpose__code", "occurred_at", "action")
    )

    for code in codes:
        expected_now = _brute_force(events, code)
        assert (
            set(selectors.customers_with_consent(purpose_code=code).values_list("pk", flat=True))
            == expected_now
        )
        middle = T0 + timedelta(days=12, hours=5)
        ids_at_middle = list(selectors.customer_ids_with_consent_at(purpose_code=code, at=middle))
        assert len(ids_at_middle) == len(set(ids_at_middle))  # each customer once
        assert set(ids_at_middle) == _brute_force(events, code, at=middle)
        for customer in customers[:30]:
            assert selectors.consent_is_granted(
                customer_id=customer.pk, purpose_code=code, at=middle
            ) == (customer.pk in _brute_force(events, code, at=middle))
    assert 0 < len(_brute_force(events, "4.2.6")) < len(customers)


def test_promotable_segment_is_one_query_over_the_state_table(django_assert_num_queries):
    for customer in CustomerFactory.create_batch(5):
        grant(customer)
    withdraw(customer)

    with django_assert_num_queries(2):  # the purpose, then the segment
        ids = list(selectors.customers_promotable().values_list("pk", flat=True))
    assert len(ids) == 4


def test_state_rebuilt_from_the_ledger_equals_the_maintained_state():
    rng = random.Random(7)
    customers = CustomerFactory.create_batch(20)
    with time_machine.travel(T0 + timedelta(days=10), tick=False):
        for _ in range(150):
            record = grant if rng.random() < 0.5 else withdraw
            record(rng.choice(customers), at=T0 + timedelta(minutes=rng.randrange(0, 10_000)))
    before = set(
        ConsentState.objects.values_list("customer_id", "purpose_id", "is_granted", "event_id")
    )

    rebuilt = services.consent_states_rebuild()

    after = set(
        ConsentState.objects.values_list("customer_id", "purpose_id", "is_granted", "event_id")
    )
    assert rebuilt == len(before)
    assert after == before
