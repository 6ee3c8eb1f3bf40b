"""Helpers for the API tests: a key with chosen scopes and a client that sends it."""

from rest_framework.test import APIClient

from homeshop_privacy.api.keys import api_key_create
from homeshop_privacy.models import ApiScope

ALL_SCOPES = tuple(ApiScope.values)


def key_with(*scopes, name: str = "Shop back end", actor=None):
    """A key (row, raw) holding ``scopes`` (all of them when none is named)."""
    return api_key_create(name=name, scopes=scopes or ALL_SCOPES, actor=actor)


def client_for(raw_key: str | None, *, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if raw_key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client
