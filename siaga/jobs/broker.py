"""The embedded broker: kombu's file-system transport, made safe for a reader racing a writer.

kombu writes a message by creating the file in the queue folder and then writing into it; a worker
that lists the folder in between moves away an empty file and dies on it. Here a message is written
in full to a staging folder on the same file system and then renamed into the queue, which is
atomic: a reader sees a whole message or none.

Used through the ``siagafs://`` broker URL, registered in ``siaga.celery``.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from time import monotonic
from typing import Any

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        queue_folder = Path(self.data_folder_out)
        staging = queue_folder.parent / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        staged = staging / name
        with staged.open("wb") as handle:
            handle.write(str_to_bytes(dumps(payload)))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staged, queue_folder / name)


class Transport(filesystem.Transport):
    Channel = Channel
