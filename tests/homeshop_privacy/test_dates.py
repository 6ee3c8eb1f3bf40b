"""Issue 9 §7: what a person reads is in Almaty time in the active language's format;
every export writes ISO 8601 with the Almaty offset (+05:00)."""

import io
import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from homeshop_privacy.timestamps import display_date, export_timestamp
from tests.accounts.factories import SignedUpCustomerFactory
from tests.claims.factories import almaty, register
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

LATE_EVENING_UTC = datetime(2026, 1, 16, 23, 30, tzinfo=UTC)  # 17 Jan, 04:30 in Almaty
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


@pytest.fixture
def me_with_late_order(db):
    me = SignedUpCustomerFactory()
    OrderFactory(customer=me, number="HS-0000-2", placed_at=LATE_EVENING_UTC)
    return me


def test_an_order_placed_at_2330_utc_shows_the_same_day_on_both_pages(client, me_with_late_order):
    client.force_login(me_with_late_order.user)
    account = client.get(reverse("accounts:home"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    claim_form = client.get(reverse("claims:new"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "17.01.2026" in account
    assert "№ HS-0000-2 · 17.01.2026" in claim_form
    assert "16.01.2026" not in account + claim_form


def _moments(value):
    """Every string in the export that is an ISO date-time."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _moments(item)
    elif isinstance(value, list):
        for item in value:
            yield from _moments(item)
    elif isinstance(value, str) and ISO_MOMENT.match(value):
        yield value


def test_the_json_export_writes_every_moment_with_the_almaty_offset(client, me_with_late_order):
    client.force_login(me_with_late_order.user)
    data = json.loads(client.get(reverse("accounts:export_json")).content)
    moments = list(_moments(data))
    assert "2026-01-17T04:30:00+05:00" in moments
    assert moments and all(m.endswith("+05:00") for m in moments), moments


def test_the_csv_export_writes_the_same_moment_as_the_json(client, me_with_late_order):
    client.force_login(me_with_late_order.user)
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("accounts:export_csv")).content))
    orders = archive.read("orders.csv").decode("utf-8-sig")
    assert "2026-01-17T04:30:00+05:00" in orders
    every_csv = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    assert "+00:00" not in every_csv


def test_export_timestamp_is_iso_with_the_almaty_offset_whatever_the_input_zone():
    assert export_timestamp(LATE_EVENING_UTC) == "2026-01-17T04:30:00+05:00"
    assert export_timestamp(LATE_EVENING_UTC.date()) == "2026-01-16"
    assert export_timestamp(None) is None


@pytest.mark.parametrize(
    "language, shown",
    [("ru", "2 ноября 2026 г."), ("kk", "02.11.2026"), ("en", "Nov. 2, 2026")],
)
def test_the_admin_shows_a_due_date_in_the_active_languages_format(
    client, officer, language, shown
):
    register(received_at=almaty(2026, 10, 1, 12, 0), assignee=officer)  # due 2 Nov 2026
    client.force_login(officer)
    page = client.get(
        reverse("admin:claims_claim_changelist"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert shown in page
    for other in ("2 Nov 2026", "2026-11-02"):
        assert other not in page


def test_display_date_reads_a_moment_in_almaty():
    from django.utils import translation

    with translation.override("kk"):
        assert display_date(LATE_EVENING_UTC) == "17.01.2026"
