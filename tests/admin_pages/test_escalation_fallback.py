"""Issue 13: escalations go to the Compliance officer group; with no active member there,
to the superusers, and the admin index says so."""

from datetime import date

import pytest

from claims import services
from homeshop_privacy import roles
from homeshop_privacy.models import OutboundMessage
from tests.claims.factories import almaty, register
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

OVERDUE_DAY = date(2026, 12, 4)  # received 2 Nov 2026, due 2 Dec 2026


def _escalated_to() -> list[str]:
    return sorted(
        OutboundMessage.objects.filter(reason="claims.escalation").values_list(
            "recipient", flat=True
        )
    )


def test_overdue_claim_escalates_to_the_officers_not_the_superusers(support_agent, officer):
    StaffFactory(is_superuser=True, email="root@homeshop.kz")
    register(received_at=almaty(2026, 11, 2, 10, 0), assignee=support_agent)
    services.claims_reminders_sweep(today=OVERDUE_DAY)
    assert _escalated_to() == [officer.email]


def test_with_no_active_officer_the_superusers_are_told(support_agent):
    StaffFactory(role=roles.COMPLIANCE_OFFICER, is_active=False, email="left@homeshop.kz")
    StaffFactory(is_superuser=True, email="root@homeshop.kz")
    StaffFactory(is_superuser=True, is_active=False, email="gone@homeshop.kz")
    register(received_at=almaty(2026, 11, 2, 10, 0), assignee=support_agent)
    services.claims_reminders_sweep(today=OVERDUE_DAY)
    assert _escalated_to() == ["root@homeshop.kz"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", "В группе «Compliance officer» нет активных сотрудников"),
        ("kk", "«Compliance officer» тобында белсенді қызметкер жоқ"),
        ("en", "The Compliance officer group has no active member"),
    ],
)
def test_the_admin_index_says_where_escalations_go(client, auditor, language, words):
    StaffFactory(is_superuser=True, email="root@homeshop.kz")
    client.force_login(auditor)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page


def test_the_admin_index_is_quiet_while_an_officer_is_active(client, officer):
    client.force_login(officer)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "has no active member" not in page
