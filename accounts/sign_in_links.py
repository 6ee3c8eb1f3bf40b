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
- ``accounts.sign_in_link`` (issue 13): signs a customer in without a password, for
  instance one the shop recorded who never chose one. Signed, valid
  ``SIGN_IN_LINK_MAX_AGE`` seconds, bound to the address and to the account's sign-in
  state (no account yet, or its last sign-in and password): signing in changes that
  state, so the link works once.
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
SIGN_IN_LINK = "accounts.sign_in_link"
SIGN_IN_LINK_SALT = "accounts.sign-in-link"


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


def _sign_in_state(customer: Customer) -> str:
    """What a sign-in changes: no account yet, or the account's last sign-in and password."""
    user = customer.user
    if user is None:
        return "new"
    material = f"{user.pk}:{user.last_login.isoformat() if user.last_login else ''}:"
    return salted_hmac(SIGN_IN_LINK_SALT, material + user.password).hexdigest()[:24]


def sign_in_link_allowed(customer: Customer) -> bool:
    """A customer may sign in by link unless their sign-in is closed or a staff account's,
    or (no sign-in yet) another sign-in account holds their address."""
    user = customer.user
    if user is None:
        return not email_match(User.objects.all(), customer.email).exists()
    return user.is_active and not user.is_staff and same_address(user.email, customer.email)


def sign_in_token_make(customer: Customer) -> str:
    return signing.dumps(
        {
            "c": customer.pk,
            "e": _address_digest(customer.email),
            "s": _sign_in_state(customer),
        },
        salt=SIGN_IN_LINK_SALT,
    )


def sign_in_link_customer(token: str, *, lock: bool = False) -> Customer | None:
    """The customer a sign-in link is for, or ``None``: tampered with, expired, made for
    another address, already used (the sign-in state moved on) or no longer allowed."""
    try:
        data = signing.loads(token, salt=SIGN_IN_LINK_SALT, max_age=settings.SIGN_IN_LINK_MAX_AGE)
        customer_id, digest, state = int(data["c"]), str(data["e"]), str(data["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    customers = Customer.objects.select_related("user")
    if lock:
        customers = customers.select_for_update(of=("self",))
    customer = customers.filter(pk=customer_id).first()
    if customer is None or not constant_time_compare(digest, _address_digest(customer.email)):
        return None
    if not constant_time_compare(state, _sign_in_state(customer)):
        return None
    return customer if sign_in_link_allowed(customer) else None


def sign_in_link_minutes() -> int:
    return max(1, settings.SIGN_IN_LINK_MAX_AGE // 60)


def sign_in_link_context(message) -> dict | None:
    """The sign-in link for the customer the row names, if it may still be sent."""
    customer = Customer.objects.select_related("user").filter(pk=message.link_object_id).first()
    if customer is None or not same_address(customer.email, message.recipient):
        return None
    if not sign_in_link_allowed(customer):
        return None
    path = reverse("accounts:sign_in_link", kwargs={"token": sign_in_token_make(customer)})
    return {
        "link": settings.SITE_URL + path,
        "site_url": settings.SITE_URL,
        "minutes": sign_in_link_minutes(),
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
    outbox.secret_link_register(
        kind=SIGN_IN_LINK,
        build=sign_in_link_context,
        url_name="accounts:sign_in_link",
        url_kwargs=("token",),
    )
    # issue 9 §5: the confirmation link of a new email address.
    outbox.secret_link_register(
        kind=services.EMAIL_CHANGE_LINK,
        build=services.email_change_confirm_context,
        url_name="accounts:email_confirm",
        url_kwargs=("token",),
    )
