"""Progress through ``tqdm.auto``: a bar while ``wait_job_completion`` waits, and for large uploads."""

from __future__ import annotations

import secrets
import sys

import pandas as pd
import pytest

from mlcube_nb.client import _uploads
from mlcube_nb.enums import StoragePolicy
from mlcube_nb.notebook.sample_data import churn_batch
from tests.notebook.conftest import Drifted, new_churn_task


def test_wait_job_completion_shows_a_bar_on_a_terminal_and_nothing_in_a_log(
        drifted: Drifted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    project_id = drifted.client.create_project(f"p-{secrets.token_hex(3)}", None, StoragePolicy.MLCUBE)
    task_id, model_id = new_churn_task(drifted.client, project_id)
    batch = churn_batch(300, seed=9)
    job_id = drifted.client.add_historical_data(task_id, inputs=batch.inputs, target=batch.target)
    capsys.readouterr()
    drifted.client.wait_job_completion(job_id)
    assert capsys.readouterr().err == ""  # stderr is not a terminal (a log, a pipe): no carriage-return litter
    later = churn_batch(300, start_index=300, seed=10)
    job_id = drifted.client.add_historical_data(task_id, inputs=later.inputs, target=later.target)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    drifted.client.wait_job_completion(job_id)
    bar = capsys.readouterr().err  # on a terminal, tqdm.auto draws a text bar on stderr, then clears it
    assert f"job {job_id[:8]} add_historical_data: completed 100%" in bar and bar.endswith("\r")


def test_a_large_upload_shows_a_progress_bar_and_a_small_one_does_not(
        drifted: Drifted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    project_id = drifted.client.create_project(f"p-{secrets.token_hex(3)}", None, StoragePolicy.MLCUBE)
    task_id, _ = new_churn_task(drifted.client, project_id)
    batch = churn_batch(300, seed=9)
    capsys.readouterr()
    drifted.client.wait_job_completion(drifted.client.add_historical_data(task_id, inputs=batch.inputs,
                                                                   target=batch.target))
    assert "upload" not in capsys.readouterr().err  # a few kB: no bar
    size = len(pd.DataFrame(batch.frame).to_parquet())
    monkeypatch.setattr(_uploads, "PROGRESS_MIN_BYTES", size // 4)  # make this small file count as large
    later = churn_batch(300, start_index=300, seed=10)
    drifted.client.wait_job_completion(drifted.client.add_historical_data(task_id, inputs=later.inputs,
                                                                         target=later.target))
    bar = capsys.readouterr().err
    assert "upload dataframe.parquet" in bar and bar.endswith("\r")  # drawn, then cleared (a fast upload may end
    # before tqdm's first refresh, so the 100% frame is not always drawn)
