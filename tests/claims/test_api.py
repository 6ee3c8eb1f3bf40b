"""The shop's API for claims received by other channels (issue 12; 6.1)."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Claim
from tests.api_keys import client_for, key_with
from tests.claims.factories import ClaimCategoryFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    cache.clear()
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _body(**extra):
    return {
        "category": ClaimCategoryFactory(code="refund").code,
        "received_at": "2026-11-02T10:00:00+05:00",
        "channel": "post",
        "subject": "Возврат денег",
        "text": "Прошу вернуть деньги за неисправный товар.",
        **extra,
    }


def test_a_claim_is_registered_with_its_files_and_its_due_date():
    key, raw = key_with("claims:write")
    customer = CustomerFactory(shop_customer_id="SHOP-31")
    body = _body(
        shop_customer_id="SHOP-31",
        attachments=[SimpleUploadedFile("чек.pdf", PDF, content_type="application/pdf")],
    )
    response = client_for(raw).post("/api/v1/claims/", body, format="multipart")
    assert response.status_code == 201, response.content
    claim = Claim.objects.get(reference=response.json()["reference"])
    assert claim.customer == customer and claim.channel == "post"
    assert claim.attachments.count() == 1 == response.json()["attachments"]
    assert str(claim.due_on) == response.json()["due_on"]
    assert claim.created_by == key.user
    assert claim.history.latest().history_user == key.user


def test_a_file_that_is_not_what_it_claims_refuses_the_claim():
    _key, raw = key_with("claims:write")
    body = _body(
        claimant_name="Ольга Ким",
        claimant_email="olga.kim@example.kz",
        attachments=[SimpleUploadedFile("чек.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")],
    )
    response = client_for(raw).post("/api/v1/claims/", body, format="multipart")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "attachments"
    assert not Claim.objects.exists()


def test_the_web_channel_is_not_offered():
    _key, raw = key_with("claims:write")
    body = _body(channel="web", claimant_name="Ольга", claimant_email="olga@example.kz")
    response = client_for(raw).post("/api/v1/claims/", body, format="multipart")
    assert response.status_code == 400
    assert not Claim.objects.exists()
