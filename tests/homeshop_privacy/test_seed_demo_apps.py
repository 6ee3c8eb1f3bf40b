"""The demo data of consents, disclosures and claims (``<app>/demo.py``), loaded by
``manage.py seed_demo``: present, realistic, and the same after a second run."""

import io
import ipaddress
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Customer
from claims.models import Claim, ClaimCategory, ClaimDeadlineChange
from claims.services import answer_template_render
from consents.models import ConsentEvent, ConsentState, PolicyVersion
from consents.selectors import consent_is_granted
from disclosures.models import (
    BreachIncident,
    Disclosure,
    DisclosureLine,
    DisclosureVoid,
    Recipient,
    WrittenPermission,
)
from disclosures.validators import is_valid_bin
from homeshop_privacy.calendar import local_date
from homeshop_privacy.models import OutboundMessage

pytestmark = pytest.mark.django_db

DOCUMENTATION_NETS = [
    ipaddress.ip_network("198.51.100.0/24"),
    ipaddress.ip_network("203.0.113.0/24"),
]


@pytest.fixture
def seed(settings, tmp_path):
    settings.DEBUG = True
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"

    def run():
        call_command("seed_demo", stdout=io.StringIO())

    return run


def _rows(model) -> int:
    return model.objects.count()


# --- consents -----------------------------------------------------------------------------


def test_every_demo_customer_accepted_policy_version_1(seed):
    seed()
    accepted = ConsentEvent.objects.filter(purpose__code="2.1", action="grant")
    assert accepted.count() == Customer.objects.count()
    assert set(accepted.values_list("policy_version__label", flat=True)) == {"1"}
    assert set(accepted.values_list("channel", flat=True)) == {"registration", "checkout"}


def test_consent_choices_and_withdrawals_come_with_evidence(seed):
    seed()
    granted = ConsentState.objects.filter(is_granted=True)
    customers = Customer.objects.count()
    # 4.2.6 for most, 4.2.7 for some, 4.2.10 for a few.
    promotions = granted.filter(purpose__code="4.2.6").count()
    advertising = granted.filter(purpose__code="4.2.7").count()
    credit = granted.filter(purpose__code="4.2.10").count()
    assert customers / 2 < promotions < customers
    assert 0 < advertising < promotions
    assert 0 < credit <= customers // 5
    withdrawals = ConsentEvent.objects.filter(action="withdraw", purpose__kind="section4")
    assert {"email_link", "account_page"} <= set(withdrawals.values_list("channel", flat=True))
    assert ConsentEvent.objects.filter(channel="cookie_banner", action="grant").exists()
    assert ConsentEvent.objects.filter(channel="cookie_banner", action="withdraw").exists()
    online = ConsentEvent.objects.exclude(channel="staff")
    addresses = set(online.values_list("ip_address", flat=True))
    assert None not in addresses
    assert all(any(ipaddress.ip_address(a) in net for net in DOCUMENTATION_NETS) for a in addresses)
    assert not online.filter(user_agent="").exists()


def test_policy_version_2_is_a_draft_and_nobody_is_mailed_about_it(seed):
    seed()
    draft = PolicyVersion.objects.get(label="2")
    assert draft.published_at is None
    assert "7.3." in draft.text_ru
    assert not OutboundMessage.objects.filter(reason__startswith="consents.").exists()


# --- disclosures --------------------------------------------------------------------------


def test_recipients_of_every_kind_with_valid_bins(seed):
    seed()
    recipients = Recipient.objects.all()
    assert {
        "courier",
        "postal",
        "seller",
        "partner_bank",
        "analytics",
        "state_authority",
    } <= set(recipients.values_list("kind", flat=True))
    assert all(is_valid_bin(r.bin) for r in recipients)
    assert recipients.filter(legal_name="ТОО «Быстрая доставка»", kind="courier").exists()


def test_register_holds_entries_on_every_basis_each_lawful(seed):
    seed()
    entries = Disclosure.objects.all()
    assert set(entries.values_list("basis", flat=True)) == set(Disclosure.Basis.values)
    # A manifest: one 5.4.2 entry for several orders.
    assert entries.filter(basis="5.4.2", line_count__gt=1).exists()
    assert DisclosureLine.objects.filter(disclosure__basis="5.4.2", order__isnull=True).count() == 0
    assert set(entries.filter(basis="5.4.1").values_list("line_count", flat=True)) == {0}
    police = entries.get(basis="5.4.3")
    assert police.request_number and police.request_date and police.legal_ground
    for line in DisclosureLine.objects.filter(disclosure__basis="consent"):
        assert consent_is_granted(
            customer_id=line.customer_id, purpose_code="4.2.10", at=line.disclosed_at
        )
    assert DisclosureLine.objects.filter(
        disclosure__basis="5.3.2", permission__isnull=False
    ).exists()
    assert WrittenPermission.objects.filter(revoked_at__isnull=False).count() == 1


def test_one_entry_is_voided_with_its_reason(seed):
    seed()
    void = DisclosureVoid.objects.get()
    assert "повторно" in void.reason
    assert void.disclosure.reference.endswith("/повтор")


