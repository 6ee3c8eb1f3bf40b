"""4.3 and issue 8 item 3 (attack finding): an auditor read the unsubscribe link of a
promotional email in the outbox admin and posted it, writing a withdrawal into the
consent ledger as if the customer had. The link is now made when the email is sent:
no outbox row, history row or admin page holds it; the delivered email's does work."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consents.models import ConsentEvent
from consents.selectors import consent_is_granted
from consents.services import promotion_email_enqueue
from homeshop_privacy import outbox
from homeshop_privacy.models import OutboundMessage

from .factories import grant

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s<>\"]+/unsubscribe/(?P<token>[^/\s<>\"]+)/")


def _promotion(customer):
    return promotion_email_enqueue(
        customer=customer,
        campaign="black-friday-2026",
        subject="Чёрная пятница",
        body_text="Скидки до 50%.",
        body_html="<html><body><p>Скидки до 50%.</p></body></html>",
    )


def _every_stored_value() -> str:
    rows = list(OutboundMessage.objects.values()) + list(OutboundMessage.history.values())
    return " ".join(str(value) for row in rows for value in row.values())


def _withdrawals(customer) -> int:
    return ConsentEvent.objects.filter(
        customer=customer, action=ConsentEvent.Action.WITHDRAW
    ).count()


def test_no_outbox_row_holds_the_unsubscribe_link_and_the_delivered_one_works(
    client, customer, django_capture_on_commit_callbacks
):
    grant(customer)
    with django_capture_on_commit_callbacks():
        message = _promotion(customer)
    assert "/unsubscribe/" not in _every_stored_value()

    outbox.message_send(message_id=message.pk)
    (email,) = mail.outbox
    header = email.extra_headers["List-Unsubscribe"]
    assert LINK.fullmatch(header.strip("<>"))
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = LINK.search(header).group("token")
    assert LINK.search(email.body).group("token") == token
    assert LINK.search(email.alternatives[0][0]).group("token") == token
    stored = _every_stored_value()
    assert token not in stored and "/unsubscribe/" not in stored

    # The body's link withdraws 4.2.6, as a customer's click does.
    client.post(urlsplit(LINK.search(email.body).group(0)).path, {"List-Unsubscribe": "One-Click"})
    assert not consent_is_granted(customer_id=customer.pk, purpose_code="4.2.6")
    assert _withdrawals(customer) == 1


def test_the_auditor_finds_no_unsubscribe_link_in_the_outbox_admin(
    client, customer, auditor, django_capture_on_commit_callbacks
):
    grant(customer)
    with django_capture_on_commit_callbacks():
        message = _promotion(customer)
    outbox.message_send(message_id=message.pk)
    token = LINK.search(mail.outbox[0].body).group("token")

    client.force_login(auditor)
    version = message.history.order_by("history_id").last()
    pages = [
        reverse("admin:homeshop_privacy_outboundmessage_change", args=[message.pk]),
        reverse("admin:homeshop_privacy_outboundmessage_history", args=[message.pk]),
        reverse(
            "admin:homeshop_privacy_outboundmessage_simple_history",
            args=[message.pk, version.history_id],
        ),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert token not in html, page
        assert "/unsubscribe/" not in html, page
    assert outbox.secret_link_mask() in client.get(pages[0]).content.decode()
    assert _withdrawals(customer) == 0
    assert consent_is_granted(customer_id=customer.pk, purpose_code="4.2.6")


def test_no_email_goes_out_when_the_customer_changed_address(
    customer, django_capture_on_commit_callbacks
):
    grant(customer)
    with django_capture_on_commit_callbacks():
        message = _promotion(customer)
    type(customer).objects.filter(pk=customer.pk).update(email="new-address@example.kz")

    outbox.message_send(message_id=message.pk)

    assert mail.outbox == []


def test_rows_written_before_the_fix_lose_their_links_and_still_send_a_working_one(
    client, customer
):
    import importlib

    from django.apps import apps

    from consents.selectors import unsubscribe_url

    migration = importlib.import_module(
        "homeshop_privacy.migrations.0015_outbox_unsubscribe_links_out_of_stored_rows"
    )
    grant(customer)
    url = unsubscribe_url(customer=customer)
    old = {
        "reason": "consents.promotion",
        "recipient": customer.email,
        "subject": "Акция",
        "body_text": f"Скидки.\n\nОтписаться / Unsubscribe: {url}\n",
        "body_html": f'<p>Скидки.</p><a href="{url}">Unsubscribe</a>',
        "headers": {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "x"},
    }
    waiting = OutboundMessage.objects.create(
        object_key="campaign:old", message_id="<old1@homeshop.kz>", **old
    )
    sent = OutboundMessage.objects.create(
        object_key="campaign:older",
        message_id="<old2@homeshop.kz>",
        status="sent",
        attempts=1,
        sent_at=timezone.now(),
        **old,
    )
    assert "/unsubscribe/" in _every_stored_value()

    migration.unsubscribe_links_out(apps, None)

    assert "/unsubscribe/" not in _every_stored_value()
    sent.refresh_from_db()
    assert migration.MASK in sent.body_text  # as the reset-link migration (0008) masks
    outbox.message_send(message_id=waiting.pk)
    (email,) = mail.outbox
    link = LINK.search(email.extra_headers["List-Unsubscribe"]).group(0)
    assert LINK.search(email.body).group(0) == link
    client.post(urlsplit(link).path, {"List-Unsubscribe": "One-Click"})
    assert _withdrawals(customer) == 1
