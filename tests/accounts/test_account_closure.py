"""2.2: a customer who disagrees with the policy asks to close the account."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import services
from accounts.models import AccountClosureRequest
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from homeshop_privacy.outbox import message_send

pytestmark = pytest.mark.django_db

CLOSE = reverse("accounts:close")


def test_asking_twice_keeps_one_open_request(my_client, me):
    for _ in range(2):
        response = my_client.post(CLOSE, {"comment": "Не согласна с политикой", "confirm": "on"})
        assert response.status_code == 302
    (closure,) = AccountClosureRequest.objects.filter(customer=me)
    assert closure.status == AccountClosureRequest.Status.REQUESTED
    assert closure.comment == "Не согласна с политикой"
    assert closure.history.get().history_user == me.user


def test_request_needs_the_confirmation_box(my_client, me):
    response = my_client.post(CLOSE, {"comment": ""})
    assert response.status_code == 200
    assert "Обязательное поле." in response.content.decode()
    assert not AccountClosureRequest.objects.exists()


def test_page_shows_the_open_request_instead_of_the_form(my_client, me):
    services.account_closure_request(customer=me, actor=me.user)
    page = my_client.get(CLOSE).content.decode()
    assert "Ваш запрос обрабатывается" in page
    assert 'name="confirm"' not in page


def test_customer_gets_one_acknowledgement_through_the_outbox(me):
    me.preferred_language = "kk"
    me.save()
    services.account_closure_request(customer=me, actor=me.user)
    services.account_closure_request(customer=me, actor=me.user)
    (row,) = OutboundMessage.objects.filter(reason="accounts.closure_received")
    message_send(message_id=row.pk)
    (email,) = mail.outbox
    assert email.to == [me.email]
    assert "жабу" in email.subject  # Kazakh, the customer's language


def test_database_refuses_a_second_open_request(me):
    AccountClosureRequest.objects.create(customer=me)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountClosureRequest.objects.create(customer=me)


def test_staff_closing_the_account_deactivates_sign_in_and_allows_a_new_request(me, officer):
    closure, _ = services.account_closure_request(customer=me, actor=me.user)
    services.account_closure_decide(
        closure_request=closure, actor=officer, status=AccountClosureRequest.Status.DONE
    )
    closure.refresh_from_db()
    me.user.refresh_from_db()
    assert closure.status == AccountClosureRequest.Status.DONE
    assert closure.decided_by == officer and closure.decided_at is not None
    assert not me.user.is_active
    again, created = services.account_closure_request(customer=me, actor=None)
    assert created and again.pk != closure.pk


def test_refusal_needs_a_reason_and_changes_nothing_without_one(me, officer):
    closure, _ = services.account_closure_request(customer=me, actor=me.user)
    with pytest.raises(DomainError):
        services.account_closure_decide(
            closure_request=closure, actor=officer, status=AccountClosureRequest.Status.REFUSED
        )
    closure.refresh_from_db()
    assert closure.is_open


def test_a_decided_request_cannot_be_decided_again(me, officer):
    closure, _ = services.account_closure_request(customer=me, actor=me.user)
    services.account_closure_decide(
        closure_request=closure,
        actor=officer,
        status=AccountClosureRequest.Status.REFUSED,
        note="Заказ HS-1 ещё в доставке",
    )
    with pytest.raises(DomainError):
        services.account_closure_decide(
            closure_request=closure, actor=officer, status=AccountClosureRequest.Status.DONE
        )


def test_staff_decide_in_the_admin(client, me, officer):
    closure, _ = services.account_closure_request(customer=me, actor=me.user)
    client.force_login(officer)
    listing = client.get(reverse("admin:accounts_accountclosurerequest_changelist"))
    assert listing.status_code == 200
    assert str(me) in listing.content.decode()
    url = reverse("admin:accounts_accountclosurerequest_change", args=[closure.pk])
    response = client.post(url, {"status": "refused", "decision_note": ""})
    assert response.status_code == 200  # form shown again with the error
    closure.refresh_from_db()
    assert closure.is_open
    response = client.post(url, {"status": "done", "decision_note": ""})
    assert response.status_code == 302
    closure.refresh_from_db()
    assert closure.status == "done" and closure.decided_by == officer


def test_support_agent_sees_requests_but_cannot_delete(client, me, support_agent):
    closure, _ = services.account_closure_request(customer=me, actor=me.user)
    client.force_login(support_agent)
    assert client.get(reverse("admin:accounts_accountclosurerequest_changelist")).status_code == 200
    delete = reverse("admin:accounts_accountclosurerequest_delete", args=[closure.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AccountClosureRequest.objects.filter(pk=closure.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_make_one_request(me):
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    created = []

    def ask():
        try:
            barrier.wait(timeout=10)
            created.append(services.account_closure_request(customer=me, actor=me.user)[1])
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(created) == [False, True]
    assert AccountClosureRequest.objects.filter(customer=me).count() == 1
    assert OutboundMessage.objects.filter(reason="accounts.closure_received").count() == 1
