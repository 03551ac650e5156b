"""Data batches in storage: atomic Parquet writes and moves, reads across batches by time range.

The root is ``Settings.resolved_storage_url``: a local folder (default ``MLCUBE_HOME/data``) or any
fsspec URL (``s3://bucket/prefix``, ``gs://``, ``az://``, ``memory://...``) opened with
``Settings.resolved_storage_options``. Paths handed around are *relative* to the root and are what the
``batch_files`` table records; a file nobody recorded is never read. Uploads wait under ``staging/``
(named by their upload slot) until an add_* request moves them into place, so any server can finish them.

Atomicity: on a local disk a file is written under a temporary name in its final folder and renamed
(``os.replace``), so readers see the whole file or nothing; object stores (S3, GCS, Azure) publish an
object only when its upload completes, so there the file is written in place.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import fsspec
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

if TYPE_CHECKING:
    import pyarrow.dataset as ds

PARQUET_OPTIONS: dict[str, Any] = {"compression": "snappy", "write_statistics": True}
TMP_MARK = ".tmp-"
STAGING = "staging"
"""Folder of the root where uploads wait for their add_* request (swept by the upload service, not :meth:`sweep`)."""
EXTRAS = {"gs": "gcs", "gcs": "gcs", "az": "abfs", "abfs": "abfs", "abfss": "abfs", "s3": "s3", "s3a": "s3"}
"""The package extra that brings each object store's fsspec filesystem (``gcsfs``, ``adlfs``, ``s3fs``)."""
WRITE_BLOCK = 16 << 20
"""Part size of streamed writes to an object store (fewer, larger multipart parts)."""
FOOTER_CACHE = 512
"""Parquet footers kept per storage root (oldest dropped first)."""


@functools.cache
def _parquet() -> ds.ParquetFileFormat:
    """Arrow's Parquet dataset format, imported on first read: ``pyarrow.dataset`` loads pandas, which a
    server (or a notebook logging in) need not pay for at start."""
    import pyarrow.dataset

    return pyarrow.dataset.ParquetFileFormat()


