"""Signing staff in for tests with two-factor sign-in ON (issue 8 item 7).

``STAFF_OTP_REQUIRED`` stays on in the suite. The ``client`` fixture (tests/conftest.py) is
a ``SignInClient``: its ``force_login(user)`` also verifies a second factor for a staff
user, as a real sign-in would after the code; ``force_login(user, otp=False)`` leaves the
session at "password only". ``staff_login(client, user)`` does the same for any client.
"""

from django.http import HttpRequest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import staff_session_refresh

TEST_DEVICE_NAME = "test authenticator"


def otp_device_for(user) -> TOTPDevice:
    """A confirmed authenticator of ``user`` (the one tests use)."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name=TEST_DEVICE_NAME, defaults={"confirmed": True}
    )
    return device


def otp_verify_session(client: Client, user) -> TOTPDevice:
    """Mark the client's session as verified by ``user``'s authenticator (django_otp.login).

    It also starts the staff idle time, as the sign-in request does in a browser.
    """
    device = otp_device_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    staff_session_refresh(session, force=True)
    session.save()
    return device


def staff_login(client: Client, user, *, otp: bool = True) -> Client:
    """Sign ``user`` in; a staff user also passes the second factor unless ``otp=False``."""
    Client.force_login(client, user)
    if otp and user.is_staff:
        otp_verify_session(client, user)
    return client


class SignInClient(Client):
    """The test client of this suite: staff sign in with both factors by default."""

    def force_login(self, user, backend=None, *, otp: bool = True):
        super().force_login(user, backend)
        if otp and user.is_staff:
            otp_verify_session(self, user)

    def login(self, **credentials):
        # django-axes needs the request that signs in (its address is counted).
        if "request" not in credentials:
            request = HttpRequest()
            request.META["REMOTE_ADDR"] = "127.0.0.1"
            credentials["request"] = request
        return super().login(**credentials)
