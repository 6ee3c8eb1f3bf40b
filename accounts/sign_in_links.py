"""The one-time links emailed to customers, made when the email is sent (issue 8 item 3).

The outbox row of such an email names the kind of link and the user or customer it is
for; the sending task calls the builder registered here (``AccountsConfig.ready``), so
the link exists only in the email itself, never in a row, a history row or the admin.

- ``accounts.password_reset``: Django's reset link for a customer who has a sign-in.
- ``accounts.email_change_confirm``: the confirmation link of a new email address, sent
  to that address (issue 9 §5); it works once, while the request is pending.
- ``accounts.first_sign_in``: for a customer the shop recorded without a sign-in
  (issue 8 item 6). No account exists until the link is used: it is signed, carries the
  time it was made (valid ``FIRST_SIGN_IN_LINK_MAX_AGE`` seconds) and a digest of the
  address it was sent to, and it works only while the customer has no sign-in, so its
  first use is its last.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .email_address import same_address
from .models import Customer, User, email_match

PASSWORD_RESET = "accounts.password_reset"
FIRST_SIGN_IN = "accounts.first_sign_in"
FIRST_SIGN_IN_SALT = "accounts.first-sign-in"


def password_reset_context(message) -> dict | None:
    """The reset link for the user the row names, if it may still be sent to them."""
    user = User.objects.filter(
        pk=message.link_object_id, is_active=True, customer__isnull=False
    ).first()
    if user is None or not same_address(user.email, message.recipient):
        return None  # closed, or the address changed since the request
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return {"link": settings.SITE_URL + path, "site_url": settings.SITE_URL}


def _address_digest(email: str) -> str:
    # The address itself would be readable in the signed (not encrypted) token.
    return salted_hmac(FIRST_SIGN_IN_SALT, email.strip().lower()).hexdigest()[:24]


def first_sign_in_token_make(customer: Customer) -> str:
    return signing.dumps(
        {"c": customer.pk, "e": _address_digest(customer.email)}, salt=FIRST_SIGN_IN_SALT
    )


def first_sign_in_customer(token: str) -> Customer | None:
    """The customer a first-sign-in link is for, or ``None`` if it cannot be used.

    Refused when tampered with, older than ``FIRST_SIGN_IN_LINK_MAX_AGE``, made for an
    address the customer no longer has, or when the customer already has a sign-in (the
    link was used) or another sign-in account holds the address.
    """
    try:
        data = signing.loads(
            token, salt=FIRST_SIGN_IN_SALT, max_age=settings.FIRST_SIGN_IN_LINK_MAX_AGE
        )
        customer_id, digest = int(data["c"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    customer = Customer.objects.filter(pk=customer_id, user__isnull=True).first()
    if customer is None or not constant_time_compare(digest, _address_digest(customer.email)):
        return None
    if email_match(User.objects.all(), customer.email).exists():
        return None
    return customer


def link_hours() -> int:
    """How long a first-sign-in link works, in whole hours, as the email says."""
    return max(1, settings.FIRST_SIGN_IN_LINK_MAX_AGE // 3600)


def first_sign_in_context(message) -> dict | None:
    """The first-sign-in link for the customer the row names, if still without a sign-in."""
    customer = Customer.objects.filter(pk=message.link_object_id, user__isnull=True).first()
    if customer is None or not same_address(customer.email, message.recipient):
        return None
    if email_match(User.objects.all(), customer.email).exists():
        return None
    path = reverse("accounts:first_sign_in", kwargs={"token": first_sign_in_token_make(customer)})
    return {
        "link": settings.SITE_URL + path,
        "site_url": settings.SITE_URL,
        "hours": link_hours(),
    }


def register() -> None:
    from homeshop_privacy import outbox

    from . import services

    outbox.secret_link_register(
        kind=PASSWORD_RESET,
        build=password_reset_context,
        url_name="accounts:password_reset_confirm",
        url_kwargs=("uidb64", "token"),
    )
    outbox.secret_link_register(
        kind=FIRST_SIGN_IN,
        build=first_sign_in_context,
        url_name="accounts:first_sign_in",
        url_kwargs=("token",),
    )
    # issue 9 §5: the confirmation link of a new email address.
    outbox.secret_link_register(
        kind=services.EMAIL_CHANGE_LINK,
        build=services.email_change_confirm_context,
        url_name="accounts:email_confirm",
        url_kwargs=("token",),
    )
