"""Fan-out of a large mailing (7.2 policy notice, 5.4.4 breach notices) into small tasks.

A run reads the next ids after ``after_id`` (keyset: never OFFSET), hands each chunk to
its own task, and, if it read a full batch, enqueues itself again after the last id.
One run stays short whatever the number of customers; chunk tasks are idempotent.
"""

from collections.abc import Callable

from django.db.models import QuerySet

CHUNK_SIZE = 500
CHUNKS_PER_RUN = 20


def fan_out(
    ids: QuerySet,
    *,
    send_chunk: Callable[[list[int]], object],
    send_rest: Callable[[int], object],
    chunk_size: int = CHUNK_SIZE,
    chunks_per_run: int = CHUNKS_PER_RUN,
) -> int:
    """``ids``: an ordered ``values_list(..., flat=True)`` already past ``after_id``."""
    batch = list(ids[: chunk_size * chunks_per_run])
    chunks = [batch[i : i + chunk_size] for i in range(0, len(batch), chunk_size)]
    for chunk in chunks:
        send_chunk(chunk)
    if len(batch) == chunk_size * chunks_per_run:
        send_rest(batch[-1])
    return len(chunks)
