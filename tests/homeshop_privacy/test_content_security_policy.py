"""Issue 8 item 9: every page sends a Content-Security-Policy without 'unsafe-inline' and a
Permissions-Policy, and no page needs what that policy blocks: no inline <script> (unless
it carries the request's nonce), no <style> element, no style="" or on*="" attribute."""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from claims.models import Claim
from consents.selectors import unsubscribe_url
from tests.claims.factories import register
from tests.consents.factories import grant
from tests.factories import CustomerFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


class _InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block."""

    def __init__(self, nonce: str | None):
        super().__init__()
        self.nonce = nonce
        self.blocked: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            if not self.nonce or attrs.get("nonce") != self.nonce:
                self.blocked.append("<script> without src or nonce")
        if tag == "style":
            self.blocked.append("<style> element")
        if "style" in attrs:
            self.blocked.append(f'<{tag} style="{attrs["style"]}">')
        self.blocked += [f"<{tag} {name}=...>" for name in attrs if name.startswith("on")]
        if tag == "a" and (attrs.get("href") or "").lower().startswith("javascript:"):
            self.blocked.append("<a href=javascript:...>")


def _blocked(response) -> list[str]:
    csp = response.headers.get("Content-Security-Policy", "")
    nonce = None
    if "'nonce-" in csp:
        nonce = csp.split("'nonce-", 1)[1].split("'", 1)[0]
    parser = _InlineCode(nonce)
    parser.feed(response.content.decode())
    return parser.blocked


def _assert_page_is_clean(response, url):
    assert response.status_code == 200, url
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"], url
    assert "'unsafe-inline'" not in directives["style-src"], url
    assert "camera=()" in response.headers["Permissions-Policy"], url
    assert _blocked(response) == [], url


@pytest.fixture
def customer_client(client):
    user = UserFactory()
    customer = CustomerFactory(user=user, preferred_language="ru", email="me@example.kz")
    OrderFactory(customer=customer)
    grant(customer)
    register(customer=customer)
    client.force_login(user)
    client.customer = customer
    return client


def test_the_scanner_finds_inline_code(client):
    # The check below must be able to fail: a page with each kind of inline code.
    class Page:
        headers = {"Content-Security-Policy": "script-src 'self' 'nonce-abc'"}
        content = (
            b'<script>alert(1)</script><script nonce="abc">ok()</script>'
            b'<style>p{}</style><p style="color:red" onclick="x()">'
            b'<a href="javascript:x()">'
        )

    assert _blocked(Page) == [
        "<script> without src or nonce",
        "<style> element",
        '<p style="color:red">',
        "<p onclick=...>",
        "<a href=javascript:...>",
    ]


def test_customer_pages_need_no_inline_code(customer_client):
    claim = Claim.objects.get(customer=customer_client.customer)
    urls = [
        reverse("accounts:home"),
        reverse("accounts:edit"),
        reverse("accounts:address_add"),
        reverse("accounts:close"),
        reverse("claims:mine"),
        reverse("claims:new"),
        reverse("claims:detail", args=[claim.reference]),
        reverse("consents:policy_current"),
        urlsplit(unsubscribe_url(customer=customer_client.customer)).path,
    ]
    for url in urls:
        _assert_page_is_clean(customer_client.get(url), url)


def test_anonymous_pages_need_no_inline_code(client):
    for url in [
        reverse("accounts:login"),
        reverse("accounts:password_reset"),
        reverse("admin:login"),
    ]:
        _assert_page_is_clean(client.get(url), url)


def test_every_admin_list_and_add_page_needs_no_inline_code(client, customer_client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    customer = customer_client.customer
    claim = Claim.objects.get(customer=customer)
    urls = [
        reverse("admin:index"),
        reverse("admin:accounts_customer_change", args=[customer.pk]),
        reverse("admin:claims_claim_change", args=[claim.pk]),
    ]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(_request(superuser)):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    for url in urls:
        _assert_page_is_clean(client.get(url), url)


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_no_project_template_holds_inline_code():
    # Emails are not web pages: their HTML keeps inline styles, which mail clients need.
    offenders = []
    for path in sorted(ROOT.glob("*/templates/**/*.html")):
        if "email" in path.relative_to(ROOT).parts or ".venv" in path.parts:
            continue
        parser = _InlineCode(nonce="{{ request.csp_nonce }}")
        parser.feed(path.read_text())
        offenders += [f"{path.relative_to(ROOT)}: {what}" for what in parser.blocked]
    assert offenders == []
