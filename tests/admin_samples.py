"""One record of every model registered in the admin, for tests that walk the registry.

``one_of_each(actor=...)`` returns ``{model: instance}`` for every model in
``admin.site._registry``; a model registered later without a line here fails
``test_every_registered_admin_has_a_sample`` (tests/homeshop_privacy/test_auditor_pages.py)
until one is added, so a walk over the admin never silently skips a page.
"""

import datetime as dt

from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone

from accounts import services as account_services
from accounts import two_factor
from accounts.models import CustomerHold, SecurityEvent
from claims.models import Claim, ClaimCategory
from consents.models import ConsentEvent, PolicyVersion, Purpose
from disclosures import services as disclosure_services
from disclosures.models import BreachIncident, Disclosure, Recipient, WrittenPermission
from disclosures.services import LineInput
from homeshop_privacy import outbox, roles
from homeshop_privacy.access_log import access_record
from homeshop_privacy.api import webhooks
from homeshop_privacy.api.keys import api_key_create
from homeshop_privacy.history import save_tracked
from homeshop_privacy.models import (
    ApiKey,
    CalendarOverride,
    OutboundMessage,
    PersonalDataAccess,
    RetentionRule,
    RetentionRun,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)
from tests.accounts.factories import SignedUpCustomerFactory
from tests.claims.factories import ClaimCategoryFactory, register
from tests.consents.factories import PolicyVersionFactory, grant
from tests.disclosures.factories import RecipientFactory, WrittenPermissionFactory
from tests.factories import AddressFactory, OrderFactory, VisitEventFactory


def one_of_each(*, actor) -> dict[type[models.Model], models.Model]:
    """Invented records, one per registered admin, written through the services."""
    now = timezone.now()
    customer = SignedUpCustomerFactory()
    AddressFactory(customer=customer)
    order = OrderFactory(customer=customer)
    with transaction.atomic():
        closure, _created = account_services.account_closure_request(
            customer=customer, actor=customer.user
        )
        message, _created = outbox.message_enqueue(
            reason="test",
            key=f"accounts.customer:{customer.pk}:test",
            recipient=customer.email,
            subject="Тест",
            body_text="Тест",
        )
    # One recipient serves the register entry and the written permission.
    courier = RecipientFactory(kind=Recipient.Kind.COURIER)
    disclosure = disclosure_services.disclosure_record(
        actor=actor,
        recipient=courier,
        basis=Disclosure.Basis.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "address"],
        disclosed_at=now - dt.timedelta(hours=1),
        lines=[LineInput(order.number)],
    )
    breach = disclosure_services.breach_record(
        actor=actor,
        reference="BR-SAMPLE-1",
        title="Lost courier manifest",
        description="A printed manifest was lost.",
        discovered_at=now - dt.timedelta(hours=2),
        categories=["identity", "contact"],
        notice_ru="Курьер утерял бумажный список доставок с вашими данными.",
    )
    # 5.4.4: an incident is notified only once it has affected customers.
    disclosure_services.breach_add_affected_from_disclosure(
        incident=breach, disclosure=disclosure, actor=actor
    )
    category = ClaimCategoryFactory()
    # Issue 12: an endpoint first, so that the consent granted below is delivered to it.
    endpoint, _secret = webhooks.webhook_endpoint_save(
        endpoint=WebhookEndpoint(
            name="Sample CRM",
            url="https://crm.example.kz/hooks/privacy",
            events=list(WebhookEventType.values),
        ),
        actor=actor,
    )
    api_key, _raw = api_key_create(
        name="Sample shop back end", scopes=["orders:write"], actor=actor
    )
    two_factor.staff_otp_reset(user=actor, actor=actor, channel="sample")
    samples = {
        SecurityEvent: SecurityEvent.objects.filter(user=actor).latest("pk"),
        AccessAttempt: AccessAttempt.objects.create(
            username="locked.sample@example.kz",
            ip_address="192.0.2.10",
            user_agent="sample",
            failures_since_start=5,
            get_data="",
            post_data="",
            http_accept="*/*",
            path_info="/account/login/",
        ),
        Group: Group.objects.get(name=roles.SUPPORT_AGENT),
        OutboundMessage: message,
        CalendarOverride: CalendarOverride.objects.create(
            day=dt.date(2031, 1, 3), kind=CalendarOverride.Kind.DAY_OFF, note="decree"
        ),
        RetentionRule: RetentionRule.objects.get_or_create(
            code="sample_rule",
            defaults={
                "category": "orders",
                "event": "last_order",
                "keep_days": 1825,
                "action": "keep",
                "legal_reason": "Accounting documents are kept five years.",
            },
        )[0],
        RetentionRun: RetentionRun.objects.create(status="done", counts={}),
        PersonalDataAccess: access_record(
            user=actor, obj=customer, action=PersonalDataAccess.Action.VIEW
        ),
        type(customer.user): customer.user,
        type(customer): customer,
        type(order): order,
        type(VisitEventFactory()): VisitEventFactory(),
        type(closure): closure,
        CustomerHold: account_services.customer_hold_place(
            customer=customer, actor=actor, reason="Court request (sample)"
        ),
        PolicyVersion: PolicyVersionFactory(),
        # The catalogue is seeded by a migration, without a version in its history.
        Purpose: save_tracked(
            Purpose.objects.get(code="4.2.6"), actor=actor, reason="sample version"
        ),
        ConsentEvent: grant(customer),
        Recipient: courier,
        WrittenPermission: WrittenPermissionFactory(
            customer=customer, recipient=courier, recorded_by=actor
        ),
        Disclosure: disclosure,
        BreachIncident: breach,
        ClaimCategory: category,
        Claim: register(actor=actor, category=category, customer=customer, order=order),
    }
    samples[ApiKey] = api_key
    samples[WebhookEndpoint] = endpoint
    samples[WebhookDelivery] = WebhookDelivery.objects.filter(endpoint=endpoint).latest("pk")
    missing = set(admin.site._registry) - set(samples)
    assert not missing, f"add a sample of {sorted(m._meta.label for m in missing)}"
    return samples
