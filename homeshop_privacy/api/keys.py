"""API keys: made and revoked by officers, checked on every request (issue 12).

A key is ``hsk_<prefix>.<secret>``: the prefix (public, unique) finds the row, the whole
key's SHA-256 digest is compared in constant time. The key is random (256 bits), so a
fast digest is as strong as a slow one and keeps every request cheap.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.models import User
from homeshop_privacy.errors import DomainError
from homeshop_privacy.history import save_tracked

from .models import ApiKey, ApiScope

KEY_PREFIX = "hsk_"
#: Service users' addresses: a reserved domain (RFC 2606) no mailbox can have.
SERVICE_DOMAIN = "api-keys.invalid"
#: last_used_at is written at most once per this interval (not on every request).
LAST_USE_RESOLUTION = timedelta(minutes=1)


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _clean_scopes(scopes) -> list[str]:
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise DomainError({"scopes": [_("Unknown scope: %s") % ", ".join(unknown)]})
    return sorted(set(scopes))


@transaction.atomic
def api_key_create(
    *, name: str, scopes, actor: User | None, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Make a key and its service user; returns the row and the key, shown once."""
    name = (name or "").strip()
    if not name:
        raise DomainError({"name": [_("Give the key a name: the system that will use it.")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError({"expires_at": [_("The expiry must be in the future.")]})
    prefix = secrets.token_hex(4)
    raw_key = f"{KEY_PREFIX}{prefix}.{secrets.token_urlsafe(32)}"
    user = User(email=f"{prefix}@{SERVICE_DOMAIN}", full_name=f"API key: {name}"[:200])
    user.set_unusable_password()
    save_tracked(user, actor=actor, reason="service user of an API key")
    key = ApiKey(
        name=name,
        prefix=prefix,
        key_digest=_digest(raw_key),
        user=user,
        scopes=_clean_scopes(scopes),
        created_by=actor,
        expires_at=expires_at,
    )
    save_tracked(key, actor=actor, reason="API key made")
    return key, raw_key


@transaction.atomic
def api_key_update(*, key: ApiKey, actor: User | None) -> ApiKey:
    """Save a key's name, scopes or expiry as edited by an officer."""
    key.scopes = _clean_scopes(key.scopes)
    return save_tracked(key, actor=actor, reason="API key changed")


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User | None) -> ApiKey:
    """Stop a key at once; its service user stays, so its history keeps its name."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    save_tracked(key, actor=actor, reason="API key revoked")
    return key


def api_key_for(raw_key: str) -> ApiKey | None:
    """The usable key matching ``raw_key``, or None."""
    if not raw_key.startswith(KEY_PREFIX) or "." not in raw_key:
        return None
    prefix = raw_key[len(KEY_PREFIX) :].split(".", 1)[0]
    key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.key_digest, _digest(raw_key)):
        return None
    if not key.is_usable() or not key.user.is_active:
        return None
    return key


def _note_use(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USE_RESOLUTION:
        # Not history: ``last_used_at`` is excluded from the key's history, and a history
        # row per minute of traffic would drown the changes that matter.
        key.last_used_at = now
        key.skip_history_when_saving = True
        key.save(update_fields=["last_used_at"])
        del key.skip_history_when_saving


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer hsk_…``; the request then acts as the key's service user."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send one key after “Bearer”."))
        try:
            raw_key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Unknown, expired or revoked key.")) from None
        key = api_key_for(raw_key)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Unknown, expired or revoked key."))
        _note_use(key)
        return key.user, key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class HasScope(permissions.BasePermission):
    """A key passes when it holds the view's ``required_scope`` (a session never does)."""

    message = _("This key does not have the scope this endpoint needs.")

    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            raise exceptions.NotAuthenticated()
        return view.required_scope in key.scopes


class KeyRateThrottle(throttling.SimpleRateThrottle):
    """Requests per key (``API_THROTTLE_RATE``), counted in the shared cache."""

    scope = "api_key"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
