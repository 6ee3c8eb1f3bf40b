"""Issue 14: the sweep words its reminders from a template rendered once per language and
variant; every message must read exactly as the one-claim path (``claim_reminders_send``,
the template rendered for that claim) writes it, in the recipient's language."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from homeshop_privacy import roles
from homeshop_privacy.models import OutboundMessage
from tests.factories import StaffFactory

from .factories import almaty, register

# Received Mon 2 Nov 2026: due Wed 2 Dec 2026.
RECEIVED = almaty(2026, 11, 2, 10, 0)
DUE = date(2026, 12, 2)
# A subject that looks like the template's own syntax and markers, on two lines.
TRICKY = "Возврат {{ link }} %(reference)s {reference} \ue000link\ue001 100%\nвторая строка"

SWEPT = ("claims.reminder", "claims.escalation")


def day(n: int) -> date:
    return date.fromordinal(DUE.toordinal() - n)


def _texts(claim_ids) -> dict:
    rows = OutboundMessage.objects.filter(reason__in=SWEPT).order_by("reason", "object_key")
    return {
        (m.reason, m.object_key, m.recipient): (m.language, m.subject, m.body_text)
        for m in rows
        if int(m.object_key.split(":")[1]) in claim_ids
    }


def _one_claim_at_a_time(claims, today) -> dict:
    for claim in claims:
        services.claim_reminders_send(claim_id=claim.pk, today=today)
    texts = _texts({c.pk for c in claims})
    OutboundMessage.objects.filter(reason__in=SWEPT).delete()
    return texts


@pytest.mark.django_db
@pytest.mark.parametrize("days_before", [7, 3, 1, 0, -1, -12])
def test_sweep_words_each_reminder_as_the_one_claim_path_in_ru_kk_en(settings, days_before):
    settings.SITE_URL = "https://privacy.homeshop.kz"
    agents = {
        language: StaffFactory(role=roles.SUPPORT_AGENT, language=language, full_name=name)
        for language, name in (("ru", "Анна Ким"), ("kk", "Асқар Нұрлан"), ("en", ""))
    }
    for language in ("ru", "kk", "en"):
        StaffFactory(role=roles.COMPLIANCE_OFFICER, language=language)
    claims = [register(received_at=RECEIVED, assignee=agent) for agent in agents.values()]
    claims.append(register(received_at=RECEIVED, assignee=agents["kk"], subject=TRICKY))
    claims.append(register(received_at=RECEIVED))  # nobody assigned: the officers, daily
    today = day(days_before)

    expected = _one_claim_at_a_time(claims, today)
    assert services.claims_reminders_sweep(today=today) == len(expected)
    swept = _texts({c.pk for c in claims})

    # Every kind and language is there: assignees (due-N), officers (unassigned, overdue).
    languages = {language for language, _subject, _body in expected.values()}
    assert languages == {"ru", "kk", "en"}
    assert swept == expected


@pytest.mark.django_db
def test_a_reminder_in_kazakh_reads_as_the_template_says(settings):
    settings.SITE_URL = "https://privacy.homeshop.kz"
    agent = StaffFactory(role=roles.SUPPORT_AGENT, language="kk", full_name="Асқар Нұрлан")
    claim = register(received_at=RECEIVED, assignee=agent, subject=TRICKY)
    services.claims_reminders_sweep(today=day(3))
    message = OutboundMessage.objects.get(reason="claims.reminder")
    assert message.language == "kk"
    assert claim.reference in message.subject
    assert "02.12.2026" in message.subject
    assert "\ue000" not in message.subject
    assert message.body_text.count("\ue000") == TRICKY.count("\ue000")  # the claim's own
    # The claim's subject is put in as it is, never read as the template's own fields.
    assert TRICKY in message.body_text
    assert message.body_text.rstrip().endswith(
        f"https://privacy.homeshop.kz/admin/claims/claim/{claim.pk}/change/"
    )


@pytest.mark.django_db
def test_a_second_sweep_the_same_day_reads_no_claim_however_many(support_agent, officer):
    """The anti-join is in SQL: a rerun with nothing to send runs the same few queries
    for 3 claims as for 30 (the officers, one read of the claims that finds none)."""

    def rerun():
        with CaptureQueriesContext(connection) as ctx:
            assert services.claims_reminders_sweep(today=day(-1)) == 0
        return len(ctx.captured_queries)

    for _ in range(3):
        register(received_at=RECEIVED, assignee=support_agent)
    assert services.claims_reminders_sweep(today=day(-1)) == 3
    few = rerun()
    for _ in range(27):
        register(received_at=RECEIVED, assignee=support_agent)
    register(received_at=RECEIVED)
    assert services.claims_reminders_sweep(today=day(-1)) == 27 + 1 + 1
    assert rerun() == few <= 2


@pytest.mark.django_db
def test_a_claim_half_written_gets_only_what_is_missing(support_agent, officer):
    """An officer who joins during the day is told of the overdue claims at the next
    sweep; the officer told already is not told twice."""
    claim = register(received_at=RECEIVED, assignee=support_agent)
    assert services.claims_reminders_sweep(today=day(-1)) == 1
    newcomer = StaffFactory(role=roles.COMPLIANCE_OFFICER)
    assert services.claims_reminders_sweep(today=day(-1)) == 1
    escalations = OutboundMessage.objects.filter(reason="claims.escalation")
    assert sorted(escalations.values_list("recipient", flat=True)) == sorted(
        [officer.email, newcomer.email]
    )
    assert {m.object_key for m in escalations} == {f"claims.claim:{claim.pk}:overdue:2026-12-03"}


@pytest.mark.django_db
def test_queries_grow_with_batches_never_with_claims(
    support_agent, officer, monkeypatch, django_assert_num_queries
):
    """The officers once, then per batch one read of the claims and one write of their
    messages (with its savepoint): the same for 3 claims as for 12 in one batch, and for
    12 claims in batches of 4 exactly three batches' worth plus the read that ends."""

    def sweep(today):
        with CaptureQueriesContext(connection) as ctx:
            sent = services.claims_reminders_sweep(today=today)
        return sent, len(ctx.captured_queries)

    monkeypatch.setattr(services, "SWEEP_BATCH", 20)
    for _ in range(3):
        register(received_at=RECEIVED, assignee=support_agent)
    sent, one_batch = sweep(day(3))
    assert sent == 3
    for _ in range(9):
        register(received_at=RECEIVED, assignee=support_agent)
    sent, still_one = sweep(day(3))
    assert (sent, still_one) == (9, one_batch)
    per_batch = one_batch - 1  # less the officers' read
    monkeypatch.setattr(services, "SWEEP_BATCH", 4)
    with django_assert_num_queries(1 + 3 * per_batch + 1):
        assert services.claims_reminders_sweep(today=day(1)) == 12
