"""The API's shared plumbing (issue 12): keys, problem details, idempotency, the schema."""

from datetime import timedelta

import pytest
import yaml
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from openapi_spec_validator import validate

from accounts.models import Customer
from homeshop_privacy.api.keys import api_key_revoke
from homeshop_privacy.models import ApiKey, IdempotentReply
from tests.api_keys import client_for, key_with

pytestmark = pytest.mark.django_db

CUSTOMER = {
    "shop_customer_id": "SHOP-1",
    "first_name": "Айгерим",
    "last_name": "Сейткалиева",
    "phone": "+77011234567",
    "email": "aigerim.api@example.kz",
    "preferred_language": "ru",
}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_the_schema_is_a_valid_openapi_document(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    validate(document)
    assert "/api/v1/promotions/check/" in document["paths"]


def test_the_docs_page_uses_no_cdn(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
    assert "drf_spectacular_sidecar" in html


def test_a_key_is_stored_hashed_and_shown_once():
    key, raw = key_with("customers:write")
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw.startswith(f"hsk_{stored.prefix}.")
    assert raw not in str(ApiKey.objects.values().get(pk=key.pk))
    assert stored.key_digest != raw and len(stored.key_digest) == 64


def test_the_service_user_has_no_password_and_is_not_staff():
    key, _raw = key_with()
    assert not key.user.has_usable_password()
    assert not key.user.is_staff and not key.user.is_superuser


def test_history_names_the_key_that_made_the_change():
    key, raw = key_with("customers:write", name="Checkout service")
    response = client_for(raw).post("/api/v1/customers/", CUSTOMER, format="json")
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(shop_customer_id="SHOP-1")
    record = customer.history.latest()
    assert record.history_user == key.user
    assert "Checkout service" in record.history_user.full_name


def test_a_wrong_revoked_or_expired_key_is_401_in_problem_json():
    key, raw = key_with()
    assert client_for(raw[:-2] + "xx").post("/api/v1/customers/", CUSTOMER).status_code == 401
    api_key_revoke(key=key, actor=None)
    response = client_for(raw).post("/api/v1/customers/", CUSTOMER, format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    other, raw_other = key_with()
    ApiKey.objects.filter(pk=other.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_for(raw_other).post("/api/v1/customers/", CUSTOMER).status_code == 401
    assert not Customer.objects.exists()


def test_last_use_is_recorded():
    key, raw = key_with("consents:read")
    client_for(raw).get("/api/v1/customers/nobody/consents/")
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_field_errors_come_in_the_requested_language():
    _key, raw = key_with("customers:write")
    body = {**CUSTOMER, "email": "not-an-address"}
    answers = {}
    for language in ("en", "ru", "kk"):
        response = client_for(raw, language=language).post(
            "/api/v1/customers/", body, format="json"
        )
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["errors"][0]["field"] == "email"
        answers[language] = (problem["title"], problem["errors"][0]["message"])
    assert answers["en"][1] == "Enter a valid email address."
    assert answers["ru"][1] != answers["en"][1] and answers["kk"][1] != answers["en"][1]
    assert len({answers[language][0] for language in answers}) == 3
    assert not Customer.objects.exists()


def test_a_service_refusal_is_a_problem_with_the_field_and_writes_nothing():
    _key, raw = key_with("customers:write")
    response = client_for(raw).post(
        "/api/v1/customers/", {**CUSTOMER, "phone": "+1 555 0100"}, format="json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["phone"]
    assert not Customer.objects.exists()


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_a_retry_with_the_same_key_and_body_replays_the_first_reply():
    _key, raw = key_with("customers:write")
    api = client_for(raw)
    first = api.post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # Same body, keys in another order: the same canonical JSON.
    reordered = dict(reversed(list(CUSTOMER.items())))
    again = api.post("/api/v1/customers/", reordered, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Customer.objects.count() == 1
    assert Customer.objects.get().history.count() == 2  # created, shop id: once


def test_the_same_idempotency_key_with_another_body_is_a_409_and_changes_nothing():
    _key, raw = key_with("customers:write")
    api = client_for(raw)
    api.post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = {**CUSTOMER, "first_name": "Другое"}
    response = api.post("/api/v1/customers/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert Customer.objects.get().first_name == "Айгерим"


def test_idempotency_is_scoped_to_the_api_key_and_the_endpoint():
    _a, raw_a = key_with("customers:write", "orders:write")
    _b, raw_b = key_with("customers:write")
    first = client_for(raw_a).post(
        "/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert first.status_code == 201
    # Another key with the same header value is another request (here: an update).
    second = client_for(raw_b).post(
        "/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert second.status_code == 200 and "Idempotent-Replayed" not in second
    # Another endpoint with the same header value is not a replay either.
    order = {
        "shop_customer_id": "SHOP-1",
        "number": "HS-IDEM-1",
        "placed_at": timezone.now().isoformat(),
        "seller_name": "ТОО «Тест»",
        "total": "100.00",
    }
    third = client_for(raw_a).post(
        "/api/v1/orders/", order, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert third.status_code == 201, third.content


def test_a_refused_request_keeps_no_reply_so_a_corrected_retry_goes_through():
    _key, raw = key_with("customers:write")
    api = client_for(raw)
    bad = api.post(
        "/api/v1/customers/", {**CUSTOMER, "phone": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert bad.status_code == 400
    assert not IdempotentReply.objects.exists()
    good = api.post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201


def test_a_reply_older_than_a_day_is_forgotten():
    _key, raw = key_with("customers:write")
    api = client_for(raw)
    api.post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    IdempotentReply.objects.update(created_at=timezone.now() - timedelta(hours=25))
    other = {**CUSTOMER, "first_name": "Айжан"}
    response = api.post("/api/v1/customers/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert response.status_code == 200
    assert Customer.objects.get().first_name == "Айжан"


@override_settings(API_THROTTLE_RATE="3/min")
def test_the_throttle_counts_per_key():
    _a, raw_a = key_with("consents:read")
    _b, raw_b = key_with("consents:read")
    codes = [client_for(raw_a).get("/api/v1/customers/x/consents/").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    assert client_for(raw_b).get("/api/v1/customers/x/consents/").status_code == 404
    throttled = client_for(raw_a).get("/api/v1/customers/x/consents/")
    assert throttled["Content-Type"] == "application/problem+json"
    assert int(throttled["Retry-After"]) > 0
