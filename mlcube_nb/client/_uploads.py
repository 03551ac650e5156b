"""Client side of the upload flow (PLATFORM.md §3.1): prepare a local file, hash it, stream it.

A source becomes one file to send: a local file as it is; a plain local folder packed into a tar
archive; a pandas DataFrame written as Parquet. The file's SHA-256 is sent with the upload-slot
request, then the file is POSTed to the slot as ``multipart/form-data`` — streamed from disk, so a
large file is never held in memory. An upload bigger than ``PROGRESS_MIN_BYTES`` shows a ``tqdm.auto``
bar (a widget in Jupyter, text in a terminal).
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from mlcube_nb.enums import FileType, FolderType
from mlcube_nb.exceptions import SDKClientException, SDKConnectionException
from mlcube_nb.models import DataFrameDataSource, DataSource, LocalDataSource

__all__ = ["LocalFile", "UPLOAD_ERROR", "local_file", "sha256_file", "upload"]

UPLOAD_ERROR = "SKD_CLIENT_UPLOAD_DATA_ERROR"  # sic: v1's code for a failed upload POST
BLOCK = 1 << 20
PROGRESS_MIN_BYTES = 8 << 20  # uploads above this size show a progress bar


@dataclass(frozen=True)
class LocalFile:
    """A file ready to upload and what the upload slot must be told about it (its SHA-256 if known)."""

    path: str
    file_name: str
    file_type: FileType
    is_folder: bool
    folder_type: FolderType | None
    checksum: str | None = None

    def sha256(self) -> str:
        """The file's SHA-256, computed now unless it was computed while the file was written."""
        return self.checksum or sha256_file(self.path)


def sha256_file(path: str) -> str:
    """SHA-256 of the file's bytes, lowercase hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


class _HashingWriter:
    """A binary file that computes the SHA-256 of what is written to it (saves a second pass)."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.digest = hashlib.sha256()
        self.closed = False

    def write(self, data: Any) -> int:
        self.digest.update(data)
        return self._file.write(data)

    def flush(self) -> None:
        self._file.flush()

    def tell(self) -> int:
        return self._file.tell()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self._file.close()
        self.closed = True


def _dataframe_to_parquet(frame: Any, path: str) -> str:
    """Write a DataFrame as Parquet, fast; returns its SHA-256.

    No index; dictionary encoding only for text columns (ids, categories), where it pays; no
    compression, which costs more time than it saves on numbers (text is already small once encoded).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    textual = [f.name for f in table.schema
               if pa.types.is_string(f.type) or pa.types.is_large_string(f.type) or pa.types.is_dictionary(f.type)]
    sink = _HashingWriter(path)
    try:
        pq.write_table(table, sink, compression="none", use_dictionary=textual)
    finally:
        sink.close()
    return sink.digest.hexdigest()


def _pack_folder(folder: str, path: str) -> None:
    """A plain folder as an uncompressed tar archive (member names relative to the folder)."""
    with tarfile.open(path, "w") as archive:
        for root, _, files in os.walk(folder):
            for name in sorted(files):
                full = os.path.join(root, name)
                archive.add(full, arcname=os.path.relpath(full, folder))


@contextmanager
def local_file(source: DataSource) -> Iterator[LocalFile]:
    """The file to upload for a local or DataFrame source; temporary files are removed afterwards."""
    if isinstance(source, DataFrameDataSource):
        handle, path = tempfile.mkstemp(prefix="mlcube-", suffix=".parquet")
        os.close(handle)
        try:
            checksum = _dataframe_to_parquet(source.dataframe, path)
            yield LocalFile(path, source.file_name, FileType.PARQUET, False, None, checksum)
        finally:
            os.unlink(path)
        return
    if not isinstance(source, LocalDataSource):
        raise TypeError(f"{type(source).__name__} is not uploaded by the client")
    if not os.path.exists(source.file_path):
        raise SDKClientException("FILE_NOT_FOUND", f"{source.file_path} does not exist")
    if os.path.isdir(source.file_path):
        if not source.is_folder:
            raise SDKClientException("INVALID_PARAMETERS", f"{source.file_path} is a folder: set is_folder=True "
                                                           "and folder_type")
        handle, path = tempfile.mkstemp(prefix="mlcube-", suffix=".tar")
        os.close(handle)
        try:
            _pack_folder(source.file_path, path)
            name = os.path.basename(os.path.normpath(source.file_path)) + ".tar"
            yield LocalFile(path, name, source.file_type, True, FolderType.TAR)
        finally:
            os.unlink(path)
        return
    yield LocalFile(source.file_path, os.path.basename(source.file_path), source.file_type, source.is_folder,
                    source.folder_type)


class _MultipartFile:
    """A ``multipart/form-data`` body read piece by piece: fields, then the file from disk, then the end.

    File-like enough for requests: ``__len__`` and ``tell`` give the Content-Length, ``read`` the bytes.
    """

    def __init__(self, fields: dict[str, str], path: str, file_name: str) -> None:
        self.boundary = secrets.token_hex(16)
        head = b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items())
        safe_name = file_name.replace('"', "_").replace("\r", "_").replace("\n", "_")
        head += (f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n").encode()
        tail = f"\r\n--{self.boundary}--\r\n".encode()
        self._length = len(head) + os.path.getsize(path) + len(tail)
        self._file = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._pieces: list[Any] = [io.BytesIO(head), self._file, io.BytesIO(tail)]
        self._sent = 0
        self.on_read: Callable[[int], object] | None = None  # told the size of each piece read (progress)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self._length

    def tell(self) -> int:
        return self._sent

    def read(self, size: int = -1) -> bytes:
        size = BLOCK if size is None or size < 0 else max(size, BLOCK)
        while self._pieces:
            data = self._pieces[0].read(size)
            if data:
                self._sent += len(data)
                if self.on_read is not None:
                    self.on_read(len(data))
                return data
            self._pieces.pop(0)
        return b""

    def __iter__(self) -> Iterator[bytes]:
        while data := self.read(BLOCK):
            yield data

    def close(self) -> None:
        self._file.close()


def upload(session: requests.Session, url: str, fields: dict[str, str], file: LocalFile, *,
           connect_timeout: float, verify: bool = True) -> None:
    """POST the file to its upload slot; anything but ``204`` is the v1 upload error (with the server's reason)."""
    body = _MultipartFile(fields, file.path, file.file_name)
    bar = None
    if len(body) > PROGRESS_MIN_BYTES:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(body), desc=f"upload {file.file_name}", unit="B", unit_scale=True, leave=False)
        body.on_read = bar.update
    try:
        response = session.post(url, data=body, headers={"Content-Type": body.content_type},
                                timeout=(connect_timeout, None), verify=verify)
    except requests.RequestException as err:
        raise SDKConnectionException("CONNECTION_ERROR", f"Uploading {file.file_name} failed: {err}") from err
    finally:
        body.close()
        if bar is not None:
            bar.close()
    if response.status_code != 204:
        detail = response.text[:500].strip()
        try:
            detail = response.json().get("errorMessage", detail)
        except ValueError:
            pass
        raise SDKClientException(UPLOAD_ERROR, f"Error uploading data remotely: {detail}")
