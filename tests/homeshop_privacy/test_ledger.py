"""Issue 9 §2: legal records that even the database owner cannot rewrite unseen.

The triggers (TRUNCATE included, claim answers once sent, permissions once revoked, the
access log, the history of legal records), the one erasure function, the application role
without ownership, the hash chains, ``ledger_verify`` and the published heads.
"""

import datetime as dt
import io
import threading
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Customer, Order
from claims import services as claim_services
from claims.models import ClaimAnswer
from consents.models import ConsentEvent
from disclosures import services as disclosure_services
from disclosures.models import (
    BreachNotice,
    Disclosure,
    DisclosureLine,
    Recipient,
    WrittenPermission,
)
from homeshop_privacy import ledger
from homeshop_privacy.access_log import access_record
from homeshop_privacy.append_only import ImmutableRecordError, ledger_erase_personal
from homeshop_privacy.ledger import ledger_verify
from homeshop_privacy.models import (
    LedgerErasure,
    LedgerPublication,
    OutboundMessage,
    PersonalDataAccess,
)
from tests.claims.factories import register
from tests.consents.factories import grant, withdraw
from tests.disclosures.factories import RecipientFactory, WrittenPermissionFactory
from tests.factories import CustomerFactory

postgres = pytest.mark.postgres

# Every table that must refuse TRUNCATE (and, but for the two conditional ones, any
# UPDATE or DELETE of a row).
APPEND_ONLY_TABLES = [
    "consents_consentevent",
    "consents_consentwording",
    "consents_historicalpolicyversion",
    "disclosures_disclosure",
    "disclosures_disclosureline",
    "disclosures_disclosurevoid",
    "disclosures_breachaffected",
    "disclosures_breachnotice",
    "disclosures_historicalwrittenpermission",
    "disclosures_historicalbreachincident",
    "claims_historicalclaimanswer",
    "homeshop_privacy_personaldataaccess",
    "homeshop_privacy_ledgererasure",
    "homeshop_privacy_ledgerpublication",
]
CONDITIONAL_TABLES = [
    "claims_claimanswer",
    "disclosures_writtenpermission",
    "consents_policyversion",
]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _sql(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def _as_superuser_without_triggers(sql, params=None):
    """What a database superuser can do: switch the triggers off for the session."""
    _sql("SET session_replication_role = replica")
    try:
        _sql(sql, params)
    finally:
        _sql("SET session_replication_role = DEFAULT")


def _courier_disclosure(actor, *, lines=3):
    courier = RecipientFactory(kind=Recipient.Kind.COURIER)
    customers = [CustomerFactory() for _ in range(lines)]
    orders = [
        Order.objects.create(
            customer=c,
            number=f"L-{uuid.uuid4().hex[:10]}",
            placed_at=timezone.now() - dt.timedelta(days=1),
            total="1000.00",
        )
        for c in customers
    ]
    return disclosure_services.disclosure_record(
        actor=actor,
        recipient=courier,
        basis=Disclosure.Basis.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "contact", "address"],
        disclosed_at=timezone.now() - dt.timedelta(minutes=1),
        lines=[disclosure_services.LineInput(order_number=o.number) for o in orders],
        reference="MAN-1",
        note="Передано курьеру Ивану",
    )


def _sent_answer(drafter, approver):
    claim = register(assignee=drafter)
    answer = claim_services.claim_answer_draft(
        claim=claim, actor=drafter, body="Товар будет заменён в течение 5 дней."
    )
    answer = claim_services.claim_answer_approve(answer=answer, actor=approver)
    return claim_services.claim_answer_send(answer=answer, actor=approver)


@pytest.fixture
def second_officer(db):
    from homeshop_privacy import roles
    from tests.factories import StaffFactory

    return StaffFactory(role=roles.COMPLIANCE_OFFICER)


# --- triggers --------------------------------------------------------------------------------


@postgres
@pytest.mark.django_db
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES + CONDITIONAL_TABLES)
def test_truncate_of_a_legal_table_is_refused_even_for_the_owner(table):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        _sql(f"TRUNCATE {table} CASCADE")


