"""Issues 13 and 14: every reason the code writes has a label a person reads, and the outbox
list's reason filter offers them without ``SELECT DISTINCT reason`` over the whole outbox
on every view."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from homeshop_privacy import outbox
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.outbox_reasons import reason_choices

APPS = ("accounts", "claims", "consents", "disclosures", "homeshop_privacy")
WRITTEN = re.compile(r"""(?:reason=|REASON[A-Z_]* = )["']([a-z_]+\.[a-z_.]+)["']""")


def test_every_reason_the_code_writes_has_a_label_and_is_offered_by_the_filter():
    found = set()
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found.update(WRITTEN.findall(path.read_text()))
    assert found, "the pattern no longer finds the reasons: update it"
    labelled = {code for code, _label in reason_choices()}
    assert found <= labelled, sorted(found - labelled)


def _message(reason, n):
    return outbox.message_enqueue(
        reason=reason, key=f"test:{n}", recipient=f"r{n}@example.kz", subject="s", body_text="b"
    )[0]


@pytest.mark.django_db
def test_the_reason_filter_lists_known_reasons_and_filters(client):
    client.force_login(User.objects.create_superuser("outbox-admin@homeshop.kz", "pw-1-not-secret"))
    reminder = _message("claims.reminder", 1)
    _message("claims.answer", 2)
    url = reverse("admin:homeshop_privacy_outboundmessage_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"reason": "claims.reminder"})
    assert response.status_code == 200
    assert [m.pk for m in response.context["cl"].result_list] == [reminder.pk]
    assert not [q for q in ctx.captured_queries if "DISTINCT" in q["sql"].upper()]
    content = response.content.decode()
    for reason, _label in reason_choices():
        assert f"reason={reason}" in content
    assert OutboundMessage.objects.count() == 2
