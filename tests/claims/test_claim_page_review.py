"""User review of the claim pages in the admin (ru, kk, en): what an officer reads."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.two_factor import SignInClient

from .factories import register

pytestmark = pytest.mark.django_db


def _as(user, language):
    client = SignInClient()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize(
    "language, section, verb",
    [("ru", "Учёт", "Записать"), ("kk", "Есепке алу", "Жазу"), ("en", "Record", None)],
)
def test_the_claims_record_section_is_named_as_a_noun(officer, language, section, verb):
    """The section with the answer and closing dates and who registered the claim was
    titled with the disclosures' button verb ("Записать", "Жазу"): one msgid, two
    meanings, and Django's merged catalogues let the other app's win."""
    claim = register(actor=officer)
    page = _as(officer, language).get(reverse("admin:claims_claim_change", args=[claim.pk]))
    html = page.content.decode()
    assert f">{section}</h2>" in html
    if verb:
        assert f">{verb}</h2>" not in html
