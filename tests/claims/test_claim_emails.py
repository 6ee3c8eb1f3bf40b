"""Claims emails are worded in templates per language (issue 15 item 5), with the same
translated sentences the Python strings had: the catalogue entries are reused as they are."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from claims import services
from claims.models import Claim
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.timestamps import display_date
from tests.factories import StaffFactory

from .factories import almaty, register

ACK = (
    "Dear %(name)s,\n\n"
    "We have received your claim of %(received)s about “%(subject)s”. "
    "Its reference number is %(reference)s.\n\n"
    "We will answer you in writing by %(due)s at the latest "
    "(from receipt: %(term)s).\n\n"
    "Homeshop.kz"
)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_acknowledgement_reads_the_catalogue_sentences_in_each_language(language):
    claim = register(claimant_language=language, received_at=almaty(2026, 11, 2, 10, 0))
    message = OutboundMessage.objects.get(reason=services.REASON_ACK)
    with translation.override(language):
        values = {
            "name": claim.claimant_name,
            "received": display_date(claim.received_on),
            "subject": claim.subject,
            "reference": claim.reference,
            "due": display_date(claim.due_on),
            "term": claim.term_text,
        }
        assert message.subject == (gettext("Your claim %(reference)s has been received") % values)
        assert message.body_text.startswith(gettext(ACK) % values)
    assert message.language == language


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_an_overdue_claim_escalates_in_the_officers_language(language):
    officer = StaffFactory(role="Compliance officer", language=language)
    claim = register(received_at=almaty(2026, 10, 1, 10, 0))
    Claim.objects.filter(pk=claim.pk).update(assignee=StaffFactory())
    services.claim_reminders_send(
        claim_id=claim.pk, today=claim.due_on.fromordinal(claim.due_on.toordinal() + 2)
    )
    message = OutboundMessage.objects.get(
        reason=services.REASON_ESCALATION, recipient=officer.email
    )
    with translation.override(language):
        due = display_date(claim.due_on)
        assert message.subject == (
            gettext("OVERDUE: claim %(reference)s was due on %(due)s")
            % {"reference": claim.reference, "due": due}
        )
        assert gettext("Subject") + ": " + claim.subject in message.body_text
    assert message.body_text.endswith(f"/admin/claims/claim/{claim.pk}/change/\n")
