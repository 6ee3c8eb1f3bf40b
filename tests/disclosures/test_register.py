"""The register at volume, and append-only."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from disclosures import services
from disclosures.models import Disclosure, DisclosureLine, DisclosureVoid
from disclosures.services import LineInput, LinesRefused
from homeshop_privacy.errors import DomainError
from tests.disclosures.conftest import NOW
from tests.factories import CustomerFactory, OrderFactory

B = Disclosure.Basis


def manifest(actor, courier, lines, **kwargs):
    return services.disclosure_record(
        actor=actor,
        recipient=courier,
        basis=B.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "contact", "address"],
        disclosed_at=NOW - dt.timedelta(hours=2),
        reference="MAN-2026-11-25",
        lines=lines,
        **kwargs,
    )


def test_batch_records_every_line_and_who_recorded_it(officer, courier, make_orders):
    orders = make_orders(50)
    disclosure = manifest(officer, courier, [LineInput(o.number) for o in orders])
    lines = list(disclosure.lines.order_by("line_no"))
    assert [line.order_id for line in lines] == [o.pk for o in orders]
    assert [line.customer_id for line in lines] == [o.customer_id for o in orders]
    assert disclosure.line_count == 50
    # Append-only rows keep no history (issue 15 item 9): the entry names who recorded it.
    assert disclosure.recorded_by == officer


def test_batch_is_all_or_nothing_and_lists_every_rejected_line(officer, courier, make_orders):
    orders = make_orders(5)
    stranger = CustomerFactory()
    lines = [
        LineInput(orders[0].number),
        LineInput("NO-SUCH-ORDER"),
        LineInput(orders[2].number),
        LineInput(orders[3].number, customer_id=stranger.pk),
        LineInput(orders[2].number),
    ]
    with pytest.raises(LinesRefused) as exc:
        manifest(officer, courier, lines)
    assert [str(r) for r in exc.value.rejected] == [
        "2: No order NO-SUCH-ORDER.",
        f"4: Order {orders[3].number} belongs to another customer.",
        f"5: Order {orders[2].number} is listed twice.",
    ]
    assert exc.value.messages == ["3 of 5 lines were refused; nothing was recorded."]
    assert not Disclosure.objects.exists()
    assert not DisclosureLine.objects.exists()


def test_void_is_a_new_entry_and_keeps_the_original(officer, courier):
    order = OrderFactory()
    disclosure = manifest(officer, courier, [LineInput(order.number)])
    void = services.disclosure_void(
        disclosure=disclosure, actor=officer, reason="manifest sent to the wrong courier"
    )
    assert Disclosure.objects.filter(pk=disclosure.pk).exists()
    assert DisclosureLine.objects.filter(disclosure=disclosure).count() == 1
    assert (void.disclosure_id, void.reason, void.voided_by) == (
        disclosure.pk,
        "manifest sent to the wrong courier",
        officer,
    )


def test_an_entry_is_voided_only_once(officer, courier):
    disclosure = manifest(officer, courier, [LineInput(OrderFactory().number)])
    services.disclosure_void(disclosure=disclosure, actor=officer, reason="duplicate")
    with pytest.raises(DomainError):
        services.disclosure_void(disclosure=disclosure, actor=officer, reason="again")
    assert DisclosureVoid.objects.count() == 1


def test_void_without_reason_is_refused(officer, courier):
    disclosure = manifest(officer, courier, [LineInput(OrderFactory().number)])
    with pytest.raises(DomainError):
        services.disclosure_void(disclosure=disclosure, actor=officer, reason="  ")
    assert not DisclosureVoid.objects.exists()


# --- append-only ----------------------------------------------------------------------------


@pytest.fixture
def entry(officer, courier):
    return manifest(officer, courier, [LineInput(OrderFactory().number)])


def test_saving_an_existing_entry_is_refused(entry):
    entry.note = "edited afterwards"
    with pytest.raises(TypeError):
        entry.save()
    assert Disclosure.objects.get(pk=entry.pk).note == ""


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        entry.lines.get().delete()


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(TypeError):
        Disclosure.objects.filter(pk=entry.pk).update(note="x")
    with pytest.raises(TypeError):
        DisclosureLine.objects.all().delete()
    with pytest.raises(TypeError):
        DisclosureVoid.objects.all().update(reason="x")
    assert DisclosureLine.objects.filter(disclosure=entry).count() == 1


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE disclosures_disclosure SET note = 'rewritten'",
        "DELETE FROM disclosures_disclosureline",
        "UPDATE disclosures_disclosureline SET customer_id = customer_id",
    ],
)
def test_database_trigger_refuses_raw_update_and_delete(entry, sql):
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert Disclosure.objects.get(pk=entry.pk).note == ""
    assert DisclosureLine.objects.filter(disclosure=entry).count() == 1


@pytest.mark.postgres
def test_database_trigger_refuses_rewriting_a_void(officer, entry):
    services.disclosure_void(disclosure=entry, actor=officer, reason="wrong courier")
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM disclosures_disclosurevoid")
    assert DisclosureVoid.objects.filter(disclosure=entry).exists()


# --- volume -------------------------------------------------------------------------------


@pytest.mark.postgres
def test_batch_query_count_does_not_grow_with_its_size(
    officer, courier, make_orders, django_assert_num_queries
):
    small = make_orders(10, prefix="S")
    large = make_orders(1_000, prefix="L")

    with CaptureQueriesContext(connection) as small_run:
        manifest(officer, courier, [LineInput(o.number) for o in small])
    with django_assert_num_queries(len(small_run.captured_queries)):
        manifest(officer, courier, [LineInput(o.number) for o in large])
    assert DisclosureLine.objects.count() == 1_010
    # A handful, not one per line (one of them locks the recipient's hash chain and
    # reads its head, issue 9 §2).
    assert len(small_run.captured_queries) <= 9


@pytest.mark.postgres
def test_courier_manifest_of_ten_thousand_orders_in_one_call(
    officer, courier, make_orders, django_assert_num_queries
):
    orders = make_orders(10_000)
    # 7: the lock of the recipient's hash chain with its head (issue 9 §2), the checks,
    # the entry and its lines in one INSERT each; no history rows (issue 15 item 9).
    with django_assert_num_queries(7):
        disclosure = manifest(officer, courier, [LineInput(o.number) for o in orders])
    assert disclosure.line_count == 10_000
    assert DisclosureLine.objects.filter(disclosure=disclosure).count() == 10_000


def _bank_batch(officer, bank, customers):
    return services.disclosure_record(
        actor=officer,
        recipient=bank,
        basis=B.CONSENT,
        purpose_code="4.2.10",
        categories=["identity", "contact"],
        disclosed_at=NOW - dt.timedelta(hours=1),
        lines=[LineInput(customer_id=c.pk) for c in customers],
    )


def _consenting(make_orders, n, prefix):
    from consents.services import consent_grant

    customers = [o.customer for o in make_orders(n, prefix=prefix)]
    for customer in customers:
        consent_grant(
            customer=customer,
            purpose_code="4.2.10",
            channel="checkout",
            occurred_at=NOW - dt.timedelta(days=1),
        )
    return customers


def test_consent_batch_refuses_exactly_the_customers_without_consent(officer, bank, make_orders):
    from consents.services import consent_withdraw

    customers = _consenting(make_orders, 30, "C")
    consent_withdraw(
        customer=customers[4],
        purpose_code="4.2.10",
        channel="account_page",
        occurred_at=NOW - dt.timedelta(hours=2),
    )
    never_asked = CustomerFactory()
    with pytest.raises(LinesRefused) as exc:
        _bank_batch(officer, bank, [*customers, never_asked])
    assert [r.line_no for r in exc.value.rejected] == [5, 31]
    assert not Disclosure.objects.exists()


@pytest.mark.postgres
def test_consent_batch_query_count_does_not_grow_with_its_size(
    officer, bank, make_orders, django_assert_num_queries
):
    small = _consenting(make_orders, 25, "A")
    large = _consenting(make_orders, 250, "B")
    with CaptureQueriesContext(connection) as small_run:
        _bank_batch(officer, bank, small)
    with django_assert_num_queries(len(small_run.captured_queries)):
        _bank_batch(officer, bank, large)
