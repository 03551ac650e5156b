"""What a pipeline step is, and the read-only view of stored data the steps read.

A pipeline is a tuple of *steps*: module-level functions ``step(payload, carried) -> carried`` that run on
the executor (a process pool, a Dask worker...): each gets the job's JSON payload and what the previous
step returned, reads Parquet through :class:`DataView`, calls pure code, and returns JSON-able results.
Steps import no service and no database code; the server side of a job (what it reads when claimed and
writes when it finishes) belongs to the owning service, and ``server/jobs/catalog.py`` joins the two.
Steps must be idempotent: after a crash a job is run again from its first step.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from mlcube_nb.server.pipelines import worker_tuning

if TYPE_CHECKING:
    import pandas as pd

Step = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


RELEASE_ABOVE_BYTES = 1 << 30
"""A step ends with a full garbage collection only when its process is this big (see ``release_memory``)."""


def release_memory() -> None:
    """Give the memory a finished step freed back to the OS, so idle job workers stay small.

    Arrow's allocator and glibc's malloc both keep freed pages for reuse; after a step over a large
    batch that can leave a pool worker holding a gigabyte it no longer needs. The full collection that
    finds cyclic garbage walks every object of the process (0.1-0.6 s once pandas, scipy and the
    pipelines are imported, far longer in a notebook kernel running a thread executor), so it runs only
    when the process holds more than ``RELEASE_ABOVE_BYTES``: a small batch does not pay it.
    """
    pa.default_memory_pool().release_unused()
    resident = _resident_bytes()
    if resident is not None and resident < RELEASE_ABOVE_BYTES:
        return
    gc.collect()
    _freeze_survivors()
    pa.default_memory_pool().release_unused()
    worker_tuning.release()


def _resident_bytes() -> int | None:
    """This process's resident memory (Linux ``/proc/self/statm``); None where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _page_size()
    except (OSError, ValueError, IndexError):
        return None


@functools.cache
def _page_size() -> int:
    return os.sysconf("SC_PAGE_SIZE")


@functools.cache
def _freeze_survivors() -> None:
    """Once per worker process, after its first full collection: what survived it (modules, caches) is left out
    of later collections, which then walk only what jobs made (a full walk of a worker with pandas, scikit-learn
    and scipy imported cost ~0.1-0.5 s per step). Frozen objects are still freed when no longer referenced.
    Not in the process that started the platform (a notebook kernel running jobs on threads): the user's own
    objects must stay collectable."""
    if multiprocessing.parent_process() is not None:
        gc.freeze()


