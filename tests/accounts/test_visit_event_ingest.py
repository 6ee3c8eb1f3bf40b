"""The visit-event batch ingest (issue 12; 1.4): every event checked, all or none.

The view checks a batch column by column when it looks clean and event by event when
it does not (to name each bad event); both ways must accept and store the same rows.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services
from accounts.api import _visit_rows_by_column, _visit_rows_by_event
from accounts.models import VisitEvent
from tests.api_keys import client_for, key_with

pytestmark = pytest.mark.django_db

URL = "/api/v1/visit-events/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def _api(language: str = "en"):
    _key, raw = key_with()
    return client_for(raw, language=language)


def _event(n: int, **changes) -> dict:
    event = {
        "occurred_at": (timezone.now() - timedelta(minutes=n % 60, seconds=n)).isoformat(),
        "page_url": f"https://homeshop.kz/catalog/{n % 7}/?page={n}",
        "ip_address": f"192.0.2.{n % 250 + 1}" if n % 3 else None,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0",
        "referrer": "https://homeshop.kz/" if n % 2 else "",
        "cookie_id": f"c{n:08d}",
    }
    event.update(changes)
    return event


def _post(api, events, **kwargs):
    return api.post(URL, json.dumps({"events": events}), content_type="application/json", **kwargs)


# Every kind of bad event, with the field named and the message in each language.
BAD = [
    ({"occurred_at": "yesterday"}, "occurred_at", "A date and time with its time zone"),
    ({"occurred_at": "2024-01-01T12:00:00"}, "occurred_at", "A date and time with its time zone"),
    ({"occurred_at": "2024-01-01T12:99:00Z"}, "occurred_at", "A date and time with its time zone"),
    ({"occurred_at": 1700000000}, "occurred_at", "A date and time with its time zone"),
    ({"occurred_at": "2099-01-01T00:00:00Z"}, "occurred_at", "A visit cannot happen in the future"),
    ({"page_url": "ftp://homeshop.kz/"}, "page_url", "Enter a valid URL"),
    ({"page_url": "https:///no-host"}, "page_url", "Enter a valid URL"),
    ({"page_url": "https://homeshop.kz/a b"}, "page_url", "Enter a valid URL"),
    ({"page_url": "https://homeshop.kz/" + "a" * 2000}, "page_url", "Enter a valid URL"),
    ({"page_url": None}, "page_url", "Enter a valid URL"),
    ({"referrer": "javascript:alert(1)"}, "referrer", "Enter a valid URL"),
    ({"ip_address": "999.1.1.1"}, "ip_address", "Enter a valid IPv4 or IPv6 address"),
    ({"ip_address": "192.0.2.010"}, "ip_address", "Enter a valid IPv4 or IPv6 address"),
    ({"ip_address": ""}, "ip_address", "Enter a valid IPv4 or IPv6 address"),
    ({"ip_address": 3232235777}, "ip_address", "Enter a valid IPv4 or IPv6 address"),
    ({"user_agent": "x" * 513}, "user_agent", "At most 512 characters of text"),
    ({"user_agent": "Mozilla\x00"}, "user_agent", "NUL character"),
    ({"user_agent": "Mozilla \ud89b"}, "user_agent", "cannot be stored"),
    ({"user_agent": ["Mozilla"]}, "user_agent", "Expected text"),
    ({"cookie_id": "c" * 65}, "cookie_id", "At most 64 characters of text"),
    ({"cookie_id": "c\x00"}, "cookie_id", "NUL character"),
    ({"email": "someone@example.kz"}, "email", "Unknown field"),
    ({"customer_id": 7}, "customer_id", "Unknown field"),
]

MESSAGES = {
    "ru": {
        "A date and time with its time zone": "Нужны дата и время с часовым поясом",
        "A visit cannot happen in the future": "Посещение не может быть в будущем",
        "Enter a valid URL": "Введите правильный URL",
        "Enter a valid IPv4 or IPv6 address": "IPv4 или IPv6",
        "At most 512 characters of text": "Не более 512 символов текста",
        "At most 64 characters of text": "Не более 64 символов текста",
        "NUL character": "символ NUL",
        "cannot be stored": "нельзя сохранить",
        "Expected text": "Ожидался текст",
        "Unknown field": "Неизвестное поле",
        "This field is required": "Обязательное поле",
        "Expected an object": "Ожидался объект",
    },
    "kk": {
        "A date and time with its time zone": "Уақыт белдеуі көрсетілген күн мен уақыт қажет",
        "A visit cannot happen in the future": "Кіру болашақта болуы мүмкін емес",
        "Enter a valid URL": "Дұрыс URL енгізіңіз",
        "Enter a valid IPv4 or IPv6 address": "IPv4 немесе IPv6",
        "At most 512 characters of text": "Мәтін 512 таңбадан аспауы керек",
        "At most 64 characters of text": "Мәтін 64 таңбадан аспауы керек",
        "NUL character": "NUL таңбасы",
        "cannot be stored": "сақтауға болмайтын",
        "Expected text": "Мәтін күтілген еді",
        "Unknown field": "Белгісіз өріс",
        "This field is required": "Бұл мән міндетті",
        "Expected an object": "Нысан күтілген еді",
    },
}


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_every_kind_of_bad_event_is_named_by_index_and_field_in_the_language(language):
    api = _api(language)
    events = [_event(n) for n in range(3 * len(BAD))]
    for number, (change, _field, _message) in enumerate(BAD):
        events[3 * number + 1].update(change)
    response = _post(api, events)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "https://homeshop.kz/problems/invalid-request"
    found = {e["field"]: e["message"] for e in body["errors"]}
    expected = {
        f"events.{3 * number + 1}.{field}": message
        for number, (_change, field, message) in enumerate(BAD)
    }
    assert set(found) == set(expected)
    for field, message in expected.items():
        wanted = message if language == "en" else MESSAGES[language][message]
        assert wanted in found[field], (field, found[field])
    assert not VisitEvent.objects.exists()


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_missing_field_or_an_event_that_is_no_object_is_named(language):
    api = _api(language)
    events = [_event(n) for n in range(4)]
    del events[1]["occurred_at"]
    del events[2]["page_url"]
    events[3] = "not an event"
    response = _post(api, events)
    assert response.status_code == 400
    found = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(found) == {"events.1.occurred_at", "events.2.page_url", "events.3"}
    required = "This field is required"
    if language != "en":
        required = MESSAGES[language][required]
    assert required in found["events.1.occurred_at"]
    assert required in found["events.2.page_url"]
    obj = "Expected an object" if language == "en" else MESSAGES[language]["Expected an object"]
    assert obj in found["events.3"]
    assert not VisitEvent.objects.exists()


def test_postgresql_s_limits_are_refused_not_a_server_error():
    """Found while making the ingest faster: an offset beyond PostgreSQL's ±15:59 and an
    IPv6 zone (``fe80::1%eth0``) passed Python's checks and broke COPY (a 500)."""
    api = _api()
    events = [
        _event(0, occurred_at="2024-01-01T00:00:00+23:00"),
        _event(1, ip_address="fe80::1%eth0"),
    ]
    response = _post(api, events)
    assert response.status_code == 400, response.content
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"events.0.occurred_at", "events.1.ip_address"}
    assert not VisitEvent.objects.exists()


