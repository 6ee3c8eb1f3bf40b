"""One request through the running settings, as CI's production-profile check (issue 8 item 9).

Sends two requests to ``/`` with Django's test client (no server, no database table):

- plain HTTP carrying a client-sent ``X-Forwarded-Proto: https``: unless
  ``DJANGO_BEHIND_PROXY`` says a proxy sets that header, the request must still be
  redirected to HTTPS;
- HTTPS: the response must carry the security headers.

Prints what it saw as JSON and fails when a header is missing or the redirect is skipped.
"""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

SECURITY_HEADERS = (
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


class Command(BaseCommand):
    help = "Send one request through the current settings and check its security headers."

    def handle(self, *args, **options):
        host = urlsplit(settings.SITE_URL).hostname or settings.ALLOWED_HOSTS[0]
        client = Client(HTTP_HOST=host)
        spoofed = client.get("/", headers={"X-Forwarded-Proto": "https"})
        secure = client.get("/", secure=True)
        report = {
            "http_with_spoofed_forwarded_proto": {
                "status": spoofed.status_code,
                "location": spoofed.headers.get("Location", ""),
            },
            "https": {
                "status": secure.status_code,
                "headers": {name: secure.headers.get(name, "") for name in SECURITY_HEADERS},
            },
        }
        self.stdout.write(json.dumps(report, indent=2))

        problems = [f"missing {name}" for name in SECURITY_HEADERS if not secure.headers.get(name)]
        csp = secure.headers.get("Content-Security-Policy", "")
        if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
            problems.append("Content-Security-Policy allows inline or eval'd code")
        trusts_proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None
        if settings.SECURE_SSL_REDIRECT and not trusts_proxy:
            if not spoofed.headers.get("Location", "").startswith("https://"):
                problems.append("a spoofed X-Forwarded-Proto skipped the HTTPS redirect")
        if problems:
            raise CommandError("; ".join(problems))
