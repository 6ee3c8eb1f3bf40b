"""The auditor reads every admin page it may see without a server error (issue 8 item 5).

Walks ``admin.site._registry``: the list, one record's page, its history and, where the
model keeps history, one version of it. A page the auditor may not see answers 403,
never 500 (the test client re-raises a server error, which fails the test as well).
"""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import SecurityEvent, VisitEvent
from claims.models import Claim
from consents.models import ConsentEvent
from disclosures.models import Disclosure
from homeshop_privacy.models import PersonalDataAccess, RetentionRun, WebhookDelivery
from tests.admin_samples import one_of_each

pytestmark = pytest.mark.django_db

# What the auditor role (read-only, history included) may not open at all: staff groups
# are managed by superusers only.
AUDITOR_REFUSED = {Group}
WITHOUT_VERSIONS = {
    Group,
    ConsentEvent,
    Disclosure,
    PersonalDataAccess,
    VisitEvent,
    SecurityEvent,
    AccessAttempt,
    RetentionRun,
    WebhookDelivery,
}


def has_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def _pages(model, obj):
    info = model._meta.app_label, model._meta.model_name
    pages = {
        "changelist": reverse("admin:{}_{}_changelist".format(*info)),
        "change": reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
        "history": reverse("admin:{}_{}_history".format(*info), args=[obj.pk]),
    }
    if has_history(model):
        version = model.history.filter(**{model._meta.pk.attname: obj.pk}).latest("history_date")
        pages["history version"] = reverse(
            "admin:{}_{}_simple_history".format(*info), args=[obj.pk, version.history_id]
        )
    return pages


def test_every_registered_admin_has_a_sample(officer):
    assert set(one_of_each(actor=officer)) == set(admin.site._registry)


def test_auditor_opens_every_admin_page_without_a_server_error(client, auditor, officer):
    samples = one_of_each(actor=officer)
    client.force_login(auditor)
    outcomes = {}
    for model, obj in samples.items():
        for kind, url in _pages(model, obj).items():
            outcomes[f"{model._meta.label} {kind}"] = client.get(url).status_code
    expected = {
        name: 403 if any(name.startswith(m._meta.label + " ") for m in AUDITOR_REFUSED) else 200
        for name in outcomes
    }
    assert outcomes == expected
    # Four pages per model, three where the model keeps no versions (append-only records,
    # non-personal visit events and the sign-in records).
    assert len(outcomes) == 4 * len(samples) - len(WITHOUT_VERSIONS)


def test_auditor_opens_every_claim_page(client, auditor, officer):
    samples = one_of_each(actor=officer)
    client.force_login(auditor)
    claim = samples[Claim]
    for url in _pages(type(claim), claim).values():
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    # Read-only for the auditor: no input of the claim's own fields, no save button.
    assert b'name="internal_notes"' not in page.content
    assert b'name="_save"' not in page.content
    assert claim.reference.encode() in page.content


def test_consent_event_history_is_the_plain_admin_log(client, officer):
    samples = one_of_each(actor=officer)
    event = samples[ConsentEvent]
    client.force_login(officer)
    response = client.get(reverse("admin:consents_consentevent_history", args=[event.pk]))
    assert response.status_code == 200
    # The ledger keeps no versions (its rows never change): no version page exists.
    response = client.get(f"/admin/consents/consentevent/{event.pk}/history/1/")
    assert response.status_code == 404
