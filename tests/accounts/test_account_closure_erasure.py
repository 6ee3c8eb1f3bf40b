"""2.2, 4.1 (issue 11): a closed account's data are erased, after its last email, unless a
legal hold applies; an unanswered request is carried out after the rule's term."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from accounts import services
from accounts.models import AccountClosureRequest, Customer
from homeshop_privacy import retention
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.outbox import message_send
from tests.claims.factories import register

pytestmark = pytest.mark.django_db

CLOSE = reverse("accounts:close")


def _done_email(closure):
    return OutboundMessage.objects.get(
        reason="accounts.closure_done",
        object_key=f"accounts.accountclosurerequest:{closure.pk}:done",
    )


@pytest.mark.parametrize(
    ("language", "erased", "kept"),
    [
        ("ru", "Что будет удалено", "Что мы обязаны сохранить и почему"),
        ("kk", "Не жойылады", "Нені сақтауға міндеттіміз және неге"),
        ("en", "What will be erased", "What we must keep, and why"),
    ],
)
def test_the_page_says_what_is_erased_and_what_is_kept_before_the_form(
    my_client, language, erased, kept
):
    page = my_client.get(CLOSE, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert erased in page and kept in page
    assert page.index(erased) < page.index(kept) < page.index('name="confirm"')
    assert "30" in page[page.index(kept) :]  # the rule's term, in days


def test_approved_closure_erases_the_data_only_after_the_last_email(me, officer):
    email = me.email
    closure, _new = services.account_closure_request(customer=me, actor=me.user)
    services.account_closure_decide(closure_request=closure, actor=officer, status="done")
    notice = _done_email(closure)
    # The email is still on its way: nothing is erased yet.
    assert services.account_closure_carry_out(closure_request=closure) is False
    assert Customer.objects.get(pk=me.pk).anonymised_at is None

    message_send(message_id=notice.pk)
    (sent,) = [m for m in mail.outbox if m.to == [email]]
    assert "последнее письмо" in sent.body

    assert services.account_closure_carry_out(closure_request=closure) is True
    customer = Customer.objects.get(pk=me.pk)
    assert customer.anonymised_at is not None and customer.first_name == "anonymised"
    closure.refresh_from_db()
    assert closure.carried_out_at is not None and closure.decided_by == officer
    notice.refresh_from_db()
    # The proof stays (sent, when), the text and address are gone.
    assert notice.status == OutboundMessage.Status.SENT and notice.sent_at
    assert notice.body_text == "" and email not in notice.recipient
    assert closure.history.latest().history_change_reason.startswith("personal data erased")


def test_a_stuck_email_is_waited_for_two_days_at_most(me, officer):
    closure, _new = services.account_closure_request(customer=me, actor=me.user)
    services.account_closure_decide(closure_request=closure, actor=officer, status="done")
    later = timezone.now() + services.CLOSURE_EMAIL_WAIT + timedelta(minutes=1)
    assert services.account_closure_carry_out(closure_request=closure, now=later) is True
    assert _done_email(closure).status == OutboundMessage.Status.CANCELLED


def test_an_open_claim_holds_the_data(me, officer):
    register(customer=me)
    closure, _new = services.account_closure_request(customer=me, actor=me.user)
    with translation.override("en"), pytest.raises(DomainError, match="claim"):
        services.account_closure_decide(closure_request=closure, actor=officer, status="done")
    closure.refresh_from_db()
    assert closure.status == AccountClosureRequest.Status.REQUESTED


def test_an_unanswered_request_is_carried_out_after_the_term_unless_held(me):
    held = services.account_closure_request(
        customer=Customer.objects.create(
            first_name="Бейбіт", last_name="Оспанов", phone="+77011112233", email="b@example.kz"
        ),
        actor=None,
    )[0]
    register(customer=held.customer)
    closure, _new = services.account_closure_request(customer=me, actor=me.user)
    AccountClosureRequest.objects.filter(pk__in=[closure.pk, held.pk]).update(
        requested_at=timezone.now() - timedelta(days=31)
    )
    assert retention.retention_plan()["closures_unanswered"] == 1
    retention.retention_run()
    closure.refresh_from_db()
    held.refresh_from_db()
    assert closure.status == "done" and closure.decided_by is None
    assert held.status == "requested"
    # The next run (a day later) erases it once its email went.
    message_send(message_id=_done_email(closure).pk)
    run = retention.retention_run(now=timezone.now() + timedelta(days=1, minutes=1))
    assert run.counts["closures_decided"]["records"] == 1
    closure.refresh_from_db()
    assert closure.carried_out_at is not None
    assert Customer.objects.get(pk=me.pk).anonymised_at is not None


def test_the_admin_shows_the_hold_and_changes_nothing(client, me, officer):
    register(customer=me)
    closure, _new = services.account_closure_request(customer=me, actor=me.user)
    client.force_login(officer)
    url = reverse("admin:accounts_accountclosurerequest_change", args=[closure.pk])
    response = client.post(url, {"status": "done", "decision_note": ""})
    assert response.status_code == 200
    assert "Данные пока нужно хранить: незакрытая претензия" in response.content.decode()
    closure.refresh_from_db()
    assert closure.status == AccountClosureRequest.Status.REQUESTED
    assert Customer.objects.get(pk=me.pk).anonymised_at is None


def _breach_affecting(customer, officer, reference="BR-H1"):
    import datetime as dt

    from disclosures import services as disclosures

    incident = disclosures.breach_record(
        actor=officer,
        reference=reference,
        title="Courier list lost",
        description="-",
        discovered_at=timezone.now() - dt.timedelta(hours=3),
        categories=["contact"],
        notice_ru="Курьер утерял список.",
    )
    disclosures.breach_add_affected(incident=incident, customer_ids=[customer.pk])
    return incident


def _assessed(officer):
    from disclosures.models import BreachIncident

    return {
        "kind": BreachIncident.Kind.LOSS,
        "severity": BreachIncident.Severity.MEDIUM,
        "decided_by": officer,
        "decision_reason": "-",
    }


def test_an_open_breach_affecting_the_customer_holds_the_data(me, officer):
    """5.4.4, 4.1: while a breach that affects the customer is open, their data may be
    needed to tell them and to answer the regulator: a legal hold."""
    from disclosures.models import BreachIncident

    incident = _breach_affecting(me, officer)
    closure, _new = services.account_closure_request(customer=me, actor=me.user)
    with translation.override("en"), pytest.raises(DomainError, match="breach"):
        services.account_closure_decide(closure_request=closure, actor=officer, status="done")
    closure.refresh_from_db()
    assert closure.status == AccountClosureRequest.Status.REQUESTED
    assert retention.exclude_held(Customer.objects.filter(pk=me.pk)).count() == 0

    BreachIncident.objects.filter(pk=incident.pk).update(
        status=BreachIncident.Status.CLOSED, **_assessed(officer)
    )
    assert retention.exclude_held(Customer.objects.filter(pk=me.pk)).count() == 1
    services.account_closure_decide(closure_request=closure, actor=officer, status="done")
    closure.refresh_from_db()
    assert closure.status == AccountClosureRequest.Status.DONE


def test_a_breach_found_not_to_be_one_holds_nothing(me, officer):
    from disclosures.models import BreachIncident

    incident = _breach_affecting(me, officer)
    BreachIncident.objects.filter(pk=incident.pk).update(
        status=BreachIncident.Status.NOT_A_BREACH, **_assessed(officer)
    )
    assert retention.exclude_held(Customer.objects.filter(pk=me.pk)).count() == 1
