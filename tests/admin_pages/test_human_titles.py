"""Issue 13: row titles and words a person understands, in ru/kk/en."""

import pytest
from django.utils import translation

from consents.models import ConsentState
from homeshop_privacy.models import OutboundMessage
from tests.claims.factories import register
from tests.consents.factories import grant
from tests.consents.factories import withdraw as consent_withdraw

pytestmark = pytest.mark.django_db


def _consent_state(customer, *, withdraw=False) -> ConsentState:
    grant(customer)
    if withdraw:
        consent_withdraw(customer)
    return ConsentState.objects.select_related("purpose").get(customer=customer)


@pytest.mark.parametrize(
    ("language", "word"), [("ru", "отозвано"), ("kk", "кері қайтарылған"), ("en", "withdrawn")]
)
def test_a_current_consent_is_titled_by_its_purpose_and_state(customer, language, word):
    state = _consent_state(customer, withdraw=True)
    with translation.override(language):
        title = str(state)
    assert title.startswith("4.2.6 ")
    assert title.endswith(f": {word}")
    assert f"#{customer.pk}" not in title


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("ru", "Претензия получена: уведомление заявителю"),
        ("kk", "Шағым қабылданды: өтініш берушіге хабарлама"),
        ("en", "Claim received: notice to the claimant"),
    ],
)
def test_the_outbox_names_reasons_in_words_not_codes(client, officer, language, label):
    register(actor=officer)
    message = OutboundMessage.objects.get(reason="claims.acknowledgement")
    client.force_login(officer)
    page = client.get(
        "/admin/homeshop_privacy/outboundmessage/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert label in page
    assert ">claims.acknowledgement<" not in page
    with translation.override(language):
        assert str(message).startswith(label)
    detail = client.get(
        f"/admin/homeshop_privacy/outboundmessage/{message.pk}/change/",
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    assert label in detail


def test_the_outbox_filter_lists_reasons_by_label_and_filters(client, officer):
    register(actor=officer)
    client.force_login(officer)
    url = "/admin/homeshop_privacy/outboundmessage/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Claim due date reminder" in page  # a choice even before the first reminder
    filtered = client.get(url + "?reason=claims.reminder", HTTP_ACCEPT_LANGUAGE="en")
    assert list(filtered.context["cl"].result_list) == []
    shown = client.get(url + "?reason=claims.acknowledgement", HTTP_ACCEPT_LANGUAGE="en")
    assert [m.reason for m in shown.context["cl"].result_list] == ["claims.acknowledgement"]


def test_the_outbox_record_column_links_the_claim_in_words(client, officer):
    claim = register(actor=officer)
    client.force_login(officer)
    page = client.get(
        "/admin/homeshop_privacy/outboundmessage/", HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert f'<a href="/admin/claims/claim/{claim.pk}/change/">претензия {claim.pk}</a>' in page


@pytest.mark.parametrize(
    ("language", "footer"),
    [("ru", "исходящие письма"), ("kk", "шығыс хаттар"), ("en", "outbound emails")],
)
def test_the_outbox_footer_counts_emails(client, officer, language, footer):
    register(actor=officer)
    register(actor=officer, claimant_email="other@example.kz")
    client.force_login(officer)
    page = client.get(
        "/admin/homeshop_privacy/outboundmessage/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert f"2 {footer}" in page


@pytest.mark.parametrize(
    ("language", "reason", "nobody"),
    [
        ("ru", "претензия зарегистрирована", "система"),
        ("kk", "шағым тіркелді", "жүйе"),
        ("en", "claim registered", "the system"),
    ],
)
def test_history_shows_reasons_in_words_and_no_none(client, officer, language, reason, nobody):
    claim = register(actor=None)
    client.force_login(officer)
    page = client.get(
        f"/admin/claims/claim/{claim.pk}/history/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert reason in page
    assert nobody in page
    assert "None" not in page
