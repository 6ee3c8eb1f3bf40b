"""Issue 13: every label of an admin form starts with a capital letter, as Django shows a
model field's lower-case verbose_name ("data categories:" beside "Recipient:" was not)."""

import re

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

LABEL = re.compile(r"<label[^>]*>\s*([^<\s][^<]*)</label>")


def _add_pages():
    for model in admin.site._registry:
        opts = model._meta
        try:
            yield (
                f"{opts.app_label}.{opts.model_name}",
                reverse(f"admin:{opts.app_label}_{opts.model_name}_add"),
            )
        except NoReverseMatch:
            continue


def test_every_add_form_label_starts_with_a_capital(client):
    client.force_login(StaffFactory(is_superuser=True))
    lower = []
    checked = 0
    for label, url in _add_pages():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        if response.status_code != 200:
            continue
        checked += 1
        for text in LABEL.findall(response.content.decode()):
            first = text.strip()[:1]
            if first.isalpha() and not first.isupper():
                lower.append(f"{label}: {text.strip()}")
    assert checked >= 5
    assert lower == []


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_disclosure_form_labels_are_capitalised(client, officer, language):
    client.force_login(officer)
    page = client.get(
        reverse("admin:disclosures_disclosure_add"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    texts = [t.strip() for t in LABEL.findall(page)]
    assert texts
    assert all(not t[:1].isalpha() or t[:1].isupper() for t in texts), texts
