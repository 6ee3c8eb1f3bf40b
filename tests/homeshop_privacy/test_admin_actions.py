"""Every admin action declares its permissions (issue 8 item 4).

An action without ``permissions=`` is offered to anyone who may see the list: an auditor
retried failed emails, an auditor and a support agent voided register entries, an
auditor started a breach notification. Voiding an entry and telling customers of a
breach are the officer's own permissions (``roles.OFFICER_ONLY``). Each refusal is
checked by what the database still holds.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse

from claims.models import Claim
from consents.models import PolicyVersion
from disclosures.models import BreachIncident, Disclosure, DisclosureVoid
from homeshop_privacy import roles
from homeshop_privacy.models import OutboundMessage
from tests.admin_samples import one_of_each

pytestmark = pytest.mark.django_db


def _run(client, model, action, pks, **extra):
    info = model._meta.app_label, model._meta.model_name
    return client.post(
        reverse("admin:{}_{}_changelist".format(*info)),
        {"action": action, "_selected_action": [str(pk) for pk in pks], **extra},
    )


@pytest.fixture
def samples(officer):
    return one_of_each(actor=officer)


@pytest.fixture
def failed_message(samples):
    message = samples[OutboundMessage]
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        message.status, message.attempts, message.last_error = "failed", 5, "SMTP 554"
        message.save()
    return message


def _message_state(message):
    return OutboundMessage.objects.filter(pk=message.pk).values_list("status", "attempts").get()


def test_every_action_of_every_admin_declares_its_permissions():
    undeclared = []
    for model, model_admin in admin.site._registry.items():
        for func, name, _description in model_admin._get_base_actions():
            if not getattr(func, "allowed_permissions", None):
                undeclared.append(f"{model._meta.label}.{name}")
    assert undeclared == []


def test_officer_only_permissions_are_held_by_the_officer_role_alone():
    for role in roles.ROLES:
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.select_related("content_type")
        }
        expected = set(roles.OFFICER_ONLY) if role == roles.COMPLIANCE_OFFICER else set()
        assert held & set(roles.OFFICER_ONLY) == expected, role


# --- retry failed outbox messages --------------------------------------------------------


@pytest.mark.parametrize("role", ["auditor", "support_agent"])
def test_auditor_and_support_cannot_retry_a_failed_email(client, request, role, failed_message):
    client.force_login(request.getfixturevalue(role))
    before = _message_state(failed_message)
    response = _run(client, OutboundMessage, "retry_failed", [failed_message.pk])
    assert response.status_code in (200, 302, 403)
    assert _message_state(failed_message) == before == ("failed", 5)


def test_officer_retries_a_failed_email(client, officer, failed_message):
    client.force_login(officer)
    _run(client, OutboundMessage, "retry_failed", [failed_message.pk])
    # Due again; the attempts already made stay on record (the outbox's retry rule).
    assert _message_state(failed_message) == ("retrying", 5)


@pytest.mark.parametrize("role", ["admin_user", "officer"])
def test_nobody_saves_the_read_only_outbox_page(client, request, role, failed_message):
    """The outbox page shows a message; saving it wrote a history row although nothing
    changed (found by the permission matrix). Only ``retry_failed`` acts on a message."""
    client.force_login(request.getfixturevalue(role))
    url = reverse("admin:homeshop_privacy_outboundmessage_change", args=[failed_message.pk])
    versions = failed_message.history.count()
    response = client.post(url, {"subject": "changed", "status": "pending", "_save": "Save"})
    assert response.status_code == 403
    assert failed_message.history.count() == versions
    assert _message_state(failed_message) == ("failed", 5)
    assert client.get(url).status_code == 200  # still readable


def test_superuser_retries_a_failed_email(client, admin_user, failed_message):
    client.force_login(admin_user)
    _run(client, OutboundMessage, "retry_failed", [failed_message.pk])
    assert _message_state(failed_message) == ("retrying", 5)


# --- void register entries ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["auditor", "support_agent"])
def test_auditor_and_support_cannot_void_a_register_entry(client, request, role, samples):
    entry = samples[Disclosure]
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("admin:disclosures_disclosure_changelist"))
    assert b'value="void_selected"' not in page.content
    _run(client, Disclosure, "void_selected", [entry.pk], void_reason="wrong courier")
    assert not DisclosureVoid.objects.filter(disclosure=entry).exists()


def test_officer_voids_a_register_entry(client, officer, samples):
    entry = samples[Disclosure]
    client.force_login(officer)
    _run(client, Disclosure, "void_selected", [entry.pk], void_reason="wrong courier")
    assert DisclosureVoid.objects.get(disclosure=entry).reason == "wrong courier"


# --- start a breach notification ---------------------------------------------------------


@pytest.mark.parametrize("role", ["auditor", "support_agent"])
def test_auditor_and_support_cannot_start_a_breach_notification(client, request, role, samples):
    incident = samples[BreachIncident]
    client.force_login(request.getfixturevalue(role))
    _run(client, BreachIncident, "start_notification", [incident.pk])
    incident.refresh_from_db()
    assert incident.notification_started_at is None


def test_a_staff_member_with_change_but_not_notify_cannot_start_it(client, samples):
    # The officer's own permission, not "may edit incidents".
    from tests.factories import StaffFactory

    incident = samples[BreachIncident]
    editor = StaffFactory()
    editor.user_permissions.add(
        *Group.objects.get(name=roles.COMPLIANCE_OFFICER)
        .permissions.filter(content_type__model="breachincident")
        .exclude(codename="notify_breach")
    )
    client.force_login(editor)
    _run(client, BreachIncident, "start_notification", [incident.pk])
    incident.refresh_from_db()
    assert incident.notification_started_at is None


def test_officer_starts_a_breach_notification(
    client, officer, samples, django_capture_on_commit_callbacks
):
    incident = samples[BreachIncident]
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=False):
        _run(client, BreachIncident, "start_notification", [incident.pk])
    incident.refresh_from_db()
    assert incident.notification_started_at is not None


# --- policy versions ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["auditor", "support_agent"])
def test_auditor_and_support_cannot_publish_a_policy_version(client, request, role, samples):
    draft = samples[PolicyVersion]
    client.force_login(request.getfixturevalue(role))
    _run(client, PolicyVersion, "publish", [draft.pk])
    _run(client, PolicyVersion, "notify_again", [draft.pk])
    draft.refresh_from_db()
    assert draft.published_at is None


# --- custom admin views ------------------------------------------------------------------


def test_auditor_cannot_run_a_claim_step(client, auditor, samples):
    claim = samples[Claim]
    status = claim.status
    client.force_login(auditor)
    response = client.post(reverse("admin:claims_claim_step", args=[claim.pk, "review"]))
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).status == status


def test_support_agent_cannot_export_the_register_or_download_a_scan(client, support_agent):
    client.force_login(support_agent)
    response = client.get(reverse("admin:disclosures_disclosure_export_csv"))
    assert response.status_code == 403
