"""Load invented demo data into every app (idempotent; DEBUG only).

Each app that has demo data provides ``<app>/demo.py`` with ``seed_demo() -> str``
(a one-line summary); they run in dependency order in one transaction.
"""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, DEMO_STAFF

APPS_IN_ORDER = ("accounts", "consents", "disclosures", "claims")


class Command(BaseCommand):
    help = "Load invented demo data (idempotent: a second run changes no counts)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo loads invented data and a known password: DEBUG only.")
        with transaction.atomic():
            for app in APPS_IN_ORDER:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                summary = module.seed_demo()
                self.stdout.write(f"  {app}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Sign in at {settings.SITE_URL}/admin/ as {DEMO_STAFF[0][0]} "
            f"(password {DEMO_PASSWORD})"
        )
        self.stdout.write(
            "Role users, same password: "
            + ", ".join(f"{email} ({role})" for email, _, role in DEMO_STAFF[1:])
        )
        # Issue 12: the shop's API, its docs and where its keys are made.
        self.stdout.write(
            f"The shop's API: docs at {settings.SITE_URL}/api/v1/docs/ (schema "
            f"{settings.SITE_URL}/api/v1/schema/); make a key in the admin under API keys."
        )
        # Issue 8 item 7: say plainly whether staff need a second factor in this run.
        if settings.STAFF_OTP_REQUIRED:
            self.stdout.write(
                "Staff two-factor sign-in is ON: at the first sign-in, scan the QR code with "
                "an authenticator app and confirm one code."
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    "Staff two-factor sign-in is OFF for this demo (STAFF_OTP_REQUIRED=false); "
                    "it is on by default everywhere else."
                )
            )
