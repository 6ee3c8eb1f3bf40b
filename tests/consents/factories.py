"""Factories and helpers for the consents tests (invented data only)."""

from datetime import datetime

import factory

from consents import services
from consents.models import ConsentEvent, PolicyVersion


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    """A draft; publish it with ``services.policy_version_publish``."""

    class Meta:
        model = PolicyVersion

    label = factory.Sequence(lambda n: f"{n + 2}")
    text_ru = factory.Sequence(lambda n: f"Политика конфиденциальности, редакция {n + 2}.")
    text_kk = factory.Sequence(lambda n: f"Құпиялылық саясаты, {n + 2}-редакция.")
    text_en = factory.Sequence(lambda n: f"Privacy policy, revision {n + 2}.")
    change_summary = "Добавлен пункт о партнёрских банках."
    change_summary_kk = "Серіктес банктер туралы тармақ қосылды."
    change_summary_en = "Added a clause on partner banks."
    is_material = True


def grant(customer, purpose_code="4.2.6", at: datetime | None = None, **kw) -> ConsentEvent:
    kw.setdefault("channel", ConsentEvent.Channel.REGISTRATION)
    return services.consent_grant(
        customer=customer, purpose_code=purpose_code, occurred_at=at, **kw
    )


def withdraw(customer, purpose_code="4.2.6", at: datetime | None = None, **kw) -> ConsentEvent:
    kw.setdefault("channel", ConsentEvent.Channel.ACCOUNT_PAGE)
    return services.consent_withdraw(
        customer=customer, purpose_code=purpose_code, occurred_at=at, **kw
    )
