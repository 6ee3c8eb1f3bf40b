"""Record a courier manifest (5.4.2) from a CSV file: one disclosure, one line per order.

    manage.py import_manifest manifest.csv --recipient 000140002217 \\
        --disclosed-at "2026-11-25 09:30" --actor officer@homeshop.kz --reference MAN-1125

The CSV has a header row with ``order_number`` and, optionally, ``customer_email``
(checked against the order's owner). The whole file is checked first: if any line
fails, every failing line is listed (also written to ``--rejected`` as CSV when given),
nothing is recorded and the command exits with an error.
"""

import csv
from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import email_match
from disclosures import services
from disclosures.models import Disclosure, Recipient
from homeshop_privacy.errors import DomainError

PROGRESS_EVERY = 1_000


class Command(BaseCommand):
    help = "Record a courier manifest (CSV of order numbers) as one 5.4.2 disclosure."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--recipient", required=True, help="Recipient BIN or id.")
        parser.add_argument(
            "--disclosed-at",
            required=True,
            help="When the manifest was handed over, e.g. '2026-11-25 09:30' (Asia/Almaty).",
        )
        parser.add_argument("--actor", required=True, help="Email of the staff member recording.")
        parser.add_argument("--reference", default="", help="Manifest number.")
        parser.add_argument("--purpose", default="4.2.3", help="4.2 purpose code (delivery).")
        parser.add_argument(
            "--categories",
            default="identity,contact,address",
            help="Comma-separated data categories sent.",
        )
        parser.add_argument("--rejected", type=Path, help="Write the rejected lines here (CSV).")

    def handle(self, *args, path: Path, **options):
        recipient = self._recipient(options["recipient"])
        actor = self._actor(options["actor"])
        disclosed_at = self._moment(options["disclosed_at"])
        lines = self._read(path)
        self.stdout.write(f"Checking {len(lines)} lines against 5.4.2…")
        try:
            disclosure = services.disclosure_record(
                actor=actor,
                recipient=recipient,
                basis=Disclosure.Basis.ORDER_FULFILMENT,
                purpose_code=options["purpose"],
                categories=[c.strip() for c in options["categories"].split(",") if c.strip()],
                disclosed_at=disclosed_at,
                lines=lines,
                reference=options["reference"] or path.stem,
            )
        except services.LinesRefused as exc:
            for rejected in exc.rejected:
                self.stderr.write(f"line {rejected.line_no}: {rejected.message}")
            if options["rejected"]:
                with options["rejected"].open("w", newline="", encoding="utf-8") as out:
                    writer = csv.writer(out)
                    writer.writerow(["line", "reason"])
                    writer.writerows((r.line_no, r.message) for r in exc.rejected)
            raise CommandError(exc.messages[0]) from exc
        except DomainError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Recorded disclosure {disclosure.pk}: {disclosure.line_count} orders to "
                f"{recipient.legal_name}."
            )
        )

    def _read(self, path: Path) -> list[services.LineInput]:
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        lines = []
        # utf-8-sig: spreadsheet programs put a byte-order mark first.
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if "order_number" not in (reader.fieldnames or []):
                raise CommandError("The CSV needs an 'order_number' column.")
            # Line numbers are those of the file (the header is line 1).
            for line_no, row in enumerate(reader, start=2):
                lines.append(
                    services.LineInput(
                        order_number=(row.get("order_number") or "").strip(),
                        customer_email=(row.get("customer_email") or "").strip(),
                        line_no=line_no,
                    )
                )
                if len(lines) % PROGRESS_EVERY == 0:
                    self.stdout.write(f"read {len(lines)} lines")
        if not lines:
            raise CommandError("The manifest has no lines.")
        self.stdout.write(f"read {len(lines)} lines")
        return lines

    def _recipient(self, value: str) -> Recipient:
        value = "".join(value.split())
        lookup = {"bin": value} if len(value) == 12 else {"pk": value}
        try:
            return Recipient.objects.get(**lookup)
        except (Recipient.DoesNotExist, ValueError) as exc:
            raise CommandError(f"No recipient {value}.") from exc

    def _actor(self, email: str):
        user = email_match(get_user_model().objects.all(), email).filter(is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff user {email}.")
        return user

    def _moment(self, value: str) -> datetime:
        moment = parse_datetime(value)
        if moment is None:
            raise CommandError(f"Not a date and time: {value}")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
