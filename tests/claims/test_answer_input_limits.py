"""Issue 9 §5: a service refuses what its model cannot hold, before writing anything."""

import pytest

from claims import services
from claims.models import ClaimAnswer
from homeshop_privacy import roles
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from tests.factories import StaffFactory

from .factories import register

pytestmark = pytest.mark.django_db

BODY = "Ответ по существу: возврат одобрен, деньги зачислены на Вашу карту."


def test_a_tracking_number_over_64_characters_is_refused_and_nothing_is_sent(officer):
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer, body=BODY)
    # Four eyes: a second officer approves, so only the tracking number can refuse the send.
    services.claim_answer_approve(answer=answer, actor=StaffFactory(role=roles.COMPLIANCE_OFFICER))
    with pytest.raises(DomainError) as excinfo:
        services.claim_answer_send(
            answer=answer, actor=officer, by_email=False, tracking_number="R" * 65
        )
    assert "posted_tracking_number" in excinfo.value.message_dict
    answer.refresh_from_db()
    assert answer.status != ClaimAnswer.Status.SENT
    assert answer.posted_tracking_number == ""
    assert not answer.pdf
    claim.refresh_from_db()
    assert claim.answered_at is None
    assert not OutboundMessage.objects.filter(reason__startswith="claims.answer").exists()


def test_a_64_character_tracking_number_is_kept(officer):
    claim = register(assignee=officer)
    answer = services.claim_answer_draft(claim=claim, actor=officer, body=BODY)
    services.claim_answer_approve(answer=answer, actor=StaffFactory(role=roles.COMPLIANCE_OFFICER))
    services.claim_answer_send(
        answer=answer, actor=officer, by_email=False, tracking_number="R" * 64
    )
    answer.refresh_from_db()
    assert answer.posted_tracking_number == "R" * 64
