"""What a job step on a Dask worker resets first: the nanny's process settings that slow numeric work.

A Dask nanny starts each worker with two settings meant for many small tasks on many threads:

* ``OMP_NUM_THREADS=1``, which Arrow also reads: its CPU thread pool (Parquet decoding, joins,
  ``to_pandas``) had one thread, so a 1M-row batch's analysis used one core in the worker where the
  embedded pool worker uses two (measured per 0.5 s: exactly 1.0 core for 3.4 s, against 2.1 s
  for the same phase in the pool);
* ``MALLOC_TRIM_THRESHOLD_=65536``: freed memory goes back to the system at once, and setting any
  such variable also switches off glibc's *dynamic* mmap threshold, so every array over 128 KiB is a
  fresh ``mmap`` whose pages fault in, zero-filled, on first touch (``analyse_batch`` 1M x 25 ran
  0.25 s instead of 0.19 s).

A step therefore gives Arrow a thread per core again, and runs with the thresholds glibc would have
reached by itself (big arrays from the heap, freed memory kept for the next one) and at most two arenas
(fewer arenas hold fewer freed fragments: a 1M-row job's worker peaked at 1.76 GiB instead of 1.86 GiB,
at the same speed). A step over a big batch gives its freed memory back at its end (``release``, called
by the pipelines' ``release_memory``), which is what the nanny's setting is for: the worker's memory, as
Dask reports it, falls back after every such job. The allocator part is glibc's only (nothing happens
with other C libraries).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from collections.abc import Callable
from typing import Any

M_TRIM_THRESHOLD = -1  # <malloc.h>
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit: the dynamic threshold's ceiling
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc sets with the dynamic threshold: keep what a step will reuse
ARENA_MAX = 2


@functools.cache
def _glibc() -> Any:
    """The C library when it is glibc (it has ``mallopt`` and ``malloc_trim``), else ``None``."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _tune_arrow() -> None:
    import pyarrow as pa

    if pa.cpu_count() < cores():
        pa.set_cpu_count(cores())


def _tune_glibc() -> None:
    libc = _glibc()
    if libc is not None:
        for option, value in ((M_ARENA_MAX, ARENA_MAX), (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
                              (M_TRIM_THRESHOLD, TRIM_THRESHOLD)):
            libc.mallopt(option, value)


@functools.cache
def tune() -> None:
    """Reset Arrow's thread count and glibc's allocator settings, once per process (both are idempotent)."""
    _tune_arrow()
    _tune_glibc()


def release() -> None:
    """Give the heap's free memory back to the system (glibc's ``malloc_trim``; nothing elsewhere)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def run_step(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run one job step in a tuned process (the step releases its memory itself: ``release_memory``)."""
    tune()
    return fn(*args, **kwargs)
