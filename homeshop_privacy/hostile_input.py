"""Refuse requests carrying a NUL byte, before any view or query sees them.

PostgreSQL refuses NUL (0x00) in text, so a NUL that reaches a query ends as a server
error (issue 9 §5: the policy version URL, a claim URL, the consent choice form, admin
list filters). No legitimate address, search or form field holds one, so the request is
answered "400 Bad Request" here, once for every page, with a short page in the visitor's
language. Uploaded files are binary and are not looked at; only text fields are.
"""

import logging

from django.shortcuts import render

logger = logging.getLogger(__name__)

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(query_dict) -> bool:
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists()
    )


def request_has_nul(request) -> str | None:
    """Where the request carries a NUL (``path``, ``query`` or ``form``), else ``None``."""
    if NUL in request.path or NUL in request.path_info:
        return "path"
    if _has_nul(request.GET):
        return "query"
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.content_type in FORM_TYPES:
        if _has_nul(request.POST):
            return "form"
    return None


class NulByteMiddleware:
    """Answer 400 to a NUL byte in the path, the query string or a form field.

    Placed after ``LocaleMiddleware`` so that the page speaks the visitor's language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = request_has_nul(request)
        if where is not None:
            # The value itself is not logged: it is whatever the sender chose to send.
            logger.warning("request.refused reason=nul_byte where=%s", where)
            return bad_request_page(request)
        return self.get_response(request)


def bad_request_page(request, exception=None):
    """The project's 400 page (also ``handler400``)."""
    return render(request, "400.html", status=400)
