"""5.4.4: every customer affected by a breach is told, exactly once, with proof of sending."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from disclosures import selectors, services, tasks
from disclosures.models import BreachNotice, Disclosure
from disclosures.services import LineInput
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.tasks import outbox_send_chunk
from tests.disclosures.conftest import NOW
from tests.factories import CustomerFactory


@pytest.fixture
def incident(officer):
    return services.breach_record(
        actor=officer,
        reference="BR-2026-01",
        title="Lost courier manifest",
        description="The courier lost a printed manifest on 24 Nov.",
        discovered_at=NOW - dt.timedelta(hours=5),
        categories=["identity", "contact", "address"],
        notice_ru="Курьер утерял бумажный список доставок с вашими данными.",
        notice_kk="Курьер сіздің деректеріңіз бар жеткізу тізімін жоғалтты.",
        notice_en="A courier lost a printed delivery list with your data.",
    )


@pytest.fixture
def run_notification(monkeypatch, officer, django_capture_on_commit_callbacks):
    """What the workers do: the writer writes every notice set-based and publishes one
    broker message per chunk; each chunk sends its notices over one SMTP connection."""

    def run(incident):
        published = []
        monkeypatch.setattr(outbox_send_chunk, "delay", lambda *args: published.append(args))
        with django_capture_on_commit_callbacks(execute=False):
            services.breach_notification_start(incident=incident, actor=officer)
        tasks.breach_notify(incident.pk)
        for args in published:
            outbox_send_chunk.run(*args)
        return published

    return run


def test_breach_must_concern_personal_data(officer):
    with pytest.raises(DomainError) as exc:
        services.breach_record(
            actor=officer,
            reference="BR-X",
            title="Stats file",
            description="-",
            discovered_at=NOW,
            categories=["visits"],
            notice_ru="-",
        )
    assert "5.4.4" in exc.value.message_dict["categories"][0]


def test_each_affected_customer_is_told_once_in_their_language(incident, run_notification):
    kk = CustomerFactory(preferred_language="kk", email="kk@example.kz")
    ru = CustomerFactory(preferred_language="ru", email="ru@example.kz")
    services.breach_add_affected(incident=incident, customer_ids=[kk.pk, ru.pk, kk.pk])
    chunks = run_notification(incident)
    assert len(chunks) == 1
    assert run_notification(incident) == []  # a second run finds everyone told
    outbox_send_chunk.run(*chunks[0])  # a redelivered chunk sends nothing twice
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_recipient) == ["kk@example.kz", "ru@example.kz"]
    assert "жеткізу тізімін жоғалтты" in by_recipient["kk@example.kz"].body
    assert "утерял бумажный список" in by_recipient["ru@example.kz"].body
    assert "BR-2026-01" in by_recipient["ru@example.kz"].body
    assert BreachNotice.objects.filter(incident=incident).count() == 2
    assert selectors.breach_notification_progress(incident=incident) == {
        "affected": 2,
        "notified": 2,
        "written": 2,
        "sent": 2,
        "failed": 0,
        "waiting": 0,
        "possibly_duplicated": 0,
        "bounced": 0,
        "started": True,
    }


def test_customers_of_a_lost_manifest_are_affected(officer, courier, incident, make_orders):
    orders = make_orders(30)
    manifest = services.disclosure_record(
        actor=officer,
        recipient=courier,
        basis=Disclosure.Basis.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "contact", "address"],
        disclosed_at=NOW - dt.timedelta(days=1),
        lines=[LineInput(o.number) for o in orders],
    )
    added = services.breach_add_affected_from_disclosure(incident=incident, disclosure=manifest)
    assert added == 30
    assert services.breach_add_affected_from_disclosure(incident=incident, disclosure=manifest) == 0


def test_a_customer_added_later_is_told_and_the_others_not_again(incident, run_notification):
    first = CustomerFactory()
    services.breach_add_affected(incident=incident, customer_ids=[first.pk])
    run_notification(incident)
    late = CustomerFactory()
    services.breach_add_affected(incident=incident, customer_ids=[late.pk])
    assert list(selectors.breach_incidents_with_pending_notices()) == [incident]
    run_notification(incident)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, late.email])
    assert list(selectors.breach_incidents_with_pending_notices()) == []


def test_sweeper_restarts_a_notification_left_unfinished(
    monkeypatch, officer, incident, django_capture_on_commit_callbacks
):
    restarted = []
    monkeypatch.setattr(tasks.breach_notify, "delay", lambda *args: restarted.append(args))
    services.breach_add_affected(incident=incident, customer_ids=[CustomerFactory().pk])
    with django_capture_on_commit_callbacks(execute=False):  # the fan-out task is lost
        services.breach_notification_start(incident=incident, actor=officer)
    assert tasks.breach_notify_sweep() == 1
    assert restarted == [(incident.pk,)]


def test_unknown_customer_ids_are_refused(incident):
    with pytest.raises(DomainError):
        services.breach_add_affected(incident=incident, customer_ids=[987654321])
    assert not incident.affected.exists()


def test_support_agents_cannot_see_breaches(client, support_agent, incident):
    client.force_login(support_agent)
    url = reverse("admin:disclosures_breachincident_changelist")
    assert client.get(url).status_code == 403


def test_officer_records_a_breach_with_its_affected_customers_in_the_admin(
    client, officer, courier
):
    from disclosures.models import BreachIncident

    first, second = CustomerFactory(email="a@example.kz"), CustomerFactory(email="b@example.kz")
    client.force_login(officer)
    response = client.post(
        reverse("admin:disclosures_breachincident_add"),
        {
            "reference": "BR-7",
            "title": "Mail sent to the wrong list",
            "description": "-",
            "discovered_at_0": "2026-11-25",
            "discovered_at_1": "09:00",
            "occurred_at_0": "",
            "occurred_at_1": "",
            "categories": ["contact"],
            "notice_ru": "Ваш email мог увидеть другой покупатель.",
            "notice_kk": "",
            "notice_en": "",
            "add_from_disclosure": "",
            "add_emails": "A@example.kz\nb@example.kz",
            "notices-TOTAL_FORMS": "0",
            "notices-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = BreachIncident.objects.get()
    assert incident.recorded_by == officer
    assert set(incident.affected.values_list("customer_id", "added_by")) == {
        (first.pk, officer.pk),
        (second.pk, officer.pk),
    }


@pytest.mark.postgres
def test_database_refuses_to_delete_the_proof_of_a_notice(incident, run_notification):
    from django.db import IntegrityError, connection, transaction

    services.breach_add_affected(incident=incident, customer_ids=[CustomerFactory().pk])
    run_notification(incident)
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM disclosures_breachnotice")
    assert BreachNotice.objects.filter(incident=incident).count() == 1


def admin_breach_form(**overrides) -> dict:
    data = {
        "reference": "BR-8",
        "title": "Visit statistics file left public",
        "description": "-",
        "discovered_at_0": "2026-11-25",
        "discovered_at_1": "09:00",
        "occurred_at_0": "",
        "occurred_at_1": "",
        "categories": ["contact"],
        "notice_ru": "Ваш email мог увидеть другой покупатель.",
        "notice_kk": "",
        "notice_en": "",
        "add_from_disclosure": "",
        "add_emails": "",
        "notices-TOTAL_FORMS": "0",
        "notices-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


def test_admin_refuses_a_breach_of_non_personal_data_naming_the_clause(client, officer):
    from disclosures.models import BreachIncident

    client.force_login(officer)
    response = client.post(
        reverse("admin:disclosures_breachincident_add"), admin_breach_form(categories=["visits"])
    )
    assert response.status_code == 200
    # The officer reads it in Russian, the admin's language.
    assert response.context["adminform"].form.errors["categories"] == [
        "Пункт 5.4.4 касается персональных данных: укажите категорию персональных данных."
    ]
    assert not BreachIncident.objects.exists()


def test_breach_corrected_later_still_must_concern_personal_data(officer, incident):
    incident.categories = ["visits"]
    with pytest.raises(DomainError) as exc:
        services.breach_save(incident=incident, actor=officer, reason="corrected")
    assert "5.4.4" in exc.value.message_dict["categories"][0]
    incident.refresh_from_db()
    assert incident.categories == ["identity", "contact", "address"]


def test_frozen_breach_page_names_its_categories(client, officer, incident, run_notification):
    services.breach_add_affected(incident=incident, customer_ids=[CustomerFactory().pk])
    run_notification(incident)
    client.force_login(officer)
    response = client.get(reverse("admin:disclosures_breachincident_change", args=[incident.pk]))
    assert response.status_code == 200
    assert "Идентификация: имена, Контакты: телефон, email, Адрес доставки" in (
        response.content.decode()
    )
    assert '["identity"' not in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_at_the_same_moment_tell_each_customer_once(
    officer, django_capture_on_commit_callbacks
):
    """A redelivered writer task running beside the original (or two officers' starts):
    one notice and one email row each, and the two runs together write each customer once."""
    import threading

    from django.db import connection

    incident = services.breach_record(
        actor=officer,
        reference="BR-RACE",
        title="Race",
        description="-",
        discovered_at=NOW - dt.timedelta(hours=1),
        categories=["contact"],
        notice_ru="Текст уведомления.",
    )
    customers = [CustomerFactory() for _ in range(30)]
    ids = [c.pk for c in customers]
    services.breach_add_affected(incident=incident, customer_ids=ids)
    with django_capture_on_commit_callbacks(execute=False):
        services.breach_notification_start(incident=incident, actor=officer)
    barrier, results = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(services.breach_notify_customers(incident=incident))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == [0, 30]
    assert BreachNotice.objects.filter(incident=incident).count() == 30
    rows = OutboundMessage.objects.filter(reason=services.BREACH_REASON)
    assert sorted(rows.values_list("recipient", flat=True)) == sorted(c.email for c in customers)
    assert selectors.breach_notification_progress(incident=incident)["written"] == 30
