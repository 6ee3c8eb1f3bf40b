"""Issue 9 §5: a NUL byte anywhere a visitor controls is a 400, never a 500.

PostgreSQL refuses NUL in text, so any view that passes such a value to a query failed
with a server error. The test walks every URL pattern the resolver knows, so a new page
is covered the day it is added.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.accounts.factories import SignedUpCustomerFactory
from tests.factories import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SAMPLE = {"uuid": "00000000-0000-0000-0000-000000000001"}


def _concrete_paths(patterns=None, prefix=""):
    """One sample path per URL pattern (converters filled with harmless values)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        route = str(entry.pattern)
        if hasattr(entry.pattern, "_route"):
            part = re.sub(
                r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "1"), route
            )
        else:  # a regex pattern (the admin's catch-all, i18n)
            part = route.lstrip("^").rstrip("$").replace("\\Z", "")
            part = re.sub(r"\((?:\?P<\w+>)?[^)]*\)", "1", part)
            part = re.sub(r"[\\()?*+^$\[\]]", "", part)
        if isinstance(entry, URLResolver):
            yield from _concrete_paths(entry.url_patterns, prefix + part)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + part


PATHS = sorted(set(_concrete_paths()))


def _with_nul_in_path(path: str) -> str:
    stem = path.rstrip("/")
    return (stem or "") + "/%00x" + ("/" if path.endswith("/") else "")


@pytest.fixture
def clients(client, django_user_model):
    from django.test import Client

    staff = StaffFactory(is_superuser=True)
    customer = SignedUpCustomerFactory()
    admin_client = Client(raise_request_exception=False)
    admin_client.force_login(staff)
    customer_client = Client(raise_request_exception=False)
    customer_client.force_login(customer.user)
    return {"admin": admin_client, "customer": customer_client}


def _client_for(clients, path):
    return clients["admin"] if path.startswith("/admin/") else clients["customer"]


def test_the_walk_covers_the_pages_the_issue_names():
    assert "/privacy-policy/1/" in PATHS
    assert "/claims/1/" in PATHS
    assert "/consents/choice/" in PATHS
    assert "/admin/accounts/customer/" in PATHS
    assert len(PATHS) > 100


def _outcomes(client, path):
    return {
        "path": client.get(_with_nul_in_path(path)).status_code,
        "query": client.get(path, {"q": "a\x00b", "status": "\x00", "o": "1\x00"}).status_code,
        "post": client.post(
            path, {"purpose": "\x00", "action": "grant", "email": "a\x00@b.kz"}
        ).status_code,
    }


def test_nul_in_path_query_or_form_field_is_a_400_or_404_never_a_500(clients):
    """Every pattern of the resolver, one request each way; the refusals listed at once."""
    wrong = {}
    for path in PATHS:
        outcomes = _outcomes(_client_for(clients, path), path)
        if not all(code in (400, 404) for code in outcomes.values()):
            wrong[path] = outcomes
    assert wrong == {}


def test_raw_nul_in_the_path_is_a_400(clients):
    response = clients["customer"].get("/privacy-policy/v1\x00/")
    assert response.status_code == 400


def test_the_400_page_is_translated(clients):
    client = clients["customer"]
    ru = client.get("/privacy-policy/%00/", HTTP_ACCEPT_LANGUAGE="ru")
    kk = client.get("/privacy-policy/%00/", HTTP_ACCEPT_LANGUAGE="kk")
    en = client.get("/privacy-policy/%00/", HTTP_ACCEPT_LANGUAGE="en")
    assert ru.status_code == kk.status_code == en.status_code == 400
    assert "Запрос" in ru.content.decode()
    assert "Сұрау" in kk.content.decode()
    assert "request" in en.content.decode()


def test_a_nul_in_a_file_upload_is_not_refused(clients):
    """Files are binary (a PDF holds NUL bytes): only text fields are checked."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\x00\x00binary", "application/pdf")
    response = clients["customer"].post("/claims/new/", {"attachments": upload})
    assert response.status_code == 200
