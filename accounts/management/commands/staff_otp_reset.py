"""Reset a staff member's two-factor sign-in (issue 8 item 7).

    manage.py staff_otp_reset STAFF_EMAIL --by SUPERUSER_EMAIL

Removes the person's authenticator and backup codes; at their next sign-in the admin asks
them to enrol a new authenticator. Run by an operator for a superuser, who is named with
``--by`` and recorded, with the operating-system account that ran the command, in a
``SecurityEvent`` (1.5).
"""

import getpass

from django.core.management.base import BaseCommand, CommandError

from accounts import two_factor
from accounts.models import User, email_match


class Command(BaseCommand):
    help = "Remove a staff member's two-factor devices so that they enrol again (audited)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="the staff member's sign-in email")
        parser.add_argument(
            "--by",
            dest="by",
            required=True,
            help="email of the superuser who asked for the reset (recorded)",
        )

    def handle(self, *args, email, by, **options):
        user = email_match(User.objects.all(), email).first()
        if user is None or not user.is_staff:
            raise CommandError("No staff account has this email address.")
        actor = email_match(User.objects.all(), by).first()
        if actor is None or not (actor.is_active and actor.is_superuser):
            raise CommandError("--by must name an active superuser.")
        try:
            os_user = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
            os_user = "unknown"
        removed = two_factor.staff_otp_reset(
            user=user, actor=actor, channel=f"manage.py staff_otp_reset (os user {os_user})"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Two-factor sign-in reset for staff account #{user.pk}: {removed} device(s) "
                "removed. They enrol a new authenticator at their next sign-in."
            )
        )
