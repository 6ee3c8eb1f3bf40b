"""The admin's "view on site" shortcut checks the record's view permission (1.5).

``/admin/r/<content type>/<pk>/`` redirected any staff member to a record's public page,
which names the record (a claim's reference): a staff account with no group learnt which
claims exist (found by the permission matrix). Now it answers only those who may view the
record in the admin.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.claims.factories import register
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    return register()


def _shortcut(obj, pk=None):
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, pk or obj.pk])


def test_staff_without_a_role_is_not_sent_to_a_claim(client, claim):
    client.force_login(StaffFactory())
    response = client.get(_shortcut(claim))
    assert response.status_code == 403
    assert claim.reference not in response.get("Location", "")


@pytest.mark.parametrize("role", ["support_agent", "auditor", "officer"])
def test_who_may_view_the_claim_is_sent_to_its_page(client, request, role, claim):
    client.force_login(request.getfixturevalue(role))
    response = client.get(_shortcut(claim))
    assert response.status_code == 302
    assert response["Location"].endswith(claim.get_absolute_url())


def test_an_unknown_record_is_not_found(client, officer, claim):
    client.force_login(officer)
    assert client.get(_shortcut(claim, pk=claim.pk + 1000)).status_code == 404
