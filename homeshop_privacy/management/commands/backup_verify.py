"""``manage.py backup_verify``: check a restored database (see homeshop_privacy.backups)."""

import json

from django.core.management.base import BaseCommand

from homeshop_privacy.backups import backup_verify


class Command(BaseCommand):
    help = (
        "Check the database in DATABASE_URL (e.g. a restored backup): row counts of every "
        "table of the project, and ledger_verify when installed. Prints the counts as JSON."
    )

    def handle(self, *args, **options):
        counts = backup_verify(stdout=self.stderr)
        self.stdout.write(json.dumps(counts, indent=2))
