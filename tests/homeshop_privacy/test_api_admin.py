"""The API's admin (issue 12): a key and an endpoint secret are shown once, in the
officer's language, and never stored in clear."""

import pytest

from homeshop_privacy.models import ApiKey, WebhookEndpoint
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

TITLES = {"en": "The new API key", "ru": "Новый ключ API", "kk": "Жаңа API кілті"}


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_new_key_is_shown_once_in_the_officers_language(client, language):
    client.force_login(StaffFactory(role="Compliance officer"))
    response = client.post(
        "/admin/homeshop_privacy/apikey/add/",
        {"name": "Checkout", "scopes": ["customers:write", "consents:write"]},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert TITLES[language] in html
    key = ApiKey.objects.get()
    shown = html.split('<code class="shown-once">')[1].split("</code>")[0]
    assert shown.startswith(f"hsk_{key.prefix}.")
    assert shown not in str(ApiKey.objects.values().get())
    assert key.scopes == ["consents:write", "customers:write"]
    # The key's page never shows it again.
    page = client.get(f"/admin/homeshop_privacy/apikey/{key.pk}/change/")
    assert shown not in page.content.decode()


def test_a_new_endpoint_secret_is_shown_once(client):
    client.force_login(StaffFactory(role="Compliance officer"))
    response = client.post(
        "/admin/homeshop_privacy/webhookendpoint/add/",
        {
            "name": "CRM",
            "url": "https://crm.example.kz/hooks",
            "events": ["consent.withdrawn", "account.closed"],
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    secret = response.content.decode().split('<code class="shown-once">')[1].split("</code>")[0]
    assert secret.startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get()
    assert secret not in endpoint.secret_encrypted
    page = client.get(f"/admin/homeshop_privacy/webhookendpoint/{endpoint.pk}/change/")
    assert secret not in page.content.decode()
