"""The shop's API for consents and promotions (issue 12): checkout end to end, withdrawal,
the promotion check (a constant number of queries) and the send endpoint."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Customer, Order
from consents.models import ConsentEvent, ConsentState
from consents.selectors import consent_is_granted, policy_version_in_force
from homeshop_privacy.models import OutboundMessage, PersonalDataAccess
from tests.api_keys import client_for, key_with
from tests.consents.factories import grant, withdraw
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

WORDING = "Я согласен(на) получать рекламные рассылки Homeshop.kz по email."


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


@pytest.fixture
def shop():
    key, raw = key_with()
    return key, client_for(raw)


def _checkout(api, *, shop_id="SHOP-100", email="aigerim.checkout@example.kz", promotions=True):
    customer = api.post(
        "/api/v1/customers/",
        {
            "shop_customer_id": shop_id,
            "first_name": "Айгерим",
            "last_name": "Сейткалиева",
            "phone": "+77011234500",
            "email": email,
            "addresses": [{"city": "Алматы", "street": "пр. Абая, 10", "is_default": True}],
        },
        format="json",
    )
    order = api.post(
        "/api/v1/orders/",
        {
            "shop_customer_id": shop_id,
            "number": f"HS-{shop_id}",
            "placed_at": timezone.now().isoformat(),
            "seller_name": "ТОО «Электроника Плюс»",
            "total": "45990.00",
        },
        format="json",
    )
    consents = api.post(
        "/api/v1/checkout/consents/",
        {
            "shop_customer_id": shop_id,
            "policy_version": policy_version_in_force().label,
            "policy_wording": "Я принимаю Политику конфиденциальности.",
            "ip_address": "192.0.2.44",
            "user_agent": "Mozilla/5.0 (checkout)",
            "consents": [{"purpose": "4.2.6", "granted": promotions, "wording": WORDING}],
        },
        format="json",
    )
    return customer, order, consents


def test_checkout_end_to_end_then_a_withdrawal_on_the_account_page_is_seen_by_the_check(
    shop, client
):
    key, api = shop
    customer_answer, order_answer, consents_answer = _checkout(api)
    assert customer_answer.status_code == 201, customer_answer.content
    assert order_answer.status_code == 201, order_answer.content
    assert consents_answer.status_code == 201, consents_answer.content

    customer = Customer.objects.get(shop_customer_id="SHOP-100")
    assert customer.user_id is None  # created at checkout, no password
    assert customer.addresses.get().is_default
    assert Order.objects.get(number="HS-SHOP-100").customer == customer
    events = ConsentEvent.objects.filter(customer=customer).order_by("pk")
    assert [(e.purpose.code, e.action, e.channel) for e in events] == [
        ("2.1", "grant", "api"),
        ("4.2.6", "grant", "api"),
    ]
    promo = events.last()
    assert promo.policy_version == policy_version_in_force()
    assert promo.ip_address == "192.0.2.44" and promo.user_agent == "Mozilla/5.0 (checkout)"
    assert promo.wording.text == WORDING and len(promo.wording.sha256) == 64
    assert promo.actor == key.user

    check = api.post(
        "/api/v1/promotions/check/", {"shop_customer_ids": ["SHOP-100"]}, format="json"
    )
    assert check.json() == {"may": ["SHOP-100"], "may_not": [], "unknown": []}

    # The customer signs in and withdraws on the account page.
    from accounts.services import customer_sign_in_open

    user = customer_sign_in_open(customer=customer, actor=None)
    client.force_login(user)
    page = client.post("/consents/choice/", {"purpose": "4.2.6", "action": "withdraw"})
    assert page.status_code == 302

    check = api.post(
        "/api/v1/promotions/check/",
        {"shop_customer_ids": ["SHOP-100", "SHOP-UNKNOWN"]},
        format="json",
    )
    assert check.json() == {"may": [], "may_not": ["SHOP-100"], "unknown": ["SHOP-UNKNOWN"]}


def test_checkout_with_a_version_not_in_force_writes_nothing(shop):
    _key, api = shop
    CustomerFactory(shop_customer_id="SHOP-5")
    response = api.post(
        "/api/v1/checkout/consents/",
        {
            "shop_customer_id": "SHOP-5",
            "policy_version": "no-such-version",
            "policy_wording": "Политика.",
            "ip_address": "192.0.2.1",
            "user_agent": "x",
            "consents": [
                {"purpose": "4.2.6", "granted": True, "wording": WORDING},
                {"purpose": "9.9.9", "granted": True, "wording": WORDING},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "policy_version"
    assert not ConsentEvent.objects.exists()


def test_an_unknown_purpose_after_valid_ones_writes_nothing(shop):
    _key, api = shop
    CustomerFactory(shop_customer_id="SHOP-6")
    response = api.post(
        "/api/v1/checkout/consents/",
        {
            "shop_customer_id": "SHOP-6",
            "policy_version": policy_version_in_force().label,
            "policy_wording": "Политика.",
            "ip_address": "192.0.2.1",
            "user_agent": "x",
            "consents": [
                {"purpose": "4.2.6", "granted": True, "wording": WORDING},
                {"purpose": "9.9.9", "granted": True, "wording": WORDING},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "consents.1.purpose"
    assert not ConsentEvent.objects.exists()  # the policy and 4.2.6 rolled back too


def test_withdraw_through_the_api(shop):
    key, api = shop
    customer = CustomerFactory(shop_customer_id="SHOP-8")
    grant(customer, "4.2.6")
    body = {"shop_customer_id": "SHOP-8", "purpose": "4.2.6", "ip_address": "192.0.2.9"}
    assert api.post("/api/v1/consents/withdraw/", body, format="json").json() == {"withdrawn": True}
    assert not consent_is_granted(customer_id=customer.pk, purpose_code="4.2.6")
    event = ConsentEvent.objects.filter(customer=customer).latest("pk")
    assert event.channel == "api" and event.actor == key.user
    again = api.post("/api/v1/consents/withdraw/", body, format="json")
    assert again.json() == {"withdrawn": False}
    policy = api.post("/api/v1/consents/withdraw/", {**body, "purpose": "4.2.1"}, format="json")
    assert policy.status_code == 400


def test_reading_consents_is_in_the_access_log_under_the_key(shop):
    key, api = shop
    customer = CustomerFactory(shop_customer_id="SHOP-9")
    grant(customer, "4.2.6")
    response = api.get("/api/v1/customers/SHOP-9/consents/")
    assert response.status_code == 200
    rows = {row["purpose"]: row for row in response.json()}
    assert rows["4.2.6"]["granted"] and rows["4.2.6"]["effective"]
    assert not rows["4.2.7"]["granted"]
    access = PersonalDataAccess.objects.get(user=key.user)
    assert access.subject_key == f"accounts.customer:{customer.pk}"


def _customers(count: int, *, granted_every: int = 2) -> list[str]:
    customers = Customer.objects.bulk_create(
        Customer(
            shop_customer_id=f"BULK-{n}",
            first_name="Имя",
            last_name="Фамилия",
            phone=f"+7702{n:07d}",
            email=f"bulk{n}@example.kz",
        )
        for n in range(count)
    )
    purpose_id = ConsentState._meta.get_field("purpose").related_model.objects.get(code="4.2.6").pk
    event = grant(CustomerFactory(), "4.2.6")
    ConsentState.objects.bulk_create(
        ConsentState(
            customer_id=c.pk,
            purpose_id=purpose_id,
            is_granted=True,
            event=event,
            changed_at=event.occurred_at,
        )
        for c in customers[::granted_every]
    )
    return [c.shop_customer_id for c in customers]


@pytest.mark.parametrize("count", [10, 10_000])
def test_the_promotion_check_takes_the_same_queries_for_10_and_10000(shop, count):
    _key, api = shop
    ids = _customers(count)
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/promotions/check/", {"shop_customer_ids": ids}, format="json")
    assert response.status_code == 200
    answer = response.json()
    assert len(answer["may"]) == (count + 1) // 2 and len(answer["may_not"]) == count // 2
    ours = [
        q
        for q in queries.captured_queries
        if "consents_" in q["sql"] or "accounts_customer" in q["sql"]
    ]
    assert len(ours) == 2, [q["sql"][:120] for q in ours]


def test_the_check_by_email_matches_whatever_the_case(shop):
    _key, api = shop
    customer = CustomerFactory(email="Aigerim.Case@Example.kz")
    grant(customer, "4.2.6")
    response = api.post(
        "/api/v1/promotions/check/",
        {"emails": ["aigerim.case@example.kz", "nobody@example.kz"]},
        format="json",
    )
    assert response.json() == {
        "may": ["aigerim.case@example.kz"],
        "may_not": [],
        "unknown": ["nobody@example.kz"],
    }


def test_more_than_10000_ids_is_refused(shop):
    _key, api = shop
    ids = [f"X-{n}" for n in range(10_001)]
    response = api.post("/api/v1/promotions/check/", {"shop_customer_ids": ids}, format="json")
    assert response.status_code == 400


def test_send_queues_only_for_those_who_may_with_unsubscribe_headers(shop):
    _key, api = shop
    yes = CustomerFactory(shop_customer_id="SEND-YES")
    grant(yes, "4.2.6")
    withdrawn = CustomerFactory(shop_customer_id="SEND-NO")
    grant(withdrawn, "4.2.6")
    withdraw(withdrawn, "4.2.6")
    CustomerFactory(shop_customer_id="SEND-NEVER")
    body = {
        "campaign": "black-friday-2026",
        "subject": "Скидки недели",
        "body_text": "Скидки до 50% на электронику.",
        "shop_customer_ids": ["SEND-YES", "SEND-NO", "SEND-NEVER", "SEND-UNKNOWN"],
    }
    response = api.post("/api/v1/promotions/send/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "queued": ["SEND-YES"],
        "not_sent": ["SEND-NO", "SEND-NEVER", "SEND-UNKNOWN"],
    }
    message = OutboundMessage.objects.get(reason="consents.promotion")
    assert message.recipient == yes.email
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe" in message.headers
    # Sending the same campaign again writes no second email.
    api.post("/api/v1/promotions/send/", body, format="json")
    assert OutboundMessage.objects.filter(reason="consents.promotion").count() == 1
