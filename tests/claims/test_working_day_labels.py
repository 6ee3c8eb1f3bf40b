"""Issue 11: a request whose term the Law counts in working days says "working days"
wherever its term is shown (the admin's due date, the customer's pages, the
acknowledgement email), in Russian, Kazakh and English; never "calendar days"."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from claims.models import ClaimCategory
from homeshop_privacy import roles
from homeshop_privacy.models import OutboundMessage
from tests.factories import CustomerFactory, StaffFactory, UserFactory

from .factories import ClaimCategoryFactory, almaty, register

pytestmark = pytest.mark.django_db

WORKING = {"ru": "1 рабочий день", "kk": "1 жұмыс күні", "en": "1 working day"}
FIFTEEN = {"ru": "15 рабочих дней", "kk": "15 жұмыс күні", "en": "15 working days"}
OWN_TERMS = {
    "ru": "считаются в рабочих днях",
    "kk": "жұмыс күндерімен есептеледі",
    "en": "some counted in working days",
}
CALENDAR_TERM = {"ru": "1 календарный день", "kk": "1 күнтізбелік күн", "en": "1 calendar day"}


def _rectification(**kwargs):
    category = ClaimCategory.objects.get(code="dsr-rectification")
    # Friday: due on Monday, three calendar days after receipt.
    return register(category=category, received_at=almaty(2026, 11, 27, 16), **kwargs)


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_admin_due_date_names_the_term_in_working_days(client, language):
    officer = StaffFactory(role=roles.COMPLIANCE_OFFICER, language=language)
    claim = _rectification()
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert WORKING[language] in page
    assert CALENDAR_TERM[language] not in page
    with translation.override(language):
        assert claim.term_label == WORKING[language]


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_customer_pages_name_the_term_in_working_days(client, language):
    user = UserFactory(language=language)
    customer = CustomerFactory(user=user, email=user.email, preferred_language=language)
    claim = _rectification(customer=customer, actor=user)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    detail = client.get(claim.get_absolute_url()).content.decode()
    mine = client.get(reverse("claims:mine")).content.decode()
    new = client.get(reverse("claims:new")).content.decode()
    for page in (detail, mine, new):
        assert WORKING[language] in page
        assert CALENDAR_TERM[language] not in page
    # The list names each kind of request with its own term; 6.2's 30 days stay true.
    assert FIFTEEN[language] in mine
    assert OWN_TERMS[language] in mine
    assert "30" in mine


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_acknowledgement_names_the_term_in_working_days(language):
    _rectification(claimant_language=language)
    ack = OutboundMessage.objects.get(reason="claims.acknowledgement")
    assert ack.language == language
    assert WORKING[language] in ack.body_text
    assert CALENDAR_TERM[language] not in ack.body_text


def test_a_calendar_day_category_still_says_calendar_days():
    claim = register(category=ClaimCategoryFactory(term_days=10))
    with translation.override("en"):
        assert claim.term_label == "10 calendar days"
        assert claim.category.term_label == "10 calendar days"
