"""Issue 8 item 3: staff could read customers' password-reset links in the outbox.

An auditor opened the reset email in the outbox admin, followed the link and replaced
the customer's password. No outbox row nor history row holds the link or its token now:
the row names the kind of link and the user, the sending task makes the link, and the
admin shows bodies with any such link masked.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from homeshop_privacy import outbox
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
LINK = re.compile(r"https?://\S+/account/password/reset/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")


def _send_all():
    for pk in OutboundMessage.objects.filter(status="pending").values_list("pk", flat=True):
        outbox.message_send(message_id=pk)


def _every_stored_value():
    """Every column of every outbox row and history row, as text."""
    rows = list(OutboundMessage.objects.values()) + list(OutboundMessage.history.values())
    return [str(value) for row in rows for value in row.values()]


def test_no_outbox_or_history_row_holds_the_link_and_the_delivered_link_works(client, me):
    client.post(RESET, {"email": me.email})
    (row,) = OutboundMessage.objects.filter(reason="accounts.password_reset")
    assert "/account/password/reset/" not in " ".join(_every_stored_value())
    assert outbox.secret_link_mask() in row.body_text  # staff see what the text says

    _send_all()
    (email,) = mail.outbox
    link = LINK.search(email.body)
    assert link is not None
    stored = " ".join(_every_stored_value())
    assert link.group("token") not in stored
    assert link.group(0) not in stored
    assert "/account/password/reset/" not in stored

    # The delivered link works.
    response = client.get(urlsplit(link.group(0)).path)
    assert response.status_code == 302
    response = client.post(
        response["Location"], {"new_password1": "Tole-bi-59-new", "new_password2": "Tole-bi-59-new"}
    )
    assert response["Location"] == reverse("accounts:password_reset_complete")
    me.user.refresh_from_db()
    assert me.user.check_password("Tole-bi-59-new")


@pytest.mark.parametrize("role", ["auditor", "officer"])
def test_the_outbox_admin_never_shows_the_link(client, me, role, request):
    client.post(RESET, {"email": me.email})
    _send_all()
    token = LINK.search(mail.outbox[0].body).group("token")
    row = OutboundMessage.objects.get(reason="accounts.password_reset")

    client.force_login(request.getfixturevalue(role))
    version = row.history.order_by("history_id").last()
    pages = [
        reverse("admin:homeshop_privacy_outboundmessage_change", args=[row.pk]),
        reverse("admin:homeshop_privacy_outboundmessage_history", args=[row.pk]),
        reverse(
            "admin:homeshop_privacy_outboundmessage_simple_history",
            args=[row.pk, version.history_id],
        ),
        reverse("admin:homeshop_privacy_outboundmessage_changelist"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert token not in html, page
        assert "/account/password/reset/" not in html, page


def test_the_admin_masks_a_link_left_in_an_old_row(client, officer):
    # A row written before this fix (the data migration masks those too).
    row = OutboundMessage.objects.create(
        reason="accounts.password_reset",
        object_key="accounts.user:1:password-reset:old",
        recipient="aigerim@example.kz",
        subject="Новый пароль",
        body_text="Ссылка: https://privacy.homeshop.kz/account/password/reset/MQ/cz0-abc123/",
        message_id="<old@homeshop.kz>",
    )
    client.force_login(officer)
    html = client.get(
        reverse("admin:homeshop_privacy_outboundmessage_change", args=[row.pk])
    ).content.decode()
    assert "cz0-abc123" not in html
    assert "Ссылка:" in html


def test_the_outbox_refuses_a_text_that_holds_a_one_time_link(db):
    with pytest.raises(DomainError):
        outbox.message_enqueue(
            reason="accounts.password_reset",
            key="accounts.user:1:x",
            recipient="aigerim@example.kz",
            subject="Новый пароль",
            body_text="https://privacy.homeshop.kz/account/password/reset/MQ/cz0-abc123/",
        )
    assert not OutboundMessage.objects.exists()


def test_no_link_goes_to_an_address_the_account_no_longer_has(client, me):
    client.post(RESET, {"email": me.email})
    me.user.email = "new-address@example.kz"
    me.user.save()
    _send_all()
    assert mail.outbox == []
    row = OutboundMessage.objects.get(reason="accounts.password_reset")
    assert (row.status, row.attempts) == ("cancelled", 0)