def test_10000_events_are_accepted_and_10001_refused():
    api = _api()
    events = [_event(n) for n in range(10_000)]
    response = _post(api, events)
    assert response.status_code == 201, response.content
    assert response.json() == {"accepted": 10_000}
    assert VisitEvent.objects.count() == 10_000
    response = _post(api, events + [_event(10_000)])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "events"
    assert VisitEvent.objects.count() == 10_000


def test_one_bad_event_among_10000_writes_nothing():
    api = _api()
    events = [_event(n) for n in range(10_000)]
    events[9_999]["page_url"] = "not a url"
    response = _post(api, events)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["events.9999.page_url"]
    assert not VisitEvent.objects.exists()


def test_values_are_stored_as_sent():
    """Quotes, commas and newlines survive COPY's CSV; offsets, IPv6 and an absent
    address are stored as meant; by either way of checking."""
    api = _api()
    latest = timezone.now() + timedelta(minutes=5)
    clean = [  # checked column by column
        _event(0, user_agent='Mozilla "quoted", with commas\nand a line', referrer=""),
        _event(1, occurred_at="2024-03-01T05:00:00.123Z", ip_address=None, cookie_id=""),
        _event(2, occurred_at="2024-03-01T10:00:00+05:00", page_url='https://h.kz/"a",b'),
        _event(5, user_agent="COPY's end of data:\n\\.\nis only text in a quoted value"),
    ]
    assert _visit_rows_by_column(clean, latest=latest) is not None
    others = [  # checked event by event
        _event(3, occurred_at="2024-03-01 10:00:00+0500", ip_address="2001:DB8::1"),
        _event(4, user_agent="Қазақша браузер", page_url="https://homeshop.kz/каталог/"),
    ]
    del others[1]["ip_address"], others[1]["referrer"], others[1]["cookie_id"]
    assert _visit_rows_by_column(others, latest=latest) is None
    for batch in (clean, others):
        response = _post(api, batch)
        assert response.status_code == 201, response.content
    stored = {e.cookie_id: e for e in VisitEvent.objects.all()}
    assert stored["c00000000"].user_agent == 'Mozilla "quoted", with commas\nand a line'
    assert stored["c00000000"].referrer == ""
    assert stored[""].occurred_at == datetime(2024, 3, 1, 5, 0, 0, 123000, tzinfo=UTC)
    assert stored[""].ip_address is None
    assert stored["c00000002"].occurred_at == datetime(2024, 3, 1, 5, 0, tzinfo=UTC)
    assert stored["c00000002"].page_url == 'https://h.kz/"a",b'
    assert stored["c00000003"].occurred_at == datetime(2024, 3, 1, 5, 0, tzinfo=UTC)
    assert stored["c00000003"].ip_address == "2001:db8::1"
    assert (
        stored["c00000005"].user_agent == "COPY's end of data:\n\\.\nis only text in a quoted value"
    )
    fifth = VisitEvent.objects.get(user_agent="Қазақша браузер")
    assert fifth.page_url == "https://homeshop.kz/каталог/"
    assert fifth.ip_address is None and fifth.referrer == ""


