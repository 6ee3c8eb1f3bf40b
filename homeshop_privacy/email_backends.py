"""The embedded default's email backend: one file per email under ``var/mail/``.

Django's file backend appends every message of a connection to one file named by the
second and the backend object's ``id()``; ids are reused, so two emails sent in the
same second by one process (or by two forked worker processes) can land in one file.
Here each email is its own ``.eml`` file (a mail client opens it), written under a
temporary name and renamed, so a reader never sees half a message.
"""

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class FileEmailBackend(BaseEmailBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.EMAIL_FILE_PATH).resolve()

    def send_messages(self, email_messages):
        sent = 0
        try:
            self.file_path.mkdir(parents=True, exist_ok=True)
            for message in email_messages:
                name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
                partial = self.file_path / f".{name}.part"
                partial.write_bytes(message.message().as_bytes())
                os.replace(partial, self.file_path / name)
                sent += 1
        except OSError:
            if not self.fail_silently:
                raise
        return sent
