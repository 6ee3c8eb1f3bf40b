"""Issue 13: the public landing page, the browser's icon, one-line email subjects and
the logging of errors once."""

import logging

import pytest
from django.urls import reverse

from homeshop_privacy import outbox
from homeshop_privacy.log_filters import StatusBelow400

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("ru", "Ваши персональные данные в Homeshop.kz"),
        ("kk", "Homeshop.kz-тегі дербес деректеріңіз"),
        ("en", "Your personal data at Homeshop.kz"),
    ],
)
def test_the_landing_page_points_at_the_policy_the_sign_in_and_claims(client, language, heading):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    for name in ("consents:policy_current", "accounts:home", "claims:new"):
        assert f'href="{reverse(name)}"' in page
    assert "30" in page  # 6.2: the answer within 30 calendar days


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_a_subject_is_stored_as_one_line():
    message, _created = outbox.message_enqueue(
        reason="tests.subject",
        key="one-line",
        recipient="aigerim@example.kz",
        subject="\nВаша претензия\n  получена ",
        body_text="Текст",
    )

    assert message.subject == "Ваша претензия получена"


def _server_record(status: int) -> logging.LogRecord:
    record = logging.LogRecord("django.server", logging.INFO, "", 0, "GET /x", (), None)
    record.status_code = status
    return record


def test_the_access_log_leaves_errors_to_django_request():
    keep = StatusBelow400()

    assert keep.filter(_server_record(200)) and keep.filter(_server_record(302))
    assert not keep.filter(_server_record(404)) and not keep.filter(_server_record(500))


def test_a_404_is_logged_once(client, caplog):
    with caplog.at_level(logging.INFO):
        client.get("/no-such-page/")

    lines = [r for r in caplog.records if "/no-such-page/" in r.getMessage()]
    assert [r.name for r in lines] == ["django.request"]
