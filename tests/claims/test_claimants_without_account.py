"""4.1 (issue 11): a claimant without a customer account (a letter, an email) is never
anonymised with a customer; their closed claims are, by the retention rule
``claims_without_account``, once the claims term after closing (3 years, Civil Code
art. 178) has run out: through the same classification-driven path as a customer's
claims, history, files, the answer's ledger evidence and the claim's emails included."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from claims import services
from claims.models import Claim, ClaimAnswer, ClaimAttachment, ClaimDeadlineChange
from homeshop_privacy import outbox, retention
from homeshop_privacy.ledger import ledger_verify
from homeshop_privacy.models import OutboundMessage, RetentionRule
from homeshop_privacy.private_files import private_storage
from tests.factories import CustomerFactory

from .factories import approved_and_sent, register
from .test_claim_register import PDF

pytestmark = pytest.mark.django_db

NAME = "Гүлназ Хатжазбаева"
EMAIL = "gulnaz.letter@example.kz"
PHONE = "+77015550123"
STREET = "ул. Письменная, 9"
LATER = timezone.now() + timedelta(days=3 * 365 + 2)


def closed_claim_by_letter(officer, *, closed_days_ago: int = 0, **kwargs) -> Claim:
    claim = register(
        actor=officer,
        claimant_name=NAME,
        claimant_email=EMAIL,
        claimant_phone=PHONE,
        claimant_address=STREET,
        text=f"Я, {NAME}, {STREET}, тел. {PHONE}, прошу вернуть деньги.",
        internal_notes=f"перезвонить {PHONE}",
        attachments=[SimpleUploadedFile("письмо.pdf", PDF, "application/pdf")],
        received_at=timezone.now() - timedelta(days=2),
        **kwargs,
    )
    services.claim_pause(claim=claim, actor=officer, reason=f"Ждём чек от {NAME}")
    services.claim_resume(claim=claim, actor=officer, reason=f"{NAME} прислала чек")
    approved_and_sent(claim, author=officer, body=f"Уважаемая {NAME}! Ответ на {STREET}.")
    services.claim_close(claim=claim, actor=officer, outcome=Claim.Outcome.SETTLED)
    Claim.objects.filter(pk=claim.pk).update(
        closed_at=timezone.now() - timedelta(days=closed_days_ago)
    )
    return Claim.objects.get(pk=claim.pk)


def _run(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return retention.retention_run(now=LATER)


def _apply_this_rule(django_capture_on_commit_callbacks) -> dict:
    """This rule's process alone, as the run applies it (the other rules, 3 years later,
    would empty every email body and anonymise every customer, hiding what this one does)."""
    process = retention.process("claims_without_account")
    rule = RetentionRule.objects.get(code="claims_without_account")
    pks = list(process.due(retention.cutoff_of(rule, LATER), 0))
    with django_capture_on_commit_callbacks(execute=True):
        return process.apply(pks, "test") if pks else {}


def test_the_rule_is_seeded_with_its_reason_and_acts():
    rule = RetentionRule.objects.get(code="claims_without_account")
    assert (rule.category, rule.event, rule.keep_days, rule.action) == (
        "claims",
        "claim_closed",
        3 * 365,
        "anonymise",
    )
    assert "Civil Code art. 178" in rule.legal_reason
    assert retention.process("claims_without_account") is not None


def test_a_closed_claim_without_an_account_is_anonymised_after_the_term(
    officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        claim = closed_claim_by_letter(officer)
    files = [a.file.name for a in ClaimAttachment.objects.filter(claim=claim)]
    files.append(ClaimAnswer.objects.get(claim=claim).pdf.name)
    assert all(private_storage().exists(name) for name in files)
    emails = OutboundMessage.objects.filter(recipient=EMAIL)
    assert emails.count() == 4  # the acknowledgement, the pause and resume notices, the answer
    assert retention.retention_plan(now=timezone.now())["claims_without_account"] == 0
    assert retention.retention_plan(now=LATER)["claims_without_account"] == 1

    counts = _apply_this_rule(django_capture_on_commit_callbacks)

    assert counts["records"] == 1
    assert counts["homeshop_privacy.outboundmessage"] == 4
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.claimant_anonymised_at is not None
    assert claim.claimant_name == "anonymised"
    assert (claim.claimant_email, claim.claimant_phone, claim.claimant_address) == ("", "", "")
    assert (claim.text, claim.internal_notes) == ("", "")
    # The register keeps its facts.
    assert claim.reference and claim.received_on and claim.outcome == Claim.Outcome.SETTLED
    for version in claim.history.all():
        assert NAME not in version.claimant_name and version.claimant_email == ""
        assert PHONE not in version.text and version.claimant_address == ""
    assert not ClaimDeadlineChange.objects.filter(claim=claim).exclude(reason="").exists()
    answer = ClaimAnswer.objects.get(claim=claim)
    assert (answer.body, answer.sent_by_email_to) == ("", "")
    assert answer.sent_at and answer.status == ClaimAnswer.Status.SENT
    assert not [name for name in files if private_storage().exists(name)]
    assert not OutboundMessage.objects.filter(recipient__iexact=EMAIL).exists()
    assert not OutboundMessage.objects.filter(body_text__contains=NAME).exists()
    assert ledger_verify().ok  # the answer's chain holds salted digests: it still verifies


def test_the_daily_run_applies_it_and_a_second_run_finds_nothing_left(
    officer, django_capture_on_commit_callbacks
):
    claim = closed_claim_by_letter(officer)
    run = _run(django_capture_on_commit_callbacks)
    assert run.counts["claims_without_account"]["records"] == 1
    assert Claim.objects.get(pk=claim.pk).claimant_name == "anonymised"
    assert retention.retention_plan(now=LATER)["claims_without_account"] == 0
    again = _run(django_capture_on_commit_callbacks)
    assert again.counts.get("claims_without_account", {}).get("records", 0) == 0
    assert services.claims_anonymise(claim_ids=[claim.pk], actor=None, reason="again") == {}


def test_open_recent_and_customers_claims_are_not_due(officer):
    still_open = register(actor=officer, claimant_name=NAME, claimant_email=EMAIL)
    customer = CustomerFactory()
    customers = register(actor=officer, customer=customer)
    approved_and_sent(customers, author=officer, body="Ответ клиенту.")
    services.claim_close(claim=customers, actor=officer, outcome=Claim.Outcome.SETTLED)
    recent = closed_claim_by_letter(officer)
    due = retention.process("claims_without_account").due(
        timezone.now() - timedelta(days=3 * 365), 0
    )
    assert list(due) == []  # closed today: the term runs for three years
    due = set(retention.process("claims_without_account").due(LATER - timedelta(days=3 * 365), 0))
    assert due == {recent.pk}  # not the open one, not the customer's (it goes with them)
    ids = [still_open.pk, customers.pk]
    assert services.claims_anonymise(claim_ids=ids, actor=None, reason="test") == {}
    assert Claim.objects.get(pk=still_open.pk).claimant_name == NAME
    assert Claim.objects.get(pk=customers.pk).claimant_name == customer.full_name


def test_a_customers_own_emails_to_the_same_address_stay(
    officer, django_capture_on_commit_callbacks
):
    """The claimant's address may be a customer's too: only the claim's emails go."""
    CustomerFactory(email=EMAIL)
    closed_claim_by_letter(officer)
    outbox.message_enqueue(
        reason="test",
        key="accounts.customer:1:newsletter",
        recipient=EMAIL,
        subject="Акция",
        body_text="Скидки недели.",
    )
    assert _apply_this_rule(django_capture_on_commit_callbacks)["records"] == 1
    kept = OutboundMessage.objects.get(reason="test")
    assert kept.recipient == EMAIL and kept.body_text == "Скидки недели."


def test_the_staff_reminders_about_the_claim_lose_the_claimants_words(
    officer, django_capture_on_commit_callbacks
):
    """A reminder or an escalation to staff quotes the claim's subject (the claimant may
    name themselves in it): its text goes with the claimant; the row (who was reminded,
    when) stays, to the staff member it went to."""
    claim = register(
        actor=officer,
        claimant_name=NAME,
        claimant_email=EMAIL,
        subject=f"Жалоба {NAME} на доставку",
        assignee=officer,
        received_at=timezone.now() - timedelta(days=2),
    )
    assert services.claim_reminders_send(claim_id=claim.pk, today=claim.due_on) == 1
    reminder = OutboundMessage.objects.get(reason=services.REASON_REMINDER)
    assert reminder.recipient == officer.email and NAME in reminder.body_text
    approved_and_sent(claim, author=officer, body="Ответ.")
    services.claim_close(claim=claim, actor=officer, outcome=Claim.Outcome.SETTLED)

    assert _apply_this_rule(django_capture_on_commit_callbacks)["records"] == 1

    assert not OutboundMessage.objects.filter(body_text__contains=NAME).exists()
    reminder.refresh_from_db()
    assert (reminder.recipient, reminder.body_text) == (officer.email, "")