class Storage:
    """One storage root; every method takes paths relative to it."""

    def __init__(self, url: str, options: dict[str, Any] | None = None) -> None:
        self.url = url
        self.options = dict(options or {})
        try:
            self.fs, self.root = fsspec.core.url_to_fs(url, **self.options)
        except ImportError as exc:
            scheme = url.split("://", 1)[0]
            extra = EXTRAS.get(scheme, scheme)
            raise ValueError(f"MLCUBE_STORAGE_URL={url!r} needs the filesystem package of {scheme}://: "
                             f"pip install 'mlcube-nb[{extra}]' ({exc})") from exc
        self.root = self.root.rstrip("/")
        self.is_local = isinstance(self.fs, LocalFileSystem)
        if self.is_local:
            os.makedirs(self.root, exist_ok=True)
        self._arrow_fs = pafs.LocalFileSystem() if self.is_local else pafs.PyFileSystem(pafs.FSSpecHandler(self.fs))
        self._fragments: dict[str, ds.ParquetFileFragment] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Storage({self.url!r})"

    def full(self, rel: str) -> str:
        """The path of *rel* on the storage's filesystem."""
        return f"{self.root}/{rel}"

    def _tmp_name(self, full: str) -> str:
        folder, name = full.rsplit("/", 1)
        return f"{folder}/.{name}{TMP_MARK}{secrets.token_hex(4)}"

    def write_table(self, rel: str, table: pa.Table) -> None:
        """Write *table* as Parquet at *rel*, atomically; only the columns with a dictionary are encoded so."""
        full = self.full(rel)
        table = table.cast(common_schema([table.schema]).with_metadata(table.schema.metadata))
        options = dict(PARQUET_OPTIONS, use_dictionary=_dictionary_columns(table))
        if not self.is_local:
            self.fs.makedirs(full.rsplit("/", 1)[0], exist_ok=True)
            with self.fs.open(full, "wb") as handle:
                pq.write_table(table, handle, **options)
            return
        os.makedirs(os.path.dirname(full), exist_ok=True)
        tmp = self._tmp_name(full)
        try:
            pq.write_table(table, tmp, **options)
            os.replace(tmp, full)
        except BaseException:
            _unlink(tmp)
            raise

    def location(self, rel: str) -> str | tuple[Any, str]:
        """How file readers reach *rel*: a local path (memory-mapped reads), else ``(filesystem, path)``."""
        return self.full(rel) if self.is_local else (self.fs, self.full(rel))

    def fetch(self, rel: str) -> tuple[str, bool]:
        """A local path to read *rel* from, and whether it is a temporary copy the caller must delete.

        On a local root that is the file itself. From an object store the file is streamed to a
        temporary file (the system's temp folder, never ``MLCUBE_HOME``) so it can be memory-mapped:
        parsing a Parquet file over a remote file object holds about twice the table in memory.
        """
        if self.is_local:
            return self.full(rel), False
        handle, path = tempfile.mkstemp(prefix="mlcube-read-")
        os.close(handle)
        try:
            self.fs.get_file(self.full(rel), path)
        except BaseException:
            _unlink(path)
            raise
        return path, True

    def open_writer(self, rel: str) -> Any:
        """A binary file object that streams to *rel* (an object store uploads it in large parts)."""
        full = self.full(rel)
        if self.is_local:
            os.makedirs(os.path.dirname(full), exist_ok=True)
            return open(full, "wb")  # noqa: SIM115 - the caller closes it
        return self.fs.open(full, "wb", block_size=WRITE_BLOCK)

    def move(self, source: str, target: str) -> None:
        """Move a stored file to *target*: a rename on a local disk, a server-side copy and delete on a bucket."""
        if self.is_local:
            os.makedirs(os.path.dirname(self.full(target)), exist_ok=True)
            os.replace(self.full(source), self.full(target))
            return
        self.fs.mv(self.full(source), self.full(target))

    def copy_in(self, fs: Any, path: str, rel: str) -> None:
        """Copy a file of another filesystem (a remote source) to *rel*, streamed."""
        with fs.open(path, "rb") as reader, self.open_writer(rel) as writer:
            shutil.copyfileobj(reader, writer, WRITE_BLOCK)

    def put_file(self, rel: str, local_path: str, *, move: bool = False) -> None:
        """Store a local file at *rel*, atomically; with ``move`` the local file is consumed (renamed if it can be)."""
        full = self.full(rel)
        if not self.is_local:
            self.fs.makedirs(full.rsplit("/", 1)[0], exist_ok=True)
            self.fs.put_file(local_path, full)
            if move:
                _unlink(local_path)
            return
        os.makedirs(os.path.dirname(full), exist_ok=True)
        if move:
            try:
                os.replace(local_path, full)  # same filesystem: atomic and free
                return
            except OSError:
                pass  # another device: copy under a temporary name, then rename
        tmp = self._tmp_name(full)
        try:
            shutil.copyfile(local_path, tmp)
            os.replace(tmp, full)
        except BaseException:
            _unlink(tmp)
            raise
        if move:
            _unlink(local_path)

    def delete(self, rels: Iterable[str]) -> None:
        """Remove files (missing ones are fine): undoes writes of a request that did not commit."""
        for rel in rels:
            with self._lock:
                self._fragments.pop(rel, None)
            try:
                self.fs.rm_file(self.full(rel))
            except FileNotFoundError:
                pass

    def probe(self) -> None:
        """Raise unless the root is reachable: the folder on a local disk, the bucket (or container) otherwise.

        An empty prefix of a bucket does not exist until the first write, so the bucket is what is listed.
        """
        if self.is_local:
            if not os.path.isdir(self.root):
                raise FileNotFoundError(self.root)
            return
        self.fs.ls(self.root.split("/", 1)[0], detail=False)

    def exists(self, rel: str) -> bool:
        """Whether *rel* is stored."""
        return bool(self.fs.exists(self.full(rel)))

    def listing(self, folder: str = "") -> dict[str, float | None]:
        """Files under *folder* (the whole root by default) by relative path, with their modification time
        (None when the store keeps none)."""
        try:
            found = self.fs.find(self.full(folder) if folder else self.root, detail=True)
        except FileNotFoundError:
            return {}
        return {full[len(self.root) + 1:]: _mtime(info) for full, info in found.items()
                if full.startswith(self.root + "/")}

    def open(self, rel: str, mode: str = "rb") -> Any:
        """A file object for *rel*."""
        return self.fs.open(self.full(rel), mode)

    def read(self, rels: Sequence[str], columns: Sequence[str] | None = None,
             time_column: str | None = None, intervals: Sequence[Sequence[float]] | None = None) -> pa.Table:
        """Read files as one table, optionally only the rows whose *time_column* falls in any of *intervals*.

        Files are unified by column name (a column missing from a file reads as null); the interval
        filter is pushed down to Parquet row-group statistics, so batches outside the range cost little.
        """
        if not rels:
            return pa.table({name: pa.array([], pa.null()) for name in columns or []})
        fragments = [self._fragment(r) for r in rels]
        schema = common_schema([f.physical_schema for f in fragments])
        import pyarrow.dataset as ds

        dataset = ds.FileSystemDataset(fragments, schema=schema, format=_parquet())
        expression = None
        if time_column is not None and intervals:
            field = ds.field(time_column)
            for low, high in intervals:
                clause = (field >= low) & (field <= high)
                expression = clause if expression is None else expression | clause
        wanted = None if columns is None else [c for c in columns if c in dataset.schema.names]
        return dataset.to_table(columns=wanted, filter=expression)

    def _fragment(self, rel: str) -> ds.ParquetFileFragment:
        """The Parquet fragment of *rel* with its footer read, so a scan after the schema was looked at does not
        fetch the footer again. Batch files are never rewritten (each path names a new file id), so their
        footers are kept (:data:`FOOTER_CACHE` of them); other files (report results) are read afresh."""
        with self._lock:
            fragment = self._fragments.get(rel)
        if fragment is not None:
            return fragment
        fragment = _parquet().make_fragment(self.full(rel), filesystem=self._arrow_fs)
        fragment.ensure_complete_metadata()
        if _immutable(rel):
            with self._lock:
                self._fragments[rel] = fragment
                while len(self._fragments) > FOOTER_CACHE:
                    del self._fragments[next(iter(self._fragments))]
        return fragment

    def column_range(self, rel: str, column: str) -> list[Any] | None:
        """``[min, max]`` of a column from the file's Parquet statistics (one footer read), None when unknown.

        Only integer and text statistics are returned (ints, or str compared by UTF-8 byte order as Parquet
        orders them); a row group without statistics makes the range unknown.
        """
        metadata = self._fragment(rel).metadata
        names = metadata.schema.names
        if column not in names or metadata.num_row_groups == 0:
            return None
        index = names.index(column)
        lows, highs = [], []
        for group in range(metadata.num_row_groups):
            stats = metadata.row_group(group).column(index).statistics
            if stats is None or not stats.has_min_max:
                return None
            low, high = stats.min, stats.max
            if not (isinstance(low, int) and isinstance(high, int)) and not (isinstance(low, str)
                                                                             and isinstance(high, str)):
                return None
            lows.append(low)
            highs.append(high)
        return [min(lows), max(highs)]

    def count_rows(self, rels: Sequence[str], time_column: str, intervals: Sequence[Sequence[float]]) -> int:
        """How many rows of the files fall in any of the time intervals (reads only the time column)."""
        return self.read(rels, [time_column], time_column, intervals).num_rows

    def sweep(self, known: set[str], older_than_s: float = 3600.0) -> list[str]:
        """Delete files under the root that no row records (orphans of crashed writes) once they are old.

        Staged uploads (``staging/``) are left to the upload service, which knows which slots are live.
        """
        removed: list[str] = []
        now = time.time()
        for rel, modified in self.listing().items():
            if rel in known or rel.startswith(STAGING + "/"):
                continue
            if modified is not None and now - modified < older_than_s:
                continue
            self.fs.rm_file(self.full(rel))
            removed.append(rel)
        return removed


