"""Issue 14: list pages do their per-row work once per page (``ListRowsMixin``), and show
exactly what Django's own admin shows: every list page is rendered both ways and compared
character for character."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from homeshop_privacy.admin_base import ListRowsMixin
from tests.admin_samples import one_of_each
from tests.factories import CustomerFactory, OrderFactory

# Per request: the CSP nonce and the CSRF token.
_PER_REQUEST = re.compile(r'(nonce|value)="[A-Za-z0-9+/=_-]{20,}"')


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return _PER_REQUEST.sub(r'\1="…"', response.content.decode())


def _list_urls():
    return sorted(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ListRowsMixin)
    )


@pytest.mark.django_db
def test_list_pages_are_the_html_django_renders(client, monkeypatch):
    superuser = User.objects.create_superuser("rows-admin@homeshop.kz", "pw-not-secret-1")
    one_of_each(actor=superuser)
    # A name to escape, in the checkbox's label and in the row.
    customer = CustomerFactory(last_name='O\'Brien <b>&"Ко"')
    OrderFactory(customer=customer)
    client.force_login(superuser)
    urls = _list_urls()
    assert reverse("admin:accounts_order_changelist") in urls
    assert reverse("admin:accounts_visitevent_changelist") in urls
    # with a filter kept in each row's link (Django's add_preserved_filters)
    urls.append(reverse("admin:accounts_order_changelist") + "?status__exact=placed")
    ours = {url: _page(client, url) for url in urls}
    assert (
        "O&#x27;Brien &lt;b&gt;&amp;&quot;Ко&quot;"
        in ours[reverse("admin:accounts_customer_changelist")]
    )
    assert 'class="action-select"' in ours[reverse("admin:accounts_order_changelist")]
    monkeypatch.setattr(ListRowsMixin, "action_checkbox", admin.ModelAdmin.action_checkbox)
    monkeypatch.setattr(ListRowsMixin, "get_changelist", admin.ModelAdmin.get_changelist)
    for url in urls:
        assert _page(client, url) == ours[url], url