@postgres
@pytest.mark.django_db
def test_the_test_flush_passes_only_with_its_setting_on(customer):
    grant(customer)
    _sql("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
    with transaction.atomic():
        _sql("SELECT set_config('homeshop.ledger_flush', 'on', true)")
        _sql("TRUNCATE consents_consentevent CASCADE")
        assert ConsentEvent.objects.count() == 0
        transaction.set_rollback(True)
    assert ConsentEvent.objects.count() == 1


@postgres
@pytest.mark.django_db
@pytest.mark.parametrize("verb", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_access_log_and_register_rows_refuse_changes(officer, customer, verb):
    # The register's rows are their own record: they keep no history (issue 15 item 9).
    access_record(user=officer, obj=customer, action=PersonalDataAccess.Action.VIEW)
    _courier_disclosure(officer, lines=1)
    for table in (
        "homeshop_privacy_personaldataaccess",
        "disclosures_disclosure",
        "disclosures_disclosureline",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            _sql(verb.format(t=table))


@postgres
@pytest.mark.django_db
def test_a_sent_answer_is_frozen_in_the_database_a_draft_is_not(officer, second_officer):
    draft = claim_services.claim_answer_draft(
        claim=register(assignee=officer), actor=officer, body="Черновик ответа."
    )
    _sql("UPDATE claims_claimanswer SET body = 'правка' WHERE id = %s", [draft.pk])

    sent = _sent_answer(officer, second_officer)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        _sql("UPDATE claims_claimanswer SET body = 'другой текст' WHERE id = %s", [sent.pk])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        _sql("DELETE FROM claims_claimanswer WHERE id = %s", [sent.pk])
    assert ClaimAnswer.objects.get(pk=sent.pk).body == "Товар будет заменён в течение 5 дней."


@postgres
@pytest.mark.django_db
def test_a_revoked_permission_is_frozen_in_the_database(officer):
    permission = WrittenPermissionFactory()
    _sql(
        "UPDATE disclosures_writtenpermission SET scope = 'уточнено' WHERE id = %s", [permission.pk]
    )
    disclosure_services.written_permission_revoke(
        permission=permission, actor=officer, reason="Отозвано письмом клиента"
    )
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        _sql(
            "UPDATE disclosures_writtenpermission SET revoked_at = NULL WHERE id = %s",
            [permission.pk],
        )
    assert WrittenPermission.objects.get(pk=permission.pk).revoked_at is not None


# --- the erasure function --------------------------------------------------------------------


@pytest.mark.django_db
def test_erasure_blanks_the_evidence_logs_it_and_keeps_the_chain_valid(customer):
    grant(customer, ip_address="203.0.113.7", user_agent="Mozilla/5.0 (X11)")
    event = withdraw(customer, ip_address="203.0.113.8", user_agent="Firefox/140")
    grant(customer, ip_address="203.0.113.9")

    log_id = ledger_erase_personal(
        model=ConsentEvent, pk=event.pk, columns=["ip_address", "user_agent"], reason="4.1 срок"
    )

    event = ConsentEvent.objects.get(pk=event.pk)
    assert (event.ip_address, event.user_agent) == (None, "")
    # The salt is forgotten: the digest alone cannot confirm a guessed address.
    assert event.chain_evidence["ip_address"].startswith(":")
    assert event.chain_evidence["note"].split(":")[0] != ""
    log = LedgerErasure.objects.get(pk=log_id)
    assert (log.table_name, log.row_id) == ("consents_consentevent", event.pk)
    assert log.columns == ["ip_address", "user_agent"]
    result = ledger_verify()
    assert result.ok, result.breaks


@pytest.mark.django_db
def test_erasure_refuses_a_column_that_is_not_evidence(customer):
    event = grant(customer)
    with pytest.raises(Exception, match="not erasable evidence"), transaction.atomic():
        ledger_erase_personal(model=ConsentEvent, pk=event.pk, columns=["action"], reason="x")
    assert ConsentEvent.objects.get(pk=event.pk).action == "grant"
    assert not LedgerErasure.objects.exists()


@postgres
@pytest.mark.django_db
def test_the_erasable_columns_in_the_database_are_the_models_evidence():
    rows = set(_sql("SELECT table_name, column_name FROM homeshop_privacy_ledgererasable"))
    for model in ledger.chained_models().values():
        for column in getattr(model, "ledger_erasable", ()):
            assert (model._meta.db_table, column) in rows
            assert column in ledger.chain_of(model).evidence


# --- the application role ------------------------------------------------------------------


@pytest.fixture
def app_role(transactional_db):
    """A fresh login role owning nothing, with the grants of ``db_grant_app_role``."""
    name = f"hs_app_{uuid.uuid4().hex[:10]}"
    _sql(f"CREATE ROLE {name} LOGIN")
    try:
        call_command("db_grant_app_role", name, stdout=io.StringIO())
        yield name
    finally:
        _sql(f"DROP OWNED BY {name}")
        _sql(f"DROP ROLE {name}")


def _connect_as(role):
    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        dbname=connection.settings_dict["NAME"],
        user=role,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    conn.autocommit = True
    return conn


def _refused(conn, sql, params=None) -> str:
    with conn.cursor() as cursor:
        try:
            cursor.execute(sql, params)
        except psycopg2.Error as exc:
            return exc.pgcode
    return "accepted"


@postgres
def test_the_application_role_cannot_truncate_alter_or_update_a_legal_table(
    app_role, officer, second_officer, customer
):
    event = grant(customer, ip_address="198.51.100.4")
    answer = _sent_answer(officer, second_officer)
    conn = _connect_as(app_role)
    try:
        denied = "42501"  # insufficient_privilege
        for table in ("consents_consentevent", "disclosures_disclosureline"):
            assert _refused(conn, f"TRUNCATE {table} CASCADE") == denied
            assert _refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER USER") == denied
        assert _refused(conn, "SET session_replication_role = replica") == denied
        update = "UPDATE consents_consentevent SET channel = 'staff' WHERE id = %s"
        assert _refused(conn, update, [event.pk]) == denied
        assert _refused(conn, "DELETE FROM consents_consentevent") == denied
        assert _refused(conn, "UPDATE homeshop_privacy_personaldataaccess SET path = ''") == denied
        # The flush's way through is the owner's only.
        assert _refused(conn, "SET homeshop.ledger_flush = on") == "accepted"
        assert _refused(conn, "TRUNCATE consents_consentevent CASCADE") == denied
        # A sent answer: the role may update answers (drafts), the trigger refuses.
        update_answer = "UPDATE claims_claimanswer SET body = 'x' WHERE id = %s"
        assert _refused(conn, update_answer, [answer.pk]) == "23000"
        # Setting the erasure flag by hand does not help: the trigger wants the owner.
        assert _refused(conn, "SET homeshop.ledger_erasing = 'claims_claimanswer'") == "accepted"
        assert _refused(conn, update_answer, [answer.pk]) == "23000"
        # Ordinary tables stay writable; the erasure function is the one way through.
        assert _refused(conn, "UPDATE accounts_customer SET first_name = first_name") == "accepted"
        erase = "SELECT ledger_erase_personal('consents_consentevent', %s, %s, 'retention')"
        assert _refused(conn, erase, [event.pk, ["ip_address"]]) == "accepted"
        assert _refused(conn, erase, [event.pk, ["action"]]) == denied
    finally:
        conn.close()
    assert ConsentEvent.objects.get(pk=event.pk).ip_address is None
    assert ConsentEvent.objects.get(pk=event.pk).channel == "registration"
    assert ledger_verify().ok


@postgres
@pytest.mark.django_db
def test_the_services_work_as_the_application_role(officer, second_officer, customer):
    """Every write path of the legal records needs no more than the role's grants."""
    role = f"hs_app_{uuid.uuid4().hex[:10]}"
    _sql(f"CREATE ROLE {role}")  # rolled back with the test's transaction
    call_command("db_grant_app_role", role, stdout=io.StringIO())
    claim = register(assignee=officer)
    recipient = RecipientFactory(kind=Recipient.Kind.COURIER)
    order = Order.objects.create(
        customer=customer,
        number="R-000001",
        placed_at=timezone.now() - dt.timedelta(days=1),
        total="10.00",
    )
    incident = disclosure_services.breach_record(
        actor=officer,
        reference="INC-R",
        title="Утечка",
        description="Тест",
        discovered_at=timezone.now(),
        categories=["contact"],
        notice_ru="Сообщаем об инциденте.",
    )
    _sql(f"SET ROLE {role}")
    try:
        grant(customer, ip_address="192.0.2.10", user_agent="Safari")
        entry = disclosure_services.disclosure_record(
            actor=officer,
            recipient=recipient,
            basis=Disclosure.Basis.ORDER_FULFILMENT,
            purpose_code="4.2.3",
            categories=["identity", "address"],
            disclosed_at=timezone.now() - dt.timedelta(minutes=1),
            lines=[disclosure_services.LineInput(order_number=order.number)],
        )
        disclosure_services.disclosure_void(disclosure=entry, actor=officer, reason="Ошибка")
        disclosure_services.breach_add_affected(incident=incident, customer_ids=[customer.pk])
        disclosure_services.breach_notify_customers(incident=incident, customer_ids=[customer.pk])
        answer = claim_services.claim_answer_draft(claim=claim, actor=officer, body="Ответ.")
        answer = claim_services.claim_answer_approve(answer=answer, actor=second_officer)
        claim_services.claim_answer_send(answer=answer, actor=second_officer)
        assert _sql("SELECT current_user")[0][0] == role
    finally:
        _sql("RESET ROLE")
    result = ledger_verify()
    assert result.ok, result.breaks
    assert result.rows == 6  # event, entry, line, void, notice, answer


# --- the hash chains -------------------------------------------------------------------------


@pytest.mark.django_db
def test_consent_events_are_chained_per_customer():
    first, second = CustomerFactory(), CustomerFactory()
    a1 = grant(first, ip_address="192.0.2.1")
    b1 = grant(second)
    a2 = withdraw(first)

    assert a1.chain_prev == "" and b1.chain_prev == ""
    assert ConsentEvent.objects.get(pk=a2.pk).chain_prev == a1.chain_hash
    assert len({a1.chain_hash, b1.chain_hash, a2.chain_hash}) == 3
    assert "192.0.2.1" not in str(a1.chain_evidence)
    result = ledger_verify()
    assert result.ok and result.chains == 2 and result.rows == 3


@postgres
@pytest.mark.django_db
def test_a_row_edited_with_the_triggers_off_is_named_by_ledger_verify(customer):
    grant(customer, ip_address="192.0.2.1")
    edited = withdraw(customer)
    grant(customer)
    _as_superuser_without_triggers(
        "UPDATE consents_consentevent SET action = 'grant' WHERE id = %s", [edited.pk]
    )

    result = ledger_verify()
    assert [(b.table, b.row_id) for b in result.breaks] == [("consents_consentevent", edited.pk)]
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("ledger_verify", stdout=io.StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert f"consents_consentevent id={edited.pk}: content changed" in err.getvalue()


@postgres
@pytest.mark.django_db
def test_changed_evidence_and_a_deleted_row_are_caught(customer):
    first = grant(customer, ip_address="192.0.2.1")
    gone = withdraw(customer)
    after = grant(customer)
    _as_superuser_without_triggers(
        "UPDATE consents_consentevent SET ip_address = '192.0.2.99' WHERE id = %s", [first.pk]
    )
    _as_superuser_without_triggers("DELETE FROM consents_consentevent WHERE id = %s", [gone.pk])
    _as_superuser_without_triggers("DELETE FROM consents_consentstate")

    breaks = ledger_verify().breaks
    assert [(b.row_id, b.problem) for b in breaks] == [(first.pk, "ip_address changed")]
    # Repair the first row: the gap after it is found next.
    _as_superuser_without_triggers(
        "UPDATE consents_consentevent SET ip_address = '192.0.2.1' WHERE id = %s", [first.pk]
    )
    breaks = ledger_verify().breaks
    assert [b.row_id for b in breaks] == [after.pk]
    assert "link to the previous row broken" in breaks[0].problem


@postgres
@pytest.mark.django_db
def test_register_lines_void_notices_and_answers_are_chained_and_checked(officer, second_officer):
    entry = _courier_disclosure(officer, lines=3)
    void = disclosure_services.disclosure_void(disclosure=entry, actor=officer, reason="Дубль")
    answer = _sent_answer(officer, second_officer)
    lines = list(DisclosureLine.objects.filter(disclosure=entry).order_by("id"))
    assert lines[0].chain_prev == entry.chain_hash
    assert lines[2].chain_prev == lines[1].chain_hash
    assert void.chain_prev == entry.chain_hash
    assert answer.chain_hash and ClaimAnswer.objects.get(pk=answer.pk).chain_hash
    assert ledger_verify().ok

    _as_superuser_without_triggers(
        "UPDATE disclosures_disclosureline SET customer_id = %s WHERE id = %s",
        [CustomerFactory().pk, lines[1].pk],
    )
    _as_superuser_without_triggers(
        "DELETE FROM disclosures_disclosureline WHERE id = %s", [lines[2].pk]
    )
    _as_superuser_without_triggers(
        "UPDATE claims_claimanswer SET body = 'Другой текст' WHERE id = %s", [answer.pk]
    )
    found = {(b.table, b.row_id, b.problem) for b in ledger_verify().breaks}
    assert ("disclosures_disclosureline", lines[1].pk, "content changed (hash differs)") in found
    assert ("disclosures_disclosureline", None, "2 lines, the entry says 3") in found
    assert ("claims_claimanswer", answer.pk, "body changed") in found


@postgres
@pytest.mark.django_db
def test_breach_notices_are_chained_per_incident(officer):
    customers = [CustomerFactory() for _ in range(3)]
    incident = disclosure_services.breach_record(
        actor=officer,
        reference="INC-1",
        title="Утечка",
        description="Тест",
        discovered_at=timezone.now(),
        categories=["contact"],
        notice_ru="Сообщаем об инциденте.",
    )
    disclosure_services.breach_add_affected(
        incident=incident, customer_ids=[c.pk for c in customers]
    )
    disclosure_services.breach_notify_customers(incident=incident, customer_ids=[customers[0].pk])
    disclosure_services.breach_notify_customers(
        incident=incident, customer_ids=[c.pk for c in customers]
    )
    notices = list(BreachNotice.objects.filter(incident=incident).order_by("id"))
    assert [n.chain_prev for n in notices] == ["", notices[0].chain_hash, notices[1].chain_hash]
    assert ledger_verify().ok


@postgres
@pytest.mark.django_db
def test_a_full_rewrite_is_caught_against_the_published_heads(officer, customer):
    grant(customer, ip_address="192.0.2.1")
    target = withdraw(customer)
    grant(customer)
    published = ledger.ledger_publish_heads()
    grant(CustomerFactory())  # after the publication: not part of it
    assert ledger_verify().ok

    # A superuser rewrites one row and recomputes the whole chain so that it verifies.
    _as_superuser_without_triggers(
        "UPDATE consents_consentevent SET action = 'grant' WHERE id = %s", [target.pk]
    )
    rows = list(ConsentEvent.objects.filter(customer=customer).order_by("id"))
    for row in rows:
        row.chain_hash = ""
    chain = ConsentEvent.ledger_chain
    prev = ""
    for row in rows:
        ledger._seal(row, chain, prev)
        prev = row.chain_hash
        _as_superuser_without_triggers(
            "UPDATE consents_consentevent SET chain_prev = %s, chain_hash = %s,"
            " chain_evidence = %s::jsonb WHERE id = %s",
            [row.chain_prev, row.chain_hash, ledger._dumps(row.chain_evidence).decode(), row.pk],
        )

    result = ledger_verify()
    assert result.breaks == []  # every chain is consistent again...
    assert result.publications[published.pk][0] != result.publications[published.pk][1]
    assert not result.ok  # ...but not with yesterday's heads
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "ledger_verify", "--digest", published.digest, stdout=io.StringIO(), stderr=err
        )
    assert f"BROKEN publication {published.pk}" in err.getvalue()


@postgres
@pytest.mark.django_db
def test_rewriting_the_stored_publication_is_caught_by_the_emailed_digest(officer, customer):
    grant(customer)
    published = ledger.ledger_publish_heads()
    emailed = published.digest
    _as_superuser_without_triggers(
        "UPDATE homeshop_privacy_ledgerpublication SET digest = %s WHERE id = %s",
        ["0" * 64, published.pk],
    )
    with pytest.raises(CommandError, match="No stored publication has the digest"):
        call_command("ledger_verify", "--digest", emailed, stdout=io.StringIO())


@postgres
@pytest.mark.django_db
def test_daily_task_publishes_the_heads_and_alerts_the_officers_on_a_break(officer, customer):
    from homeshop_privacy.tasks import ledger_verify_daily

    assert "ledger-verify-daily" in settings.CELERY_BEAT_SCHEDULE
    event = grant(customer)
    assert ledger_verify_daily().startswith("ok ")
    publication = LedgerPublication.objects.get()
    heads = OutboundMessage.objects.get(reason="ledger.heads", recipient=officer.email)
    assert publication.digest in heads.body_text
    assert not OutboundMessage.objects.filter(reason="ledger.break").exists()

    _as_superuser_without_triggers(
        "UPDATE consents_consentevent SET channel = 'staff' WHERE id = %s", [event.pk]
    )
    assert ledger_verify_daily().startswith("BROKEN ")
    alert = OutboundMessage.objects.get(reason="ledger.break", recipient=officer.email)
    assert f"consents_consentevent id={event.pk}" in alert.body_text
    assert str(customer.email) not in alert.body_text
    assert LedgerPublication.objects.count() == 2


@postgres
@pytest.mark.django_db
def test_backfill_chains_rows_written_before_the_chains_in_order():
    first, second = CustomerFactory(), CustomerFactory()
    events = [grant(first), grant(second), withdraw(first)]
    _as_superuser_without_triggers(
        "UPDATE consents_consentevent SET chain_prev = '', chain_hash = '', chain_evidence = '{}'"
    )
    assert not ledger_verify().ok

    _sql("SET session_replication_role = replica")
    try:
        hashes = ledger.backfill(ConsentEvent, ConsentEvent.ledger_chain)
    finally:
        _sql("SET session_replication_role = DEFAULT")

    assert set(hashes) == {e.pk for e in events}
    assert ConsentEvent.objects.get(pk=events[2].pk).chain_prev == hashes[events[0].pk]
    assert ledger_verify().ok


@postgres
@pytest.mark.django_db(transaction=True)
def test_writers_of_different_chains_do_not_wait_for_each_other():
    """A writer holding one customer's chain open does not block another customer's."""
    first, second = CustomerFactory(), CustomerFactory()
    inside, release, errors = threading.Event(), threading.Event(), []

    def slow_writer():
        try:
            with transaction.atomic():
                grant(first)
                inside.set()
                release.wait(10)
                grant(first)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inside.wait(10)
    try:
        with transaction.atomic():
            _sql("SET LOCAL lock_timeout = '2s'")
            grant(second)
            grant(second)
    finally:
        release.set()
        thread.join(15)
    assert not errors
    assert ConsentEvent.objects.filter(customer=first).count() == 2
    assert ConsentEvent.objects.filter(customer=second).count() == 2
    assert ledger_verify().ok


@postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_chain_are_serialised_and_the_chain_stays_valid():
    customer = CustomerFactory()
    errors = []

    def writer(n):
        try:
            for i in range(5):
                (grant if (i + n) % 2 else withdraw)(customer)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert ConsentEvent.objects.filter(customer=customer).count() == 15
    result = ledger_verify()
    assert result.ok and result.chains == 1


@pytest.mark.django_db
def test_chained_rows_refuse_bulk_inserts_that_skip_conflicts(customer):
    from consents.models import Purpose

    event = ConsentEvent(
        customer=customer,
        purpose=Purpose.objects.get(code="4.2.6"),
        action="grant",
        channel="staff",
    )
    with pytest.raises(ImmutableRecordError):
        ConsentEvent.objects.bulk_create([event], ignore_conflicts=True)
    assert not ConsentEvent.objects.exists()
    Customer.objects.filter(pk=customer.pk).exists()