def _immutable(rel: str) -> bool:
    """Whether *rel* is a batch file (``tasks/<task>/<kind>/…``, ``kpis/<kpi>/…``): written once, never rewritten."""
    parts = rel.split("/")
    return rel.endswith(".parquet") and ((parts[0] == "tasks" and len(parts) > 3 and parts[2] != "reports")
                                         or (parts[0] == "kpis" and len(parts) > 2))


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _canonical(kinds: Sequence[pa.DataType]) -> pa.DataType:
    """One Arrow type for a column across files: text is always ``large_string`` (the same type whatever wrote it)."""
    text = [_is_text(k) or (pa.types.is_dictionary(k) and _is_text(k.value_type)) for k in kinds]
    if all(text) and not all(pa.types.is_dictionary(k) for k in kinds):
        return pa.large_string()
    if all(k == kinds[0] for k in kinds):
        return kinds[0]
    widened = [pa.large_string() if t else k for k, t in zip(kinds, text, strict=True)]
    field = pa.unify_schemas([pa.schema([pa.field("c", k)]) for k in widened], promote_options="permissive")
    return field.field("c").type


def common_schema(schemas: Sequence[pa.Schema]) -> pa.Schema:
    """The schema every stored file is read (and written) as: columns by name, one canonical type each.

    Files of one task come from DataFrames, CSVs re-encoded by the server and remote Parquet, so the
    same column may arrive as ``string``, ``large_string`` or a dictionary; reading them together, and
    joining them on the sample id, needs one type.
    """
    kinds: dict[str, list[pa.DataType]] = {}
    for schema in schemas:
        for field in schema:
            kinds.setdefault(field.name, []).append(field.type)
    return pa.schema([pa.field(name, _canonical(types)) for name, types in kinds.items()])


def _dictionary_columns(table: pa.Table) -> list[str]:
    """Columns worth dictionary encoding: text (categories, file names), never unique floats."""
    return [f.name for f in table.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
            or pa.types.is_dictionary(f.type) or pa.types.is_boolean(f.type)]


def _mtime(info: dict[str, Any]) -> float | None:
    value = info.get("mtime") or info.get("LastModified") or info.get("last_modified") or info.get("created")
    if value is None:
        return None
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    return float(value)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