def test_both_ways_of_checking_accept_the_same_rows():
    """A clean batch is checked column by column; the event-by-event check (used to name
    the bad events) must accept it and produce the same rows."""
    latest = timezone.now() + timedelta(minutes=5)
    events = [_event(n) for n in range(300)]
    events[5]["occurred_at"] = "2024-03-01T05:00:00.5Z"
    events[6]["user_agent"] = 'quote " inside'
    events[7]["ip_address"] = "2001:db8::1"
    by_column = _visit_rows_by_column(events, latest=latest)
    by_event, errors = _visit_rows_by_event(events, latest=latest)
    assert errors == {}
    assert by_column is not None and len(by_column) == 300
    assert [tuple(map(_moment, r)) for r in by_column] == [tuple(map(_moment, r)) for r in by_event]


def _moment(value):
    """Timestamps compared as moments: one way keeps the sender's text, the other UTC."""
    if isinstance(value, str) and value[:4].isdigit() and "T" in value:
        return datetime.fromisoformat(value)
    return value


# PostgreSQL only: what this proves is that the events go in through one COPY on the driver's
# cursor. Off PostgreSQL they go through bulk_create, which Django cuts to SQLite's 999
# variables (166 events a statement): the count grows by one per 166 events there, by design,
# and test_the_bulk_create_way_used_off_postgresql_stores_the_same_rows covers that way.
@pytest.mark.postgres
def test_one_ingest_takes_the_same_queries_for_10_and_2000_events():
    api = _api()
    _post(api, [_event(0)])  # the key's first use is recorded once
    counts = []
    for count in (10, 2_000):
        with CaptureQueriesContext(connection) as queries:
            response = _post(api, [_event(n) for n in range(count)])
        assert response.status_code == 201
        counts.append(len(queries))
    # The key's lookup and the savepoints of the nested transactions; the COPY itself goes
    # through the driver's cursor (one statement, not seen by Django's count).
    assert counts[0] == counts[1] <= 7, counts
    assert VisitEvent.objects.count() == 1 + 10 + 2_000


def test_the_bulk_create_way_used_off_postgresql_stores_the_same_rows(monkeypatch):
    rows = [
        ("2024-03-01T10:00:00+05:00", "https://homeshop.kz/", "192.0.2.1", "UA", "", "c1"),
        ("2024-03-01T05:00:00Z", "https://homeshop.kz/b", None, 'a "q"', "https://x.kz/", ""),
    ]
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert services.visit_events_ingest(rows=rows) == 2
    monkeypatch.undo()
    stored = {e.cookie_id: e for e in VisitEvent.objects.all()}
    assert stored["c1"].occurred_at == datetime(2024, 3, 1, 5, 0, tzinfo=UTC)
    assert stored[""].ip_address is None and stored[""].user_agent == 'a "q"'