def test_one_small_breach_whose_customers_are_told_once(seed):
    seed()
    seed()
    incident = BreachIncident.objects.get()
    affected = set(incident.affected.values_list("customer_id", flat=True))
    assert 1 <= len(affected) <= 3
    assert set(incident.notices.values_list("customer_id", flat=True)) == affected
    mail = OutboundMessage.objects.filter(reason="disclosures.breach_notice")
    assert sorted(mail.values_list("recipient", flat=True)) == sorted(
        Customer.objects.filter(pk__in=affected).values_list("email", flat=True)
    )


# --- claims -------------------------------------------------------------------------------


def test_claim_categories_have_answer_templates_in_three_languages(seed):
    seed()
    terms = dict(ClaimCategory.objects.values_list("code", "term_days"))
    # The demo's two categories (the data-subject request types are seeded by a migration).
    assert terms.items() >= {"personal-data": 30, "consumer-protection": 10}.items()
    claim = Claim.objects.filter(category__code="consumer-protection", order__isnull=False)[0]
    for language in ("ru", "kk", "en"):
        letter = answer_template_render(claim=claim, language=language)
        assert claim.reference in letter
        assert claim.order.number in letter
        assert "{" not in letter  # every placeholder known to the renderer


def test_claims_at_every_stage_with_due_dates_counted_from_today(seed):
    seed()
    today = local_date(timezone.now())
    claims = Claim.objects.all()
    assert set(claims.values_list("status", flat=True)) == set(Claim.Status.values)
    running = claims.filter(status__in=Claim.OPEN_STATUSES, paused_on__isnull=True)
    assert running.filter(due_on__lt=today).exists()  # overdue
    assert running.filter(due_on__range=(today, today + timedelta(days=7))).exists()
    assert claims.filter(paused_on__isnull=False).count() == 1
    assert ClaimDeadlineChange.objects.filter(kind="extension").count() == 1
    assert claims.filter(answered_on_time=True).exists()
    assert claims.filter(answered_on_time=False).exists()
    assert set(claims.exclude(outcome="").values_list("outcome", flat=True)) == {
        "settled",
        "rejected",
    }
    named = claims.exclude(related_disclosure="").get()
    assert Disclosure.objects.filter(
        reference=named.related_disclosure, lines__customer=named.customer
    ).exists()
    assert BreachIncident.objects.filter(
        reference=claims.exclude(related_breach="").get().related_breach
    ).exists()
    assignees = set(claims.values_list("assignee__email", flat=True))
    assert {"support@homeshop.kz", "officer@homeshop.kz"} <= assignees


def test_demo_answers_are_whole_and_approved_by_a_second_officer(seed):
    # Issue 9 §3: the demo once held a sent answer still reading "[Ответ по существу]".
    from claims.models import ClaimAnswer, unfilled_placeholders

    seed()
    sent = ClaimAnswer.objects.filter(status="sent")
    assert sent.count() == 4
    for answer in sent:
        assert unfilled_placeholders(answer.body) == [], answer.claim.reference
        assert answer.approved_by_id is not None
        assert answer.approved_by_id != answer.drafted_by_id


def test_claimants_with_an_email_are_acknowledged_once(seed):
    seed()
    seed()
    acknowledged = OutboundMessage.objects.filter(reason="claims.acknowledgement")
    emailed = Claim.objects.exclude(claimant_email="")
    assert sorted(acknowledged.values_list("recipient", flat=True)) == sorted(
        emailed.values_list("claimant_email", flat=True)
    )
    assert all(r.endswith("@example.kz") for r in acknowledged.values_list("recipient", flat=True))


# --- all three ----------------------------------------------------------------------------


def test_second_run_changes_no_row_of_the_three_apps(seed):
    seed()
    tables = [
        model
        for app in ("consents", "disclosures", "claims", "homeshop_privacy")
        for model in apps.get_app_config(app).get_models()
    ]
    first = {model._meta.label: _rows(model) for model in tables}
    seed()
    assert {model._meta.label: _rows(model) for model in tables} == first
    for label in (
        "consents.ConsentEvent",
        "consents.ConsentState",
        "consents.ConsentWording",
        "disclosures.Recipient",
        "disclosures.Disclosure",
        "disclosures.DisclosureLine",
        "disclosures.DisclosureVoid",
        "disclosures.WrittenPermission",
        "disclosures.BreachIncident",
        "disclosures.BreachNotice",
        "claims.ClaimCategory",
        "claims.Claim",
        "claims.ClaimDeadlineChange",
        "claims.ClaimAnswer",
    ):
        assert first[label] > 0, label


def test_two_demo_officers_can_try_the_four_eyes_rule(seed):
    """User review: the demo had one compliance officer, so an answer she wrote could be
    approved only by the superuser."""
    from accounts.models import User
    from homeshop_privacy import roles

    seed()
    officers = [u for u in User.objects.filter(is_staff=True) if roles.is_officer(u)]
    assert {"officer@homeshop.kz", "officer2@homeshop.kz"} <= {u.email for u in officers}
    assert not User.objects.get(email="officer2@homeshop.kz").is_superuser
