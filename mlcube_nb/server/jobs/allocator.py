"""glibc's allocator settings for job steps on Dask workers, where the nanny's defaults slow numeric work.

A Dask nanny starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536`` so that freed memory goes back to
the system at once. Setting any such variable also switches off glibc's *dynamic* mmap threshold, so
every array over 128 KiB is a fresh ``mmap`` whose pages fault in, zero-filled, on first touch, and a
1M-row batch's analysis allocates hundreds of such arrays: measured, the same analysis ran about 30 %
slower under that setting (``analyse_batch`` 1M x 25: 0.19 s -> 0.25 s), and the pool worker of the
embedded configuration, which inherits no such variable, does not pay it.

A step on a Dask worker therefore runs with the thresholds glibc would have reached by itself (big
arrays from the heap, freed memory kept for the next one) and at most two arenas (fewer arenas hold
fewer freed fragments: a 1M-row job's worker peaked at 1.76 GiB instead of 1.86 GiB, at the same speed).
A step over a big batch gives its freed memory back at its end (``release``, called by the pipelines'
``release_memory``), which is what the nanny's setting is for: the worker's memory, as Dask reports it,
falls back after every such job. Nothing happens outside glibc (other C libraries, other systems).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable
from typing import Any

M_TRIM_THRESHOLD = -1  # <malloc.h>
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENA_MAX = 2
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit: the dynamic threshold's ceiling
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc sets with the dynamic threshold: keep what a step will reuse

_lock = threading.Lock()
_libc: Any = None
_tuned = False


def _glibc() -> Any:
    """The C library when it is glibc (it has ``mallopt`` and ``malloc_trim``), else ``None``."""
    global _libc
    if _libc is None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc = libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else False
        except OSError:
            _libc = False
    return _libc or None


def tune() -> bool:
    """Set this process's mmap and trim thresholds once; ``True`` when glibc took them."""
    global _tuned
    with _lock:
        if _tuned:
            return True
        libc = _glibc()
        if libc is None:
            return False
        _tuned = all(libc.mallopt(option, value) for option, value in (
            (M_ARENA_MAX, ARENA_MAX), (M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD)))
        return _tuned


def release() -> None:
    """Give the heap's free memory back to the system (glibc's ``malloc_trim``; nothing elsewhere)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def run_step(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run one job step with the allocator tuned (the step releases its memory itself: ``release_memory``)."""
    tune()
    return fn(*args, **kwargs)
