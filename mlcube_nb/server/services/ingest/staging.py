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
import os
import queue
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
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


def stays_in_place(rel: str) -> bool:
    """Whether staged file *rel* may stay where it is as a batch's Parquet file: an upload staged in its task's
    (or KPI's) folder by :func:`staged_rel` (not a remote file under ``staging/``, nor an older version's)."""
    return rel.endswith(".parquet") and rel.rsplit("/", 2)[-2:-1] == [UPLOADS] and \
        not rel.startswith(f"{STAGING}/")


class LocalCopies:
    """Copies of the uploads this server streamed into an object store, in the system's temp folder.

    An add_* request that reaches the server which received its upload reads the copy instead of
    downloading the file back from the bucket (a million-row batch is hundreds of megabytes). A copy
    goes when a request of this server takes it, or when this server's sweep finds its slot gone (used
    by another server, refused or expired); nothing is kept under ``MLCUBE_HOME``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: dict[str, tuple[str, float]] = {}  # full staged path -> (local copy, when kept)

    def keep(self, storage: Storage, rel: str, path: str) -> None:
        """Remember *path* as the local copy of the staged file *rel*."""
        with self._lock:
            self._paths[storage.full(rel)] = (path, time.time())

    def take(self, storage: Storage, rel: str) -> str | None:
        """The local copy of *rel*, now the caller's to delete; None when this server has none."""
        with self._lock:
            found = self._paths.pop(storage.full(rel), None)
        return None if found is None or not os.path.exists(found[0]) else found[0]

    def sweep(self, storage: Storage, live: set[str], older_than_s: float) -> int:
        """Delete copies whose staged file is no longer a live slot's (or that are older than a slot lives)."""
        names = {storage.full(rel) for rel in live}
        cutoff = time.time() - older_than_s
        with self._lock:
            gone = [k for k, (_, kept) in self._paths.items() if k.startswith(storage.full("")) and
                    (k not in names or kept < cutoff)]
            paths = [self._paths.pop(k)[0] for k in gone]
        for path in paths:
            Path(path).unlink(missing_ok=True)
        return len(paths)


LOCAL_COPIES = LocalCopies()
"""This process's copies of uploads it received into an object store."""


class StagingWriter:
    """A staged file written (and hashed) by a thread of its own while the upload keeps arriving.

    A bounded queue sits in between: when the disk is slower than the network, the upload waits for room
    (without blocking the event loop), so memory stays at a few megabytes whatever the file size. On an
    object store the bytes go first to a local copy (:class:`LocalCopies`, published by
    :meth:`keep_local_copy` once the upload is accepted) and a second thread streams that copy into the
    store as it grows: receiving never waits for the store's part uploads, which overlap it instead of
    following each other (a million-row upload into moto: measured in issue 15's note). Memory holds at
    most one multipart part more.
    """

    QUEUE_CHUNKS = 64
    READ_SIZE = 4 << 20
    """Bytes the uploader thread reads from the local copy at a time."""

    def __init__(self, storage: Storage, rel: str) -> None:
        self.storage = storage
        self.rel = rel
        self.handle = storage.open_writer(rel)
        self.local: str | None = None
        self._local_handle: Any = None
        self.digest = hashlib.sha256()
        self.size = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=self.QUEUE_CHUNKS)
        self._grown = threading.Condition()
        self._written_all = self._stopped = False
        self._uploaded = 0
        self._uploader: threading.Thread | None = None
        if not storage.is_local:
            descriptor, self.local = tempfile.mkstemp(prefix="mlcube-upload-")
            self._local_handle = os.fdopen(descriptor, "wb")
            self._uploader = threading.Thread(target=self._upload_all, args=(self.local,), name="mlcube-upload-s3",
                                              daemon=True)
            self._uploader.start()
        self._thread = threading.Thread(target=self._write_all, name="mlcube-upload", daemon=True)
        self._thread.start()

    def _write_all(self) -> None:
        """Hash and write each queued chunk: to the local copy (then wake the uploader), or to a local root."""
        target = self._local_handle if self._local_handle is not None else self.handle
        while (data := self._queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining so the producer never blocks on a dead writer
            try:
                self.digest.update(data)
                target.write(data)
                if self._uploader is not None:
                    target.flush()  # the uploader reads the copy through a handle of its own
                with self._grown:
                    self.size += len(data)
                    self._grown.notify()
            except BaseException as exc:  # noqa: BLE001 - reported by close()
                self.error = exc
        with self._grown:
            self._written_all = True
            self._grown.notify()

    def _upload_all(self, local: str) -> None:
        """Follow the local copy as it grows and stream it into the object store's file."""
        try:
            with open(local, "rb") as source:
                while True:
                    with self._grown:
                        while self._uploaded >= self.size and not self._written_all and not self._stopped:
                            self._grown.wait()
                        if self._stopped or (self._written_all and self._uploaded >= self.size):
                            return
                        available = self.size - self._uploaded
                    data = source.read(min(available, self.READ_SIZE))
                    self.handle.write(data)
                    self._uploaded += len(data)
        except BaseException as exc:  # noqa: BLE001 - reported by close()
            self.error = self.error or exc
            with self._grown:
                self._stopped = True

    async def add(self, data: bytes) -> None:
        """Queue one chunk of the file (waits, off the event loop, while the queue is full)."""
        if self._stopped and self.error is not None:
            raise self.error  # the object store refused: no point receiving the rest
        try:
            self._queue.put_nowait(data)
        except queue.Full:
            await run_in_threadpool(self._queue.put, data)

    async def close(self) -> None:
        """Wait for the writer (and the uploader) to finish and publish the file; raise what they met."""
        await self.add(None)  # type: ignore[arg-type]
        await run_in_threadpool(self._thread.join)
        if self._local_handle is not None:
            self._local_handle.close()
        if self._uploader is not None:
            await run_in_threadpool(self._uploader.join)
        if self.error is not None:
            raise self.error
        await run_in_threadpool(self.handle.close)

    def keep_local_copy(self) -> None:
        """The upload was accepted: let a request of this server read the local copy (if any)."""
        if self.local is not None:
            LOCAL_COPIES.keep(self.storage, self.rel, self.local)
            self.local = None

    def discard(self) -> None:
        """Stop writing and remove whatever was staged (an unfinished multipart upload is aborted)."""
        with self._grown:
            self._stopped = True
            self._grown.notify()
        if self._thread.is_alive():
            self.error = self.error or RuntimeError("discarded")
            self._queue.put(None)
            self._thread.join()
        if self._uploader is not None:
            self._uploader.join()
        if self._local_handle is not None:
            self._local_handle.close()
        if self.local is not None:
            Path(self.local).unlink(missing_ok=True)
            self.local = None
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
