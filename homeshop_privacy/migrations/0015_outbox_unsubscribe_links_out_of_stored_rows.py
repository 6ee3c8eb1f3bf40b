"""No unsubscribe link left in the outbox or its history (4.3, issue 8 item 3).

Promotions written before the link was made at sending held it in their text, HTML and
List-Unsubscribe header. A row still to be sent gets the placeholder and names the link
(the customer, read from the signed token), so the sender makes it; every other row keeps
the text with the link masked. (The history never held bodies or headers.)
"""

import re

from django.db import migrations

UNSUBSCRIBE_LINK = re.compile(r"(?:https?://[^/\s\"'<>]+)?/unsubscribe/([^/\s\"'<>]+)/")
MASK = "[one-time link: made when the email is sent, never stored]"
PLACEHOLDER = "{one-time-link}"
TO_SEND = ("pending", "retrying")


def _customer_id(text: str) -> int | None:
    from consents.tokens import unsubscribe_token_read

    for token in UNSUBSCRIBE_LINK.findall(text):
        read = unsubscribe_token_read(token=token)
        if read is not None:
            return read.customer_id
    return None


def _replaced(row, replacement: str) -> None:
    row.body_text = UNSUBSCRIBE_LINK.sub(replacement, row.body_text)
    row.body_html = UNSUBSCRIBE_LINK.sub(replacement, row.body_html)
    row.headers = {
        name: UNSUBSCRIBE_LINK.sub(replacement, value) if isinstance(value, str) else value
        for name, value in (row.headers or {}).items()
    }


def unsubscribe_links_out(apps, schema_editor):
    Message = apps.get_model("homeshop_privacy", "OutboundMessage")
    fields = ["body_text", "body_html", "headers"]
    for message in Message.objects.filter(link_kind="").iterator():
        stored = " ".join([message.body_text, message.body_html, str(message.headers)])
        if not UNSUBSCRIBE_LINK.search(stored):
            continue
        customer_id = _customer_id(stored) if message.status in TO_SEND else None
        if customer_id is not None:
            _replaced(message, PLACEHOLDER)
            message.link_kind = "consents.unsubscribe"
            message.link_object_id = customer_id
            message.save(update_fields=[*fields, "link_kind", "link_object_id"])
        else:
            _replaced(message, MASK)
            message.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("homeshop_privacy", "0014_heartbeat_missing_since_for_the_start_up_grace"),
    ]

    operations = [
        migrations.RunPython(unsubscribe_links_out, migrations.RunPython.noop),
    ]
