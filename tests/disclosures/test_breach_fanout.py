"""5.4.4 at scale: choosing the affected customers (list, CSV, register query), the incident
page's Notify button with its confirmation, progress, retry, and customers not reached."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disclosures import selectors, services, tasks
from disclosures.models import BreachContact, BreachIncident, Disclosure
from disclosures.services import LineInput
from homeshop_privacy import bounces
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.tasks import outbox_send_chunk
from tests.disclosures.conftest import NOW
from tests.factories import CustomerFactory, OrderFactory


@pytest.fixture
def incident(officer):
    return services.breach_record(
        actor=officer,
        reference="BR-2026-09",
        title="Courier list lost",
        description="-",
        discovered_at=NOW - dt.timedelta(hours=3),
        categories=["contact"],
        notice_ru="Курьер утерял список.",
        notice_kk="Курьер тізімді жоғалтты.",
        notice_en="A courier lost a list.",
    )


def _csv(text: str, name="affected.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _page(client, name, incident, **kwargs):
    return reverse(f"admin:disclosures_breachincident_{name}", args=[incident.pk], **kwargs)


# --- choosing the affected customers -------------------------------------------------------


@pytest.mark.django_db
def test_csv_matches_emails_phones_in_any_format_and_order_numbers_and_reports_the_rest():
    aigerim = CustomerFactory(email="Aigerim@Example.kz", phone="+77011234567")
    nurlan = CustomerFactory(phone="+77027654321")
    olga = CustomerFactory()
    order = OrderFactory(customer=olga, number="HS-000042")
    upload = _csv(
        "email\n"
        "aigerim@example.KZ\n"  # any case
        "8 (702) 765-43-21\n"  # a Kazakh phone as people write it
        "HS-000042\n"
        "nobody@example.kz\n"
        "+7 701 000 00 00\n"
        "+7 12\n"
        "HS-999999\n"
        "\n"
    )

    match = services.breach_csv_match(upload=upload)

    assert match.customer_ids == [aigerim.pk, nurlan.pk, olga.pk]
    assert [(u.line, u.value, u.why) for u in match.unmatched] == [
        (5, "nobody@example.kz", "no customer with this email"),
        (6, "+7 701 000 00 00", "no customer with this phone"),
        (7, "+7 12", "not an email or phone, and no order has this number"),
        (8, "HS-999999", "not an email or phone, and no order has this number"),
    ]
    assert order.customer_id == olga.pk


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_text_is_refused_with_a_clear_message():
    with pytest.raises(DomainError) as exc:
        services.breach_csv_match(upload=_csv("x", name="a.csv").__class__("a.csv", b"\x00\x01PK"))
    assert "not a text (CSV) file" in exc.value.message_dict["csv_file"][0]
    with pytest.raises(DomainError) as exc:
        services.breach_csv_match(upload=SimpleUploadedFile("b.csv", "почта".encode("cp1251")))
    assert "UTF-8" in exc.value.message_dict["csv_file"][0]


@pytest.mark.django_db
def test_register_query_finds_who_went_to_a_recipient_between_two_dates_by_category(
    officer, courier, analytics, make_orders, incident
):
    orders = make_orders(6)

    def entry(recipient, days_ago, categories, lines):
        return services.disclosure_record(
            actor=officer,
            recipient=recipient,
            basis=Disclosure.Basis.ORDER_FULFILMENT,
            purpose_code="4.2.3",
            categories=categories,
            disclosed_at=NOW - dt.timedelta(days=days_ago),
            lines=[LineInput(o.number) for o in lines],
        )

    entry(courier, 3, ["contact", "address"], orders[0:2])  # in the window
    entry(courier, 2, ["identity"], orders[2:3])  # in the window, other category
    entry(courier, 20, ["contact"], orders[3:4])  # too early
    voided = entry(courier, 2, ["contact"], orders[4:5])
    services.disclosure_void(disclosure=voided, actor=officer, reason="Записано по ошибке")
    start, end = (NOW - dt.timedelta(days=5)).date(), NOW.date()

    every = services.breach_register_customers(recipient=courier, start=start, end=end)
    contact_only = services.breach_register_customers(
        recipient=courier, start=start, end=end, categories=["contact"]
    )

    assert set(every.values_list("pk", flat=True)) == {o.customer_id for o in orders[0:3]}
    assert set(contact_only.values_list("pk", flat=True)) == {o.customer_id for o in orders[0:2]}
    added = services.breach_add_affected_from_register(
        incident=incident, recipient=courier, start=start, end=end, categories=[], actor=officer
    )
    assert added == 3
    incident.refresh_from_db()
    assert incident.affected_count == 3
    assert set(incident.affected.values_list("via", flat=True)) == {"register"}


@pytest.mark.django_db
def test_officer_uploads_a_csv_on_the_incident_and_sees_the_unmatched_lines(
    client, officer, incident
):
    customer = CustomerFactory(email="asel@example.kz")
    client.force_login(officer)
    response = client.post(
        _page(client, "affected_add", incident),
        {"mode": "csv", "csv-csv_file": _csv("asel@example.kz\nghost@example.kz\n")},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "ghost@example.kz" in page
    assert "нет покупателя с таким email" in page  # the officer reads Russian
    assert list(incident.affected.values_list("customer_id", "via")) == [(customer.pk, "csv")]
    download = client.post(
        _page(client, "affected_add", incident),
        {"mode": "unmatched", "line": ["2"], "value": ["=HYPERLINK(1)"], "why": ["x"]},
    )
    assert download["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in download.content.decode()  # csv_safety: not a formula


# --- the Notify button -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_incident_page_offers_notify_and_lists_the_affected_before_any_notice(
    client, officer, incident
):
    customer = CustomerFactory(first_name="Данияр", email="daniyar@example.kz")
    services.breach_add_affected(incident=incident, customer_ids=[customer.pk])
    client.force_login(officer)

    page = client.get(reverse("admin:disclosures_breachincident_change", args=[incident.pk]))

    text = page.content.decode()
    assert _page(client, "notify", incident) in text
    # The officer reads the admin in Russian.
    assert "daniyar@example.kz" in text and "ещё не записано" in text
    confirm = client.get(_page(client, "notify", incident)).content.decode()
    assert "BR-2026-09 1 затронутому покупателю, каждому на его языке?" in confirm


@pytest.mark.django_db
def test_notify_runs_in_celery_after_commit_and_a_double_click_starts_it_once(
    client, officer, incident, monkeypatch, django_capture_on_commit_callbacks
):
    services.breach_add_affected(incident=incident, customer_ids=[CustomerFactory().pk])
    queued = []
    monkeypatch.setattr(tasks.breach_notify, "delay", lambda *args: queued.append(args))
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(_page(client, "notify", incident))
        second = client.post(_page(client, "notify", incident))  # the double click

    assert first.status_code == second.status_code == 302
    assert queued == [(incident.pk,)]  # nothing written in the request: one task queued
    assert OutboundMessage.objects.count() == 0
    incident.refresh_from_db()
    assert incident.notification_started_at is not None
    assert incident.history.filter(history_change_reason="breach notification started").count() == 1
    message = list(first.wsgi_request._messages)[0].message
    assert "Панель «Уведомление» на этой странице" in message


@pytest.mark.django_db
def test_only_officers_may_notify(client, auditor, incident):
    services.breach_add_affected(incident=incident, customer_ids=[CustomerFactory().pk])
    client.force_login(auditor)

    assert client.get(_page(client, "progress", incident)).status_code == 200
    assert client.post(_page(client, "notify", incident)).status_code == 403
    incident.refresh_from_db()
    assert incident.notification_started_at is None


@pytest.mark.django_db
def test_progress_retry_of_failed_notices_and_a_bounce_reached_by_phone(
    client, officer, incident, monkeypatch, django_capture_on_commit_callbacks, settings
):
    told, failing = CustomerFactory(), CustomerFactory()
    services.breach_add_affected(incident=incident, customer_ids=[told.pk, failing.pk])
    published = []
    monkeypatch.setattr(outbox_send_chunk, "delay", lambda *args: published.append(args))
    with django_capture_on_commit_callbacks(execute=False):
        services.breach_notification_start(incident=incident, actor=officer)
    tasks.breach_notify(incident.pk)
    outbox_send_chunk.run(*published[0])
    OutboundMessage.objects.filter(recipient=failing.email).update(
        status="failed", sent_at=None
    )  # as if it had failed for good
    mailing = services.breach_mailing(incident=incident)
    mailing.__class__.objects.filter(pk=mailing.pk).update(sent=1, failed=1)
    sent = OutboundMessage.objects.get(recipient=told.email)
    dsn = (
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; x@example.kz\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {sent.message_id}\r\n--B--\r\n"
    ).encode()
    assert bounces.bounce_record(raw=dsn) == 1
    client.force_login(officer)

    progress = client.get(_page(client, "progress", incident)).json()
    assert {k: progress[k] for k in ("affected", "written", "sent", "failed", "bounced")} == {
        "affected": 2,
        "written": 2,
        "sent": 1,
        "failed": 1,
        "bounced": 1,
    }
    unreached = client.get(_page(client, "unreached", incident)).content.decode()
    assert told.phone in unreached and failing.phone in unreached and "5.1.1" in unreached
    response = client.post(
        reverse("admin:disclosures_breachincident_contact", args=[incident.pk, told.pk]),
        {"method": "phone", "note": "Позвонили 26.11 в 10:00"},
    )
    assert response.status_code == 302
    contact = BreachContact.objects.get()
    assert (contact.customer, contact.method, contact.recorded_by) == (told, "phone", officer)

    with django_capture_on_commit_callbacks(execute=False):
        retry = client.post(_page(client, "retry_failed", incident))
    assert retry.status_code == 302
    assert OutboundMessage.objects.get(recipient=failing.email).status == "retrying"
    assert selectors.breach_notification_progress(incident=incident)["failed"] == 0


@pytest.mark.django_db
def test_notify_without_affected_customers_is_refused(client, officer, incident):
    client.force_login(officer)
    response = client.post(_page(client, "notify", incident), follow=True)
    assert "Затронутых покупателей пока нет" in response.content.decode()
    assert BreachIncident.objects.get(pk=incident.pk).notification_started_at is None


# --- the customer's side -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("kk", "Курьер тізімді жоғалтты."),
        ("ru", "Курьер утерял список."),
        ("en", "A courier lost a list."),
    ],
)
def test_the_customer_sees_the_notice_sent_to_them_in_their_language(
    client, officer, incident, monkeypatch, django_capture_on_commit_callbacks, language, expected
):
    from django.conf import settings as django_settings

    from tests.accounts.factories import SignedUpCustomerFactory

    customer = SignedUpCustomerFactory(preferred_language=language)
    other = SignedUpCustomerFactory()
    services.breach_add_affected(incident=incident, customer_ids=[customer.pk])
    published = []
    monkeypatch.setattr(outbox_send_chunk, "delay", lambda *args: published.append(args))
    with django_capture_on_commit_callbacks(execute=False):
        services.breach_notification_start(incident=incident, actor=officer)
    tasks.breach_notify(incident.pk)
    outbox_send_chunk.run(*published[0])

    client.force_login(customer.user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("accounts:home")).content.decode()
    assert expected in page and "BR-2026-09" in page

    client.force_login(other.user)
    assert "BR-2026-09" not in client.get(reverse("accounts:home")).content.decode()
