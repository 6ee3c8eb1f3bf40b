import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from disclosures.models import Disclosure, DisclosureLine
from tests.disclosures.conftest import ALMATY


def write_manifest(tmp_path, rows, header="order_number,customer_email"):
    path = tmp_path / "MAN-1125.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run(path, courier, officer, *extra):
    return call_command(
        "import_manifest",
        str(path),
        "--recipient",
        courier.bin,
        "--disclosed-at",
        "2026-11-25 09:30",
        "--actor",
        officer.email,
        *extra,
    )


def test_import_records_the_manifest_and_reports_progress(
    tmp_path, capsys, officer, courier, make_orders
):
    orders = make_orders(2_500)
    path = write_manifest(tmp_path, [f"{o.number}," for o in orders])
    run(path, courier, officer)
    out = capsys.readouterr().out
    assert "read 1000 lines" in out and "read 2000 lines" in out and "read 2500 lines" in out
    disclosure = Disclosure.objects.get()
    assert f"Recorded disclosure {disclosure.pk}: 2500 orders" in out
    assert (disclosure.reference, disclosure.disclosed_at, disclosure.recorded_by) == (
        "MAN-1125",
        dt.datetime(2026, 11, 25, 9, 30, tzinfo=ALMATY),
        officer,
    )
    assert DisclosureLine.objects.filter(disclosure=disclosure).count() == 2_500


def test_import_checks_the_customer_email_against_the_order(
    tmp_path, capsys, officer, courier, make_orders
):
    orders = make_orders(3)
    path = write_manifest(
        tmp_path,
        [
            f"{orders[0].number},{orders[0].customer.email.upper()}",
            f"{orders[1].number},{orders[2].customer.email}",
            f"{orders[2].number},nobody@example.kz",
        ],
    )
    rejected = tmp_path / "rejected.csv"
    with pytest.raises(CommandError, match="2 of 3 lines were refused"):
        run(path, courier, officer, "--rejected", str(rejected))
    err = capsys.readouterr().err
    assert f"line 3: Order {orders[1].number} belongs to another customer." in err
    assert "line 4: No customer with email nobody@example.kz." in err
    assert rejected.read_text(encoding="utf-8").splitlines() == [
        "line,reason",
        f"3,Order {orders[1].number} belongs to another customer.",
        "4,No customer with email nobody@example.kz.",
    ]
    assert not Disclosure.objects.exists()


def test_import_refuses_a_file_without_order_column(tmp_path, officer, courier):
    path = write_manifest(tmp_path, ["x"], header="number")
    with pytest.raises(CommandError, match="order_number"):
        run(path, courier, officer)
