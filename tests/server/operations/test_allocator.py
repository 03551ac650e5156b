"""The allocator settings a job step gets on a Dask worker (``server/jobs/allocator.py``), in a fresh process.

A subprocess, because the settings last for the whole process: the test's own interpreter keeps glibc's
defaults. Its environment carries the Dask nanny's ``MALLOC_TRIM_THRESHOLD_``, which is what the module
undoes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from mlcube_nb.server.jobs import allocator
from mlcube_nb.server.jobs.executors import InlineExecutor, TunedStepsExecutor

pytestmark = pytest.mark.skipif(allocator._glibc() is None, reason="glibc's mallopt is Linux/glibc only")


def _boom(message: str) -> None:
    raise ValueError(message)


def test_a_step_runs_with_the_allocator_tuned_and_its_result_or_error_passes_through() -> None:
    executor = TunedStepsExecutor(InlineExecutor())
    assert executor.submit(sum, [1, 2, 3]).result() == 6
    with pytest.raises(ValueError, match="bad batch"):
        executor.submit(_boom, "bad batch").result()
    assert allocator._tuned
    assert allocator.tune() is True  # once per process; later calls find it done


def test_big_arrays_reuse_the_heap_after_tuning_under_the_nannys_setting() -> None:
    """Under ``MALLOC_TRIM_THRESHOLD_=65536`` every freed 8 MB array goes back to the system, so the next one
    faults its pages in again; once tuned, a loop of such arrays reuses the same memory (minor faults fall)."""
    script = textwrap.dedent("""
        import resource, sys
        import numpy as np
        from mlcube_nb.server.jobs import allocator

        def faults_of_loop():
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            for _ in range(50):
                a = np.ones(1_000_000)
                del a
            return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

        untuned = faults_of_loop()
        assert allocator.tune()
        faults_of_loop()  # the first array after tuning grows the heap once
        tuned = faults_of_loop()
        print(untuned, tuned)
    """)
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60,
                         check=True)
    untuned, tuned = map(int, out.stdout.split())
    assert untuned > 50 * 100  # each 8 MB array faulted in again (4 KiB or transparent huge pages)
    assert tuned < untuned / 10
