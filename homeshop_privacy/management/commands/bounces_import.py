"""Record the bounces in delivery status notifications saved as files (a Maildir's ``new/``,
``.eml`` files an operator downloaded), for a bounce mailbox the project cannot read over
IMAP. Each file is one email; files that are not DSNs, or name no email of ours, are skipped."""

from pathlib import Path

from django.core.management.base import BaseCommand

from homeshop_privacy.bounces import bounce_record


class Command(BaseCommand):
    help = "Record bounces from delivery status notifications (RFC 3464) saved as files."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files, or folders of one email per file")

    def handle(self, *args, paths, **options):
        files: list[Path] = []
        for name in paths:
            path = Path(name)
            files.extend(
                sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
            )
        recorded = sum(bounce_record(raw=file.read_bytes()) for file in files)
        self.stdout.write(f"{len(files)} file(s) read, {recorded} bounce(s) recorded")
