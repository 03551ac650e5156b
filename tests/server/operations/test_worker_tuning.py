"""What a job step on a Dask worker resets first (``server/pipelines/worker_tuning.py``), in a fresh process.

A subprocess, because the settings last for the whole process; its environment carries the Dask nanny's
``OMP_NUM_THREADS=1`` and ``MALLOC_TRIM_THRESHOLD_=65536``, which is what the module undoes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from mlcube_nb.server.pipelines import worker_tuning

NANNY_ENV = {"OMP_NUM_THREADS": "1", "MALLOC_TRIM_THRESHOLD_": "65536"}

SCRIPT = textwrap.dedent("""
    import json, resource
    import numpy as np
    import pyarrow as pa
    from mlcube_nb.server.pipelines import worker_tuning
    from mlcube_nb.server.jobs.executors import InlineExecutor, TunedStepsExecutor

    def faults_of_loop():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(50):
            a = np.ones(1_000_000)
            del a
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    def fail(message):
        raise ValueError(message)

    out = {"arrow_before": pa.cpu_count(), "faults_before": faults_of_loop()}
    steps = TunedStepsExecutor(InlineExecutor())
    out["result"] = steps.submit(sum, [1, 2, 3]).result()
    try:
        steps.submit(fail, "bad batch").result()
    except ValueError as exc:
        out["error"] = str(exc)
    out["arrow_after"] = pa.cpu_count()
    faults_of_loop()  # the first array after tuning grows the heap once
    out["faults_after"] = faults_of_loop()
    print(json.dumps(out))
""")


def _run_tuned_step() -> dict[str, int | str]:
    done = subprocess.run([sys.executable, "-c", SCRIPT], env={**os.environ, **NANNY_ENV}, capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_a_step_gets_arrow_threads_back_and_its_result_or_error_passes_through() -> None:
    out = _run_tuned_step()
    assert out["result"] == 6 and out["error"] == "bad batch"
    assert out["arrow_before"] == 1  # what OMP_NUM_THREADS=1 does to Arrow
    assert out["arrow_after"] == worker_tuning.cores()


@pytest.mark.skipif(worker_tuning._glibc() is None, reason="glibc's mallopt is Linux/glibc only")
def test_big_arrays_reuse_the_heap_after_tuning_under_the_nannys_trim_setting() -> None:
    """Each freed 8 MB array went back to the system and the next one faulted its pages in again; tuned, a loop
    of such arrays reuses the same memory."""
    out = _run_tuned_step()
    assert int(out["faults_before"]) > 50 * 100  # 4 KiB or transparent huge pages: every array faulted in
    assert int(out["faults_after"]) < int(out["faults_before"]) / 10
