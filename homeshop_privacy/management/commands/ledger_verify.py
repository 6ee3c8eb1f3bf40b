"""Recompute every hash chain of the legal records and compare with the published heads.

Exit status 0 when every chain verifies and the heads at the last publication (and at
``--digest``, a digest read from the officers' email) match; 1 otherwise, with the first
broken row of each broken chain named. See ``homeshop_privacy.ledger`` for the design.
"""

from django.core.management.base import BaseCommand, CommandError

from homeshop_privacy.ledger import ledger_verify
from homeshop_privacy.models import LedgerPublication


class Command(BaseCommand):
    help = "Verify the hash chains of the legal records and the published heads."

    def add_arguments(self, parser):
        parser.add_argument(
            "--digest",
            action="append",
            default=[],
            help="a published digest (from the officers' email) to check against; repeatable",
        )
        parser.add_argument(
            "--all-publications", action="store_true", help="check every stored publication"
        )

    def handle(self, *args, digest, all_publications, **options):
        publications = None
        if all_publications or digest:
            publications = list(LedgerPublication.objects.order_by("id"))
            if digest:
                known = {p.digest for p in publications}
                missing = [d for d in digest if d not in known]
                if missing:
                    raise CommandError(
                        "No stored publication has the digest "
                        + ", ".join(missing)
                        + ": the publications table was rewritten or the digest is wrong."
                    )
                if not all_publications:
                    publications = [p for p in publications if p.digest in digest]
        result = ledger_verify(publications=publications)
        for broken in result.breaks:
            self.stderr.write(f"BROKEN {broken}")
        for pk, (published, recomputed) in result.publications.items():
            if published == recomputed:
                self.stdout.write(f"publication {pk}: heads match {published}")
            else:
                self.stderr.write(
                    f"BROKEN publication {pk}: published {published}, recomputed {recomputed}"
                    " (rows up to its positions were rewritten)"
                )
        self.stdout.write(f"{result.rows} rows in {result.chains} chains checked")
        if not result.ok:
            raise CommandError("the legal records do not verify", returncode=1)
        self.stdout.write("all chains verify")
