from urllib.parse import urlsplit

import pytest
from django.core import mail

from consents.selectors import unsubscribe_url
from consents.services import promotion_email_enqueue
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.outbox import message_send
from tests.factories import CustomerFactory

from .factories import grant, withdraw

pytestmark = pytest.mark.django_db


def _send(**kw):
    defaults = {
        "campaign": "black-friday-2026",
        "subject": "Чёрная пятница: скидки до 50%",
        "body_text": "Скидки на технику до 50% до воскресенья.",
        "body_html": "<html><body><p>Скидки на технику до 50%.</p></body></html>",
    }
    return promotion_email_enqueue(**{**defaults, **kw})


def test_promotional_email_is_refused_to_a_customer_who_withdrew(customer):
    grant(customer)
    withdraw(customer)

    with pytest.raises(DomainError):
        _send(customer=customer)
    assert not OutboundMessage.objects.filter(recipient=customer.email).exists()


def test_promotional_email_is_refused_to_a_customer_who_never_consented(customer):
    grant(customer, "4.2.7")  # advertising is not promotions by email

    with pytest.raises(DomainError):
        _send(customer=customer)
    assert not OutboundMessage.objects.exists()


def test_promotional_email_ends_with_the_unsubscribe_link_and_one_click_headers(
    customer, django_capture_on_commit_callbacks
):
    grant(customer)
    with django_capture_on_commit_callbacks():
        message = _send(customer=customer)
    message_send(message_id=message.pk)

    [email] = mail.outbox
    assert email.to == [customer.email]
    link = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert urlsplit(link).path.startswith("/unsubscribe/")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    last_line = email.body.rstrip().splitlines()[-1]
    assert last_line == f"Отписаться / Unsubscribe: {link}"
    html = email.alternatives[0][0]
    assert html.index(link) > html.index("Скидки на технику") and html.endswith("</body></html>")


def test_the_link_in_the_email_unsubscribes(client, customer):
    grant(customer)
    # The link is in the delivered email only, never in the outbox row (issue 8 item 3).
    message_send(message_id=_send(customer=customer).pk)
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")

    client.post(urlsplit(link).path, {"List-Unsubscribe": "One-Click"})

    with pytest.raises(DomainError):
        _send(customer=customer, campaign="next-week")


def test_footer_is_in_the_customers_language():
    customer = CustomerFactory(preferred_language="en")
    grant(customer)

    message = _send(customer=customer, subject="Black Friday", body_text="Up to 50% off.")
    message_send(message_id=message.pk)

    assert mail.outbox[0].body.rstrip().splitlines()[-1].startswith("Unsubscribe: http")
    assert message.language == "en"


def test_the_same_campaign_is_written_once_per_customer(customer):
    grant(customer)

    first = _send(customer=customer)
    second = _send(customer=customer)

    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1


def test_a_promotion_waiting_in_the_outbox_is_not_sent_after_unsubscribing(client, customer):
    # The promotion was written but not sent yet (say the mail server was down); the
    # customer unsubscribes with the link of an earlier email: it never goes out.
    grant(customer)
    waiting = _send(customer=customer)
    other = CustomerFactory()
    grant(other)
    others = _send(customer=other)
    path = urlsplit(unsubscribe_url(customer=customer)).path  # the earlier email's link

    client.post(path, {"List-Unsubscribe": "One-Click"})
    message_send(message_id=waiting.pk)
    message_send(message_id=others.pk)

    assert [m.to for m in mail.outbox] == [[other.email]]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.last_error) == (
        "cancelled",
        "consent to 4.2.6 withdrawn (4.3)",
    )


def test_a_stopped_promotion_cannot_be_retried_from_the_admin(client, customer, officer):
    grant(customer)
    waiting = _send(customer=customer)
    withdraw(customer)
    waiting.refresh_from_db()
    assert waiting.status == "cancelled"

    client.force_login(officer)
    client.post(
        "/admin/homeshop_privacy/outboundmessage/",
        {"action": "retry_failed", "_selected_action": [waiting.pk]},
    )
    message_send(message_id=waiting.pk)

    waiting.refresh_from_db()
    assert waiting.status == "cancelled"
    assert mail.outbox == []


def test_a_late_withdrawal_older_than_the_latest_grant_stops_nothing(customer):
    from datetime import timedelta

    from django.utils import timezone

    grant(customer, at=timezone.now() - timedelta(days=2))
    grant(customer, at=timezone.now() - timedelta(hours=1))
    waiting = _send(customer=customer)
    withdraw(customer, at=timezone.now() - timedelta(days=1))  # a paper form entered late

    message_send(message_id=waiting.pk)

    assert [m.to for m in mail.outbox] == [[customer.email]]
