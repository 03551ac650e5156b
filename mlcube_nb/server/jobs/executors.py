"""The ``concurrent.futures.Executor`` jobs run on, chosen by ``Settings.executor`` (``MLCUBE_EXECUTOR``).

=====================  ==========================================================================
``process`` (default)   a process pool (``spawn``: safe in a threaded server), up to 4 workers
``process:N``           the same with N workers
``thread[:N]``          a thread pool in the server process (cheap; pipelines share the GIL)
``inline``              runs each step in the runner's thread (tests, debugging)
``dask://host:port``    a Dask cluster, through ``distributed.Client.get_executor()``
=====================  ==========================================================================

Pipeline steps are module-level functions with JSON-able arguments, so every executor can ship them.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mlcube_nb.server.pipelines import worker_tuning

DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_S = 0.5


class TunedStepsExecutor(Executor):
    """Hands each step to *inner* through :func:`worker_tuning.run_step` (Dask workers: see that module)."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self.inner.submit(worker_tuning.run_step, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait)  # Dask's executor has no cancel_futures


class InlineExecutor(Executor):
    """Runs each call at once in the submitting thread; the future is already done when returned."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the runner through the future
            future.set_exception(exc)
        return future


@dataclass
class ExecutorHandle:
    """An executor, how many steps it should have in flight, and how to let it go."""

    executor: Executor
    capacity: int
    kind: str
    close: Callable[[], None]


def _warm() -> int:
    """A no-op submitted at start so pool workers spawn (and import the pipelines) before the first job."""
    from mlcube_nb.server.pipelines import ingest, rag_evaluation, reference, retraining, topic_modeling  # noqa: F401

    return os.getpid()


def _watch_parent(parent_pid: int) -> None:
    """Exit this worker as soon as its parent is gone (re-parented), wherever the parent died."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def _worker_init(parent_pid: int) -> None:
    """Initialiser of every pool worker: ignore SIGINT, and die with the server even after a ``kill -9``.

    A kernel interrupt (Jupyter signals the whole process group) must not kill pool workers: the
    server stops them itself. On Linux the kernel sends SIGKILL when the parent dies
    (``PR_SET_PDEATHSIG``; strictly, when the *thread* that started the worker ends: pools are
    started by the lifespan or the runner's own thread, both alive as long as the pool); a watchdog
    thread covers other systems and the window before prctl.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="mlcube-parent-watch", daemon=True).start()


@contextmanager
def _main_hidden() -> Iterator[None]:
    """Start pool workers without re-running the caller's script in them.

    ``spawn`` re-imports ``__main__`` in every worker, so a script that starts the embedded platform
    without an ``if __name__ == "__main__":`` guard would start it again in each worker. Pipeline
    steps live in this package, so workers do not need the script: while the workers are launched,
    ``__main__`` is a bare module.
    """
    main = sys.modules.get("__main__")
    if main is None or (getattr(main, "__file__", None) is None and getattr(main, "__spec__", None) is None):
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _process_pool(workers: int) -> ProcessPoolExecutor:
    """A spawn-based pool whose workers are all started (and warmed) now."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init, initargs=(os.getpid(),))
    with _main_hidden():
        for _ in range(workers):
            pool.submit(_warm)  # each submit launches one more worker until the pool is full
    return pool


def _stop_pool(pool: ProcessPoolExecutor, grace_s: float = 5.0) -> None:
    """Stop the pool and its worker processes now, so none outlives the server.

    ``shutdown(wait=False)`` alone leaves spawned workers orphaned (holding the server's stdout and
    CPU) when the server exits mid-import or mid-job. Jobs are idempotent and re-run after a restart,
    so ending a running step is safe.
    """
    processes = list(getattr(pool, "_processes", {}).values())  # private, but the only handle on the workers
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=grace_s)
        if process.is_alive():
            process.kill()


def _workers(spec: str) -> int:
    _, _, count = spec.partition(":")
    if not count:
        return DEFAULT_WORKERS
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"MLCUBE_EXECUTOR={spec!r}: the worker count must be a positive integer")
    return int(count)


def _dask(address: str) -> ExecutorHandle:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ValueError("MLCUBE_EXECUTOR=dask://... needs the 'distributed' package "
                         "(pip install 'mlcube-nb[scale]')") from exc
    client = Client(address, set_as_default=False, timeout=30)
    executor = TunedStepsExecutor(client.get_executor(pure=False))
    threads = sum(client.nthreads().values()) or 1

    def close() -> None:
        executor.shutdown(wait=False)
        client.close()

    return ExecutorHandle(executor, max(2, threads), "dask", close)


def make_executor(spec: str) -> ExecutorHandle:
    """Build the executor named by *spec* (see the module docstring)."""
    spec = spec.strip()
    if spec.startswith(("dask://", "tcp://", "tls://")):
        return _dask("tcp://" + spec[len("dask://"):] if spec.startswith("dask://") else spec)
    kind = spec.partition(":")[0]
    if kind == "process":
        workers = _workers(spec)
        pool = _process_pool(workers)
        return ExecutorHandle(pool, workers, "process", lambda: _stop_pool(pool))
    if kind == "thread":
        workers = _workers(spec)
        threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlcube-job")
        return ExecutorHandle(threads, workers, "thread", lambda: threads.shutdown(wait=False, cancel_futures=True))
    if kind == "inline":
        return ExecutorHandle(InlineExecutor(), 1, "inline", lambda: None)
    raise ValueError(f"MLCUBE_EXECUTOR={spec!r} is not one of process[:N], thread[:N], inline, dask://host:port")
