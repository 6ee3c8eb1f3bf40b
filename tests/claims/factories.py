"""Factories and helpers for the claims tests (invented data only)."""

from datetime import datetime

import factory

from claims import services
from claims.models import Claim, ClaimCategory
from homeshop_privacy.calendar import KZ_TZ


class ClaimCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")
    term_days = 30
    answer_template_ru = (
        "Уважаемый(ая) {claimant_name}!\n\nНа вашу претензию № {reference} от {received_on} "
        "по заказу {order_number} сообщаем: ..."
    )
    answer_template_kk = (
        "Құрметті {claimant_name}!\n\n{received_on} күнгі № {reference} шағымыңызға "
        "жауап: тауарыңыз қайтарылады, ақша қайтарылады."
    )
    answer_template_en = "Dear {claimant_name},\n\nre your claim No. {reference} of {received_on}."


def almaty(*args) -> datetime:
    return datetime(*args, tzinfo=KZ_TZ)


def register(*, actor=None, category=None, received_at=None, customer=None, **kwargs) -> Claim:
    """A claim through the service, as the admin or the customer page would register it."""
    data = {
        "channel": Claim.Channel.EMAIL,
        "subject": "Возврат денег за товар",
        "text": "Прошу вернуть деньги за неисправный товар.",
    }
    if customer is None:
        data.update(
            claimant_name=kwargs.pop("claimant_name", "Айгерим Сейткалиева"),
            claimant_email=kwargs.pop("claimant_email", "aigerim@example.kz"),
            claimant_language=kwargs.pop("claimant_language", "ru"),
        )
    data.update(kwargs)
    return services.claim_register(
        actor=actor,
        category=category or ClaimCategoryFactory(),
        received_at=received_at or almaty(2026, 11, 2, 10, 0),
        customer=customer,
        **data,
    )


def approved_and_sent(claim, *, author, approver=None, body=None, **send):
    """The four-eyes flow: ``author`` drafts, another compliance officer approves (a new one
    unless ``approver`` is given), ``author`` sends."""
    from homeshop_privacy import roles
    from tests.factories import StaffFactory

    answer = services.claim_answer_draft(claim=claim, actor=author, body=body)
    approver = approver or StaffFactory(role=roles.COMPLIANCE_OFFICER)
    services.claim_answer_approve(answer=answer, actor=approver)
    return services.claim_answer_send(answer=answer, actor=author, **send)
