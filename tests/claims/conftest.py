import pytest
from django.core import mail

from homeshop_privacy import outbox
from homeshop_privacy.models import OutboundMessage


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "public"


@pytest.fixture
def deliver():
    """Send every pending outbox row, as the worker would, and return what was sent."""

    def _deliver():
        for pk in OutboundMessage.objects.filter(status="pending").values_list("pk", flat=True):
            outbox.message_send(message_id=pk)
        return list(mail.outbox)

    return _deliver
