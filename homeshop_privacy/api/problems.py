"""Errors as RFC 9457 problem details (``application/problem+json``), in the language of
the request's ``Accept-Language`` (the locale middleware has activated it)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

PROBLEM_TYPE = "https://homeshop.kz/problems/"
CONTENT_TYPE = "application/problem+json"


class ProblemJSONRenderer(JSONRenderer):
    media_type = CONTENT_TYPE


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: ("invalid-request", _("The request is invalid.")),
        401: ("not-authenticated", _("An API key is needed.")),
        403: ("forbidden", _("This key may not do that.")),
        404: ("not-found", _("Not found.")),
        405: ("method-not-allowed", _("Method not allowed.")),
        406: ("not-acceptable", _("Not acceptable.")),
        409: ("conflict", _("Conflict.")),
        413: ("too-large", _("The request is too large.")),
        415: ("unsupported-media-type", _("Unsupported media type.")),
        422: ("lines-refused", _("Some lines were refused; nothing was recorded.")),
        429: ("throttled", _("Too many requests.")),
    }


def _flatten(detail, prefix: str = "") -> list[dict]:
    """DRF's nested error detail as a list of ``{"field": "a.0.b", "message": …}``."""
    if isinstance(detail, dict):
        errors = []
        for name, value in detail.items():
            field = name if name != "non_field_errors" else ""
            errors += _flatten(value, f"{prefix}.{field}".strip(".") if field else prefix)
        return errors
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"field": prefix, "message": str(item)} for item in detail]
        errors = []
        for index, item in enumerate(detail):
            errors += _flatten(item, f"{prefix}.{index}".strip("."))
        return errors
    return [{"field": prefix, "message": str(detail)}]


def problem_response(
    status_code: int, *, detail: str = "", errors=None, headers=None, request=None
) -> Response:
    slug, title = _titles().get(status_code, ("error", _("The request failed.")))
    body = {"type": PROBLEM_TYPE + slug, "title": title, "status": status_code}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.path
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers)
    response.content_type = CONTENT_TYPE
    return response


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            field: [m for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    """DRF's handler, answering in problem details; a service's ``DomainError`` is a 400
    with the service's own message (the same one the admin shows)."""
    request = context.get("request")
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: Django's 500 handler (and its log) takes it

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = _("%(count)s field(s) refused; nothing was written.") % {"count": len(errors)}
        return problem_response(400, detail=detail, errors=errors, headers=headers, request=request)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return problem_response(
        exc.status_code or status.HTTP_400_BAD_REQUEST,
        detail=str(detail),
        headers=headers,
        request=request,
    )
