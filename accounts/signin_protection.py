"""Brute-force limits on sign-in and on forgotten-password requests (issue 8 item 6).

Sign-in (staff on /admin/login/, customers on /account/login/) goes through django-axes:
``AxesStandaloneBackend`` refuses a locked account or address before the password is
checked, this module's handler counts the failures, and ``lockout_response`` shows the
lock in the visitor's language. Limits are settings (README, "Sign-in protection"):
``SIGN_IN_ACCOUNT_FAILURE_LIMIT`` per account and ``SIGN_IN_IP_FAILURE_LIMIT`` per IP
address, both counted over ``SIGN_IN_LOCKOUT_MINUTES``, which is also how long a lock lasts
after the last failure.

Forgotten-password requests are counted in ``PasswordResetRequest`` as keyed hashes,
so several web processes share the count and nothing readable is kept.
"""

import hashlib
import hmac
import logging
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from .models import PasswordResetRequest, SecurityEvent, User, email_match

logger = logging.getLogger(__name__)


def attempt_username(request, credentials) -> str | None:
    """The account a sign-in names, as one key whatever its case or spaces.

    Both sign-in forms post the email as ``username`` (Django's AuthenticationForm), and
    sign-in matches the email in any case, so ``A@x.kz`` and ``a@x.kz`` are one account.
    """
    credentials = credentials or {}
    value = credentials.get("username", credentials.get("email"))
    if value is None and request is not None:
        value = getattr(request, "POST", {}).get("username")
    value = (value or "").strip().lower()
    return value[:255] or None


class SignInAttemptHandler(AxesDatabaseHandler):
    """django-axes' database handler with a limit per account and another per IP address.

    django-axes compares one count with one limit. This count is the account's failures,
    raised to the account limit once the address reached its own (larger) limit, so either
    lock holds.
    """

    def get_failures(self, request, credentials=None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_account = _failures(recent.filter(username=username)) if username else 0
        by_ip = _failures(recent.filter(ip_address=request.axes_ip_address))
        if by_ip >= settings.SIGN_IN_IP_FAILURE_LIMIT:
            return max(by_account, settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT)
        return by_account


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def lockout_response(request, original_response=None, credentials=None):
    """The lock, in the visitor's language, with the look of the page they came from."""
    context = {"minutes": settings.SIGN_IN_LOCKOUT_MINUTES}
    if request.path.startswith(reverse("admin:index")):
        from django.contrib import admin

        context.update(admin.site.each_context(request), has_permission=False)
        template = "accounts/signin_locked_admin.html"
    else:
        template = "accounts/signin_locked.html"
    return render(request, template, context, status=429)


@transaction.atomic
def sign_in_lock_clear(*, attempts, actor: User) -> int:
    """Lift sign-in locks: delete the failed attempts, one audit row per account or address.

    The row names the account when the attempts named an existing one; an unknown email or
    a bare address is not kept (the row says how many attempts and failures went).
    """
    groups: dict[str, list[AccessAttempt]] = {}
    for attempt in attempts.select_for_update().order_by("pk"):
        key = f"user:{attempt.username}" if attempt.username else f"ip:{attempt.ip_address}"
        groups.setdefault(key, []).append(attempt)
    for group in groups.values():
        username = group[0].username
        user = email_match(User.objects.all(), username).first() if username else None
        failures = sum(attempt.failures_since_start for attempt in group)
        SecurityEvent.objects.create(
            kind=SecurityEvent.Kind.SIGN_IN_UNLOCKED,
            user=user,
            actor=actor,
            detail=f"{len(group)} attempt rows, {failures} failures cleared in the admin",
        )
        AccessAttempt.objects.filter(pk__in=[attempt.pk for attempt in group]).delete()
        logger.info("sign-in lock lifted: %s attempt rows by user=%s", len(group), actor.pk)
    return len(groups)


@transaction.atomic
def sign_in_failures_forget(*, user: User, reason: str) -> int:
    """The owner of the mailbox proved it (a completed password reset or first sign-in):
    the account's failed sign-ins go, with an audit row (user review, finding 3).

    Only the attempts that named this account: a lock on an IP address stays, since the
    failures from it may have aimed at other accounts. Returns how many rows went.
    """
    from axes.utils import reset

    username = attempt_username(None, {"username": user.email})
    removed = reset(username=username) if username else 0
    if removed:
        SecurityEvent.objects.create(
            kind=SecurityEvent.Kind.SIGN_IN_UNLOCKED, user=user, actor=user, detail=reason
        )
        logger.info("sign-in failures cleared: %s attempt rows, user=%s", removed, user.pk)
    return removed


# Forgotten-password requests ---------------------------------------------------------------


def _digest(kind: str, value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def client_ip(request) -> str:
    """The address django-axes counts too (REMOTE_ADDR unless a proxy setting says more)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or ""


@transaction.atomic
def password_reset_request_allow(*, email: str, ip_address: str) -> bool:
    """``True`` (and counted) when a forgotten-password email may go to ``email`` now.

    At most ``PASSWORD_RESET_ADDRESS_LIMIT`` per address and ``PASSWORD_RESET_IP_LIMIT``
    per IP address within ``PASSWORD_RESET_WINDOW_SECONDS``; only requests let through are
    counted, so the limit is on emails sent. Rows older than the window are removed on the
    way (the table never holds more than an hour).
    """
    now = timezone.now()
    since = now - timedelta(seconds=settings.PASSWORD_RESET_WINDOW_SECONDS)
    PasswordResetRequest.objects.filter(at__lt=since).delete()
    address = _digest("address", (email or "").strip().lower())
    ip = _digest("ip", ip_address)
    recent = PasswordResetRequest.objects.filter(at__gte=since)
    if (
        recent.filter(address_digest=address).count() >= settings.PASSWORD_RESET_ADDRESS_LIMIT
        or recent.filter(ip_digest=ip).count() >= settings.PASSWORD_RESET_IP_LIMIT
    ):
        logger.warning("password reset request throttled (address or IP over the hourly limit)")
        return False
    PasswordResetRequest.objects.create(at=now, address_digest=address, ip_digest=ip)
    return True
