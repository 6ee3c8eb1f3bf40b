"""The API's part of the permission matrix (issue 12): every API URL × every scope.

``tests/permission_matrix.API_ENDPOINTS`` names the one scope each API URL needs. Here
each cell is a real request: without a key 401, with a key holding every scope but the
needed one 403, with only the needed scope past the guard, a signed-in session (staff or
customer) 401, and 429 past the per-key throttle. A refused request writes nothing.
"""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import URLResolver, path
from django.urls.resolvers import RegexPattern

from homeshop_privacy.models import ApiScope
from tests import matrix_world as mw
from tests import permission_matrix as pm
from tests.api_keys import client_for, key_with
from tests.factories import CustomerFactory, StaffFactory, UserFactory
from tests.two_factor import SignInClient

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

FOUND = pm.walk()
API_ROUTES = sorted(route for route in FOUND.pages if route.startswith(pm.API_PREFIX))
CELLS = [
    (route, method, scope)
    for route, methods in sorted(pm.API_ENDPOINTS.items())
    for method, scope in methods.items()
]
URL_ARGUMENTS = {"<str:shop_customer_id>": "SHOP-MATRIX", "<str:number>": "HS-MATRIX"}


def _url(route: str) -> str:
    url = "/" + route
    for placeholder, value in URL_ARGUMENTS.items():
        url = url.replace(placeholder, value)
    return url


def _call(client, method: str, route: str):
    if method == "GET":
        return client.get(_url(route))
    # Claims come with their files: a multipart form.
    return client.post(_url(route), {}, format="multipart" if "claims" in route else "json")


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_every_api_url_is_named_with_its_scope():
    named = set(pm.API_ENDPOINTS) | {r for r in pm.PAGES if r.startswith(pm.API_PREFIX)}
    assert set(API_ROUTES) == named
    assert {scope for _r, _m, scope in CELLS} == set(ApiScope.values)


def test_the_guard_reports_an_unnamed_api_url():
    root = pm.get_resolver()
    urlconf = type("ProbeURLConf", (), {"urlpatterns": [*root.url_patterns]})
    urlconf.urlpatterns.append(path("api/v1/probe/", lambda request: None))
    reported = pm.unnamed(pm.walk(resolver=URLResolver(RegexPattern(r"^/"), urlconf)))
    assert reported == ["URL /api/v1/probe/"]


@pytest.mark.parametrize(
    ("route", "method", "scope"), CELLS, ids=[f"{m} {r}" for r, m, _s in CELLS]
)
def test_api_cell(route, method, scope):
    before = mw.fingerprint()
    # No key at all.
    response = _call(client_for(None), method, route)
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    # A signed-in session is not a key: staff and customers alike.
    staff = SignInClient()
    staff.force_login(StaffFactory(is_superuser=True))
    assert _call(staff, method, route).status_code == 401
    customer = SignInClient()
    customer.force_login(CustomerFactory(user=UserFactory()).user)
    assert _call(customer, method, route).status_code == 401
    # Every scope but the one needed.
    _key, raw = key_with(*(s for s in ApiScope.values if s != scope))
    response = _call(client_for(raw), method, route)
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/problem+json"
    changed = mw.changed_tables(before, mw.fingerprint())
    # Only the test's own sign-in users and keys were written; nothing the API guards.
    assert set(changed) <= {
        "accounts_user",
        "accounts_historicaluser",
        "accounts_customer",
        "accounts_historicalcustomer",
        "homeshop_privacy_apikey",
        "homeshop_privacy_historicalapikey",
        "django_session",
        "accounts_securityevent",
        "otp_static_staticdevice",
        "otp_static_statictoken",
        "otp_totp_totpdevice",
    }, changed
    # The needed scope alone passes the guard (an empty body is then refused as invalid
    # or names nothing: 400 or 404, never 401/403).
    _key, raw = key_with(scope)
    response = _call(client_for(raw), method, route)
    assert response.status_code in (200, 400, 404), response.content


@override_settings(API_THROTTLE_RATE="2/min")
@pytest.mark.parametrize(
    ("route", "method", "scope"), CELLS, ids=[f"{m} {r}" for r, m, _s in CELLS]
)
def test_api_throttle(route, method, scope):
    _key, raw = key_with(scope)
    api = client_for(raw)
    codes = [_call(api, method, route).status_code for _ in range(3)]
    assert codes[:2] != [429, 429] and codes[2] == 429