class DataView:
    """Read access to a set of stored files, as pipelines and monitoring hooks see the data.

    *spec* is JSON: ``storage_url`` (and ``storage_options``), ``id_column``, ``time_column``, ``files``
    (each with ``category``, ``model_id``, ``path``, ``format``) and optionally ``intervals`` (time ranges,
    OR-ed) that every read is restricted to.
    """

    def __init__(self, spec: dict[str, Any], *, reads: dict[tuple[Any, ...], pa.Table] | None = None) -> None:
        from mlcube_nb.server.storage import Storage

        self.spec = spec
        self.storage = Storage(spec["storage_url"], spec.get("storage_options"))
        self.id_column: str = spec["id_column"]
        self.time_column: str = spec["time_column"]
        self.intervals: list[list[float]] | None = spec.get("intervals")
        # what this view (and the narrower views made from it) already read: a job reads a stored file once
        # even when its statistics, its analysis and its estimates each need it (a download each from an
        # object store); the tables go when the view does, at the end of the step
        self._reads: dict[tuple[Any, ...], pa.Table] = {} if reads is None else reads

    def narrowed(self, files: list[dict[str, Any]]) -> DataView:
        """A view of some of these files (same storage, intervals and reads)."""
        return DataView({**self.spec, "files": files}, reads=self._reads)

    def read(self, paths: Sequence[str], columns: Sequence[str] | None = None) -> pa.Table:
        """Rows of stored files within the view's intervals, read once per view."""
        key = self._read_key(paths, columns)
        table = self._reads.get(key)
        if table is None:
            table = self._reads[key] = self.storage.read(list(paths), columns, self.time_column, self.intervals)
        return table

    def paths(self, category: str, model_id: str | None = None) -> list[str]:
        """Stored Parquet files of one category (and model, for predictions)."""
        return [f["path"] for f in self.spec["files"] if f["category"] == category
                and f.get("model_id") == model_id and f.get("format", "parquet") == "parquet"]

    def categories(self) -> list[tuple[str, str | None]]:
        """The (category, model id) pairs present in the view."""
        seen: dict[tuple[str, str | None], None] = {}
        for f in self.spec["files"]:
            seen[(f["category"], f.get("model_id"))] = None
        return list(seen)

    def _read_key(self, paths: Sequence[str], columns: Sequence[str] | None) -> tuple[Any, ...]:
        return (tuple(paths), None if columns is None else tuple(columns),
                None if self.intervals is None else tuple(map(tuple, self.intervals)))

    def table(self, category: str, model_id: str | None = None, columns: Sequence[str] | None = None) -> pa.Table:
        """One category's rows (within the view's intervals) as an Arrow table."""
        wanted = None if columns is None else list(dict.fromkeys([self.id_column, *columns]))
        return self.read(self.paths(category, model_id), wanted)

    def frame(self, category: str, model_id: str | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """One category's rows as a pandas DataFrame."""
        return self.table(category, model_id, columns).to_pandas()

    def joined(self, model_ids: Sequence[str] = (), with_target: bool = True) -> pa.Table:
        """Inputs (and metadata), then target and the given models' predictions, joined on the sample id.

        Samples without a target or prediction keep nulls there (left joins from the inputs); a view joins
        the same files once (a batch's analysis and its estimates read the same join).
        """
        parts: list[tuple[str, str | None]] = [("input", None), ("metadata", None)]
        if with_target:
            parts.append(("target", None))
        parts += [("prediction", m) for m in model_ids]
        reads = [self._read_key(self.paths(c, m), None) for c, m in parts]
        key = ("joined", *reads)
        found = self._reads.get(key)
        if found is not None:
            return found
        base = self.table("input")
        for category, model_id in parts[1:]:
            if not self.paths(category, model_id):
                continue
            other = self.table(category, model_id)
            keep = [c for c in other.column_names if c == self.id_column or c not in base.column_names]
            if len(keep) > 1:
                base = _left_join(base, other.select(keep), self.id_column)
        # the join holds what its parts held: keep it, not them (a million-row batch is hundreds of megabytes)
        for read in reads:
            self._reads.pop(read, None)
        self._reads[key] = base
        return base


def _left_join(base: pa.Table, other: pa.Table, key: str) -> pa.Table:
    """Left outer join on *key*, in *base*'s row order, by row positions rather than Arrow's hash join.

    A batch's inputs, target and predictions usually hold the same ids in the same order: their columns are
    then appended as they are. Otherwise each base row's position in *other* (``index_in``: one hash of
    *other*'s ids) picks its values, null where it has none. Arrow's hash join materialised every column
    through its engine: 1.4 s per join of two 1M-row tables, most of a 1M-row batch's job (profiled). It is
    kept only for an *other* whose ids repeat, where a left join must repeat base rows.
    """
    payload = [c for c in other.column_names if c != key]
    ids, other_ids = base[key], other[key]
    rows: pa.ChunkedArray | pa.Array | None = None
    if not ids.equals(other_ids):  # False for another type or length too
        if ids.type != other_ids.type or pc.count_distinct(other_ids, mode="all").as_py() != len(other_ids):
            return _hash_left_join(base, other, key)
        rows = pc.index_in(ids, value_set=other_ids.combine_chunks())
    for column in payload:
        field = other.schema.field(column)
        values = other[column]
        if rows is not None:
            field, values = field.with_nullable(True), pc.take(values, rows)
        base = base.append_column(field, values)
    return base


def _hash_left_join(base: pa.Table, other: pa.Table, key: str) -> pa.Table:
    """Arrow's left outer hash join on *key*. It takes only flat columns, so list and struct columns
    (multiclass probabilities, embeddings) are carried over by row number."""
    nested = [c for c in other.column_names if c != key and pa.types.is_nested(other.schema.field(c).type)]
    if not nested:
        return base.join(other, keys=key, join_type="left outer")
    row = "__mlcube_row__"
    flat = other.drop_columns(nested).append_column(row, pa.array(range(len(other)), pa.int64()))
    joined = base.join(flat, keys=key, join_type="left outer")
    for column in nested:
        joined = joined.append_column(other.schema.field(column), pc.take(other[column], joined[row]))
    return joined.drop_columns([row])


def view_of(payload: dict[str, Any]) -> DataView:
    """The job's stored files, readable from any worker (the payload carries the storage URL and options)."""
    return DataView({**payload["view"], "storage_url": payload["storage_url"],
                     "storage_options": payload.get("storage_options")})
