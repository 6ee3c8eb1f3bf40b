"""A staff session with the password alone opens no claim file (issue 8 item 7, attack
finding: the customer-facing file views served every claim's files to it)."""

import pytest
from django.urls import reverse

from claims.models import ClaimAttachment
from homeshop_privacy.models import PersonalDataAccess
from tests.accounts.factories import PASSWORD
from tests.two_factor import otp_device_for

from .factories import approved_and_sent, register
from .test_claim_files import pdf

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _password_only(client, user):
    """Sign in at the admin with the password; the code is still to be entered."""
    otp_device_for(user)
    response = client.post(
        reverse("admin:login"),
        {"username": user.email, "password": PASSWORD, "next": ADMIN},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302
    assert reverse("admin:two_factor_verify") in response["Location"]
    assert "_auth_user_id" in client.session


def test_password_only_staff_cannot_download_a_claim_attachment(client, support_agent):
    claim = register(attachments=[pdf()])
    attachment = ClaimAttachment.objects.get(claim=claim)
    _password_only(client, support_agent)

    response = client.get(reverse("claims:attachment", args=[attachment.pk]))

    assert response.status_code == 404
    assert not PersonalDataAccess.objects.filter(user=support_agent).exists()


def test_password_only_staff_cannot_download_an_answer_letter(client, officer):
    claim = register(assignee=officer)
    answer = approved_and_sent(claim, author=officer, body="Ақша қайтарылды.")
    assert answer.pdf
    _password_only(client, officer)

    response = client.get(reverse("claims:answer_pdf", args=[answer.pk]))

    assert response.status_code == 404
    assert not PersonalDataAccess.objects.filter(user=officer).exists()


def test_staff_with_both_factors_still_download_claim_files(client, officer):
    claim = register(attachments=[pdf()], assignee=officer)
    attachment = ClaimAttachment.objects.get(claim=claim)
    answer = approved_and_sent(claim, author=officer, body="Ақша қайтарылды.")
    client.force_login(officer)

    assert client.get(reverse("claims:attachment", args=[attachment.pk])).status_code == 200
    assert client.get(reverse("claims:answer_pdf", args=[answer.pk])).status_code == 200
    assert (
        PersonalDataAccess.objects.filter(
            user=officer, action=PersonalDataAccess.Action.EXPORT
        ).count()
        == 2
    )


def test_with_the_setting_off_the_password_alone_is_enough(client, officer, settings):
    settings.STAFF_OTP_REQUIRED = False
    claim = register(attachments=[pdf()])
    attachment = ClaimAttachment.objects.get(claim=claim)
    client.force_login(officer, otp=False)

    assert client.get(reverse("claims:attachment", args=[attachment.pk])).status_code == 200
