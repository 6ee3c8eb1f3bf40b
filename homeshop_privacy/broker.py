"""The embedded default's Celery broker: kombu's filesystem transport, with whole files.

Kombu's ``filesystem`` transport creates a message file in the queue folder and then
writes into it (https://github.com/celery/kombu/issues/1551). A worker polling the folder
in between takes the empty file: ``JSONDecodeError``, "Unrecoverable error", and the
worker stops, while the task written into the moved file is lost. Here a message is
written under a name the worker ignores and renamed into place, which is atomic.
``homeshop_privacy.celery`` makes ``filesystem://`` use this transport.
"""

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        path = os.path.join(self.data_folder_out, name)
        # "<name>.msg.part" does not end in ".<queue>.msg": the worker leaves it alone.
        partial = f"{path}.part"
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, path)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {path!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
