"""A version page with an id that is not a number answers 404, on every tracked admin
(attack finding: ``/admin/<app>/<model>/<id>/history/abc/`` raised ValueError, a 500)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from homeshop_privacy.admin_base import has_history
from tests.admin_samples import one_of_each
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_VERSION_IDS = ["abc", "1.5", "-1", "1e3", "١٢", "99999999999", "99999999999999999999999"]


def test_a_version_id_that_is_not_a_number_is_not_found_on_every_tracked_admin(client, officer):
    samples = one_of_each(actor=officer)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.raise_request_exception = False
    walked = []
    for model in admin.site._registry:
        if not has_history(model) or model not in samples:
            continue
        info = model._meta.app_label, model._meta.model_name
        history = reverse("admin:{}_{}_history".format(*info), args=[samples[model].pk])
        for version_id in NOT_VERSION_IDS:
            response = client.get(f"{history}{version_id}/")
            assert response.status_code == 404, (model._meta.label, version_id)
        walked.append(model._meta.label)
    assert {"accounts.Customer", "accounts.User", "claims.Claim"} <= set(walked)
