"""Staged uploads in the storage root: streamed (and hashed) as they arrive, named by their upload slot.

Any server can finish an upload another one received: the slot is a database row and the bytes sit in
the shared storage root, in their task's (or KPI's) folder: ``tasks/<task>/uploads/<slot id>[.parquet]``.
A Parquet file the add_* request accepts as it is stays there as the batch's file, so on an object store
nothing is copied (a server-side copy of a million-row file cost as much as reading it back); anything
re-encoded is written anew and the staged file removed. Remote files an add_* request brings in to read
wait under ``staging/`` until that request ends. Nothing is staged under ``MLCUBE_HOME``.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Iterable
from typing import Any

from starlette.concurrency import run_in_threadpool

from mlcube_nb.enums import FileType
from mlcube_nb.server.db.base import new_id
from mlcube_nb.server.db.tables.data import UploadRow
from mlcube_nb.server.storage import STAGING, Storage

UPLOADS = "uploads"
"""The folder of a task (or KPI) where its uploads are staged, and accepted Parquet uploads stay."""


def staged_rel(slot: UploadRow) -> str:
    """Where the file of upload *slot* is staged (relative to the storage root)."""
    owner = f"tasks/{slot.task_id}" if slot.task_id else f"kpis/{slot.kpi_id}" if slot.kpi_id else STAGING
    parquet = slot.file_type == FileType.PARQUET.value and not slot.is_folder
    return f"{owner}/{UPLOADS}/{slot.id}" + (".parquet" if parquet else "")


def scratch_rel() -> str:
    """A staging name for a remote file an add_* request brings in to read (removed by that request)."""
    return f"{STAGING}/remote-{new_id()}"


class StagingWriter:
    """A staged file written (and hashed) by a thread of its own while the upload keeps arriving.

    A bounded queue sits in between: when the store is slower than the network, the upload waits for
    room (without blocking the event loop), so memory stays at a few megabytes whatever the file size
    (plus one multipart part on an object store).
    """

    QUEUE_CHUNKS = 64

    def __init__(self, storage: Storage, rel: str) -> None:
        self.storage = storage
        self.rel = rel
        self.handle = storage.open_writer(rel)
        self.digest = hashlib.sha256()
        self.size = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=self.QUEUE_CHUNKS)
        self._thread = threading.Thread(target=self._write_all, name="mlcube-upload", daemon=True)
        self._thread.start()

    def _write_all(self) -> None:
        while (data := self._queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining so the producer never blocks on a dead writer
            try:
                self.digest.update(data)
                self.handle.write(data)
                self.size += len(data)
            except BaseException as exc:  # noqa: BLE001 - reported by close()
                self.error = exc

    async def add(self, data: bytes) -> None:
        """Queue one chunk of the file (waits, off the event loop, while the queue is full)."""
        try:
            self._queue.put_nowait(data)
        except queue.Full:
            await run_in_threadpool(self._queue.put, data)

    async def close(self) -> None:
        """Wait for the writer to finish and publish the file; raise what it met."""
        await self.add(None)  # type: ignore[arg-type]
        await run_in_threadpool(self._thread.join)
        if self.error is not None:
            raise self.error
        await run_in_threadpool(self.handle.close)

    def discard(self) -> None:
        """Stop writing and remove whatever was staged (an unfinished multipart upload is aborted)."""
        if self._thread.is_alive():
            self.error = self.error or RuntimeError("discarded")
            self._queue.put(None)
            self._thread.join()
        abort: Any = getattr(self.handle, "discard", None)
        try:
            if self.handle.closed:
                pass
            elif not self.storage.is_local and callable(abort):
                abort()  # an object store's multipart upload is aborted, never completed
                self.handle.closed = True  # and the file object must not flush on garbage collection
            else:
                self.handle.close()
        finally:
            self.storage.delete([self.rel])


def sweep(storage: Storage, live_slots: set[str], older_than_s: float) -> list[str]:
    """Delete files under ``staging/`` of no live slot once older than *older_than_s* (any server may run this):
    remote files a crashed request brought in, and uploads staged there by earlier versions."""
    cutoff = time.time() - older_than_s
    gone = [rel for rel, modified in storage.listing(STAGING).items()
            if rel.split("/", 1)[-1] not in live_slots and (modified is None or modified < cutoff)]
    storage.delete(gone)
    return gone


def remove(storage: Storage, rels: Iterable[str | None]) -> None:
    """Delete staged files (missing ones are fine)."""
    storage.delete([rel for rel in rels if rel])
