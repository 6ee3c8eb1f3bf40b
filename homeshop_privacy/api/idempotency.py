"""``Idempotency-Key`` on every POST (issue 12).

Scoped to the API key, the endpoint and the request's path, kept 24 hours. The same
key with the same canonical body returns the first reply and changes nothing; with
another body it is a 409. The request runs in one transaction with the reply's row: a
refused request (4xx) rolls back everything it did, its row included, so nothing is
half-written and it may be sent again.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .models import IdempotentReply
from .problems import problem_response

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255


def canonical_digest(request) -> str:
    """SHA-256 of the body as canonical JSON (sorted keys, no spaces); uploaded files count
    by their content's digest, so a multipart retry with a new boundary is the same body."""
    data = request.data
    plain, files = {}, {}
    if hasattr(data, "lists"):
        for name, values in data.lists():
            plain[name] = values if len(values) != 1 else values[0]
    else:
        plain = data
    for name, uploads in getattr(request, "FILES", {}).lists():
        digests = []
        for upload in uploads:
            sha = hashlib.sha256()
            for chunk in upload.chunks():
                sha.update(chunk)
            upload.seek(0)
            digests.append([upload.name, sha.hexdigest()])
        files[name] = digests
        plain.pop(name, None)
    canonical = json.dumps(
        {"data": plain, "files": files}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(handler):
    """Wrap a view's ``post``: one transaction, and the reply kept for an Idempotency-Key."""

    @functools.wraps(handler)
    def wrapped(view, request, *args, **kwargs):
        header = request.headers.get(HEADER)
        if header is not None and not (0 < len(header) <= MAX_KEY_LENGTH):
            return problem_response(
                400,
                detail=_("The Idempotency-Key header must be 1 to 255 characters."),
                request=request,
            )
        # The scope is the key, the view, the method AND the path: the same key on
        # /orders/A/status/ and /orders/B/status/ is two requests (review finding F2).
        path = hashlib.sha256(request.path.encode()).hexdigest()[:16]
        endpoint = f"{request.resolver_match.view_name[:70]}:{request.method}:{path}"
        with transaction.atomic():
            reply = None
            if header is not None:
                digest = canonical_digest(request)
                reply, replay = _claim(request.auth, endpoint, header, digest)
                if replay is not None:
                    return replay
            response = handler(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            if reply is not None:
                reply.status_code = response.status_code
                reply.body = response.data
                reply.save(update_fields=["status_code", "body"])
            return response

    return wrapped


def _claim(api_key, endpoint: str, header: str, digest: str):
    """Insert this request's row, or find the first request's. The unique constraint makes
    a concurrent twin wait on our insert until we commit, then replay our reply."""
    now = timezone.now()
    IdempotentReply.objects.filter(
        api_key=api_key, endpoint=endpoint, idempotency_key=header, created_at__lt=now - KEEP_FOR
    ).delete()
    try:
        with transaction.atomic():
            reply = IdempotentReply.objects.create(
                api_key=api_key,
                endpoint=endpoint,
                idempotency_key=header,
                body_digest=digest,
                status_code=0,
                created_at=now,
            )
            return reply, None
    except IntegrityError:
        first = IdempotentReply.objects.get(
            api_key=api_key, endpoint=endpoint, idempotency_key=header
        )
    if first.body_digest != digest:
        return None, problem_response(
            409,
            detail=_(
                "This Idempotency-Key was already used with another body; use a new key "
                "for a new request."
            ),
        )
    response = Response(first.body, status=first.status_code)
    response["Idempotent-Replayed"] = "true"
    return None, response


def idempotent_replies_purge() -> int:
    """Delete the replies older than 24 hours (beat, hourly)."""
    deleted, _ = IdempotentReply.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted
