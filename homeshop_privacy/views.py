"""The public pages of the site itself: the landing page and the browser's icon.

Everything else a visitor sees belongs to an app (the policy to ``consents``, the account
pages to ``accounts``, claims to ``claims``); the landing page only points at them.
"""

from functools import cache
from pathlib import Path

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = Path(__file__).resolve().parent / "static" / "homeshop_privacy" / "favicon.ico"


@require_safe
def landing(request):
    """``/``: what this site is for, with the policy, the customer sign-in and how to
    file a pre-trial claim (6.1, 6.2). "View site" in the admin leads here."""
    return render(request, "homeshop_privacy/landing.html")


@cache
def _favicon_bytes() -> bytes:
    return FAVICON.read_bytes()


@require_safe
@cache_control(max_age=7 * 24 * 60 * 60, public=True)
def favicon(request):
    """``/favicon.ico``: browsers ask for it on every page, whatever the page links."""
    return HttpResponse(_favicon_bytes(), content_type="image/vnd.microsoft.icon")
