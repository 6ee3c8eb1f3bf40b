"""5.2.1: "download all my data" — every personal field, nobody else's data."""

import csv
import io
import json
import zipfile
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts import classification
from accounts.models import Address, Customer, CustomerDevice, Order
from tests.accounts.factories import DeviceFactory
from tests.factories import AddressFactory, CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture
def my_data(me):
    address = AddressFactory(customer=me, street="ул. Толе би, 59", is_default=True)
    OrderFactory(
        customer=me,
        number="HS-500001",
        placed_at=datetime(2026, 3, 8, 12, 0, tzinfo=ALMATY),
        total=Decimal("45990.00"),
        delivery_address=address,
    )
    DeviceFactory(customer=me, browser="Safari 18", operating_system="iOS 18")
    return me


@pytest.fixture
def someone_else(db):
    other = CustomerFactory(first_name="Нурлан", last_name="Жумабеков", email="nurlan@example.kz")
    AddressFactory(customer=other, street="пр. Достык, 97")
    OrderFactory(customer=other, number="HS-999999")
    DeviceFactory(customer=other, browser="Opera 99")
    return other


def _download(client):
    response = client.get(reverse("accounts:export_json"))
    assert response.status_code == 200
    return response, json.loads(response.content)


def test_download_is_an_attachment(my_client, my_data):
    response, _ = _download(my_client)
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.json"')


def test_download_holds_every_personal_field_of_the_3_2_and_3_4_data(my_client, my_data):
    _, data = _download(my_client)
    for name in classification.personal_fields(Customer):
        assert name in data["customer"]
    assert data["customer"]["phone"] == my_data.phone
    assert data["customer"]["last_name"] == "Сейткалиева"
    (address,) = data["addresses"]
    assert set(classification.personal_fields(Address)) <= set(address)
    assert address["street"] == "ул. Толе би, 59"
    (order,) = data["orders"]
    assert set(classification.personal_fields(Order)) <= set(order)
    assert order["number"] == "HS-500001"
    assert order["total"] == "45990.00"
    # Issue 9 §7: the same moment, written with the Almaty offset like every export.
    assert order["placed_at"] == "2026-03-08T12:00:00+05:00"
    assert order["delivery_address"].startswith("Алматы, ул. Толе би, 59")
    (device,) = data["devices"]
    assert set(classification.personal_fields(CustomerDevice)) <= set(device)
    assert device["browser"] == "Safari 18"


def test_download_leaves_out_ids_and_the_password_hash(my_client, my_data):
    _, data = _download(my_client)
    assert "id" not in data["customer"]
    assert "id" not in data["orders"][0]
    assert data["user"]["email"] == my_data.user.email
    assert "password" not in data["user"]
    assert "pbkdf2" not in json.dumps(data)


def test_download_holds_no_other_customers_data(my_client, my_data, someone_else):
    response, _ = _download(my_client)
    text = response.content.decode()
    for foreign in ("Жумабеков", "nurlan@example.kz", "пр. Достык, 97", "HS-999999", "Opera 99"):
        assert foreign not in text


def test_download_holds_earlier_values_kept_in_history(my_client, my_data):
    from accounts import services

    services.customer_update(customer=my_data, actor=my_data.user, phone="+77075551234")
    _, data = _download(my_client)
    phones = [version["phone"] for version in data["history"]["customer"]]
    assert phones[-2:] == [my_data.phone, "+77075551234"]
    assert data["history"]["customer"][-1]["change"] == "changed"


def test_csv_zip_has_one_file_per_table_with_the_same_data(my_client, my_data, someone_else):
    response = my_client.get(reverse("accounts:export_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"customer.csv", "addresses.csv", "orders.csv", "devices.csv"} <= set(archive.namelist())
    orders = list(csv.DictReader(io.StringIO(archive.read("orders.csv").decode("utf-8-sig"))))
    assert [row["number"] for row in orders] == ["HS-500001"]
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8-sig")
    assert "HS-999999" not in everything and "Жумабеков" not in everything
