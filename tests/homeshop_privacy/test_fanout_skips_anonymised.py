"""4.1: large mailings (the policy change, a breach's notices) write nothing to a customer
already anonymised, even when an address is still on the row."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Customer
from consents import services as consents
from disclosures import services as disclosures
from homeshop_privacy.models import OutboundMessage
from tests.consents.factories import PolicyVersionFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _anonymised(customer):
    Customer.objects.filter(pk=customer.pk).update(anonymised_at=timezone.now())
    return customer


def test_the_policy_change_mailing_skips_anonymised_customers():
    told, gone = CustomerFactory(), _anonymised(CustomerFactory())
    version = PolicyVersionFactory(label="9")
    assert consents.policy_change_notices_write(version=version) is None
    recipients = set(OutboundMessage.objects.values_list("recipient", flat=True))
    assert told.email in recipients and gone.email not in recipients


def test_breach_notices_skip_anonymised_customers(officer):
    incident = disclosures.breach_record(
        actor=officer,
        reference="BR-A1",
        title="Courier list lost",
        description="-",
        discovered_at=timezone.now() - dt.timedelta(hours=3),
        categories=["contact"],
        notice_ru="Курьер утерял список.",
    )
    told, gone = CustomerFactory(), CustomerFactory()
    disclosures.breach_add_affected(incident=incident, customer_ids=[told.pk, gone.pk])
    _anonymised(gone)
    run = disclosures.breach_notices_write(incident=incident, time_budget=10**6)
    assert run.written == 1
    recipients = set(OutboundMessage.objects.values_list("recipient", flat=True))
    assert told.email in recipients and gone.email not in recipients
