"""Batches are checked against the task's schema and the data rules before anything is kept (PLATFORM.md §3.7).

Every refusal carries an error code and names the column and the first offending rows, and leaves
nothing behind: no stored file, no batch or file row, no job, no upload slot or staged file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlcube_nb.enums import DataStructure, TaskType
from mlcube_nb.exceptions import (
    AddHistoricalDataException,
    AddModelReferenceException,
    AddProductionDataException,
    AddTargetDataException,
    SDKClientException,
)
from tests.server.data_helpers import Ctx, column, frame, inputs_of, make_ctx, tabular, target_of

NOTHING = {"batches": 0, "files": 0, "jobs": 0, "uploads": 0, "disk": 0, "staged": 0}


@pytest.fixture
def ctx(platform) -> Ctx:
    return make_ctx(platform)


def _refused(ctx: Ctx, call, exc: type[SDKClientException], code: str, *words: str) -> SDKClientException:
    before = ctx.stored()
    with pytest.raises(exc) as info:
        call()
    assert info.value.error_code == code, info.value
    for word in words:
        assert word in info.value.error_message, info.value.error_message
    assert ctx.stored() == before, "a refused batch left something behind"
    return info.value


def _production(ctx: Ctx, df: pd.DataFrame, **more) -> str:
    return ctx.client.add_production_data(ctx.task_id, inputs=tabular(df), **more)


def test_missing_column_is_named(ctx: Ctx) -> None:
    df = inputs_of(frame(10)).drop(columns=["x1"])
    _refused(ctx, lambda: _production(ctx, df), AddProductionDataException, "INVALID_DATA", "'x1'", "missing")
    assert ctx.stored() == NOTHING


def test_wrong_type_names_column_and_rows(ctx: Ctx) -> None:
    df = inputs_of(frame(10)).astype({"x1": object})
    df.loc[3, "x1"], df.loc[7, "x1"] = "abc", "n/a"
    err = _refused(ctx, lambda: _production(ctx, df.astype({"x1": str})), AddProductionDataException,
                   "INVALID_DATA", "'x1'", "rows 3, 7")
    assert "'abc'" in err.error_message


def test_null_in_a_non_nullable_column_names_rows(ctx: Ctx) -> None:
    df = inputs_of(frame(10))
    df.loc[[2, 5], "x1"] = np.nan
    _refused(ctx, lambda: _production(ctx, df), AddProductionDataException, "INVALID_DATA", "'x1'",
             "not nullable", "rows 2, 5")
    nullable = inputs_of(frame(10))
    nullable.loc[2, "x2"] = np.nan  # x2 is nullable: accepted
    ctx.client.wait_job_completion(_production(ctx, nullable))


def test_category_outside_possible_values(ctx: Ctx) -> None:
    df = inputs_of(frame(10))
    df.loc[4, "color"] = "purple"
    _refused(ctx, lambda: _production(ctx, df), AddProductionDataException, "INVALID_DATA", "'color'",
             "possible_values", "row 4", "'purple'")


def test_repeated_ids_in_one_file(ctx: Ctx) -> None:
    df = inputs_of(frame(10))
    df.loc[6, "id"] = df.loc[1, "id"]
    _refused(ctx, lambda: _production(ctx, df), AddProductionDataException, "INVALID_DATA", "unique", "row 6")


def test_ids_already_stored_are_a_conflict(ctx: Ctx) -> None:
    ctx.client.wait_job_completion(_production(ctx, inputs_of(frame(10))))
    again = inputs_of(frame(10, start=100))  # other values (another file), same ids
    _refused(ctx, lambda: _production(ctx, again), AddProductionDataException, "DUPLICATE_DATA", "already")


def test_timestamps_must_be_float_seconds(ctx: Ctx) -> None:
    df = inputs_of(frame(5)).astype({"ts": object})
    df["ts"] = ["2024-01-01", "x", "3", "4", "5"]
    _refused(ctx, lambda: _production(ctx, df.astype({"ts": str})), AddProductionDataException, "INVALID_DATA",
             "'ts'", "float timestamps", "rows 0, 1")
    dated = inputs_of(frame(5))
    dated["ts"] = pd.date_range("2024-01-01", periods=5)
    _refused(ctx, lambda: _production(ctx, dated), AddProductionDataException, "INVALID_DATA", "'ts'", "dates")


def test_predictions_must_cover_the_batch(ctx: Ctx) -> None:
    df = frame(10)
    partial = ctx.predictions(df).iloc[:8]
    _refused(ctx, lambda: _production(ctx, inputs_of(df), predictions=[(ctx.model_id, tabular(partial))]),
             AddProductionDataException, "INVALID_DATA", "cover every sample", "rows 8, 9")
    ctx.client.wait_job_completion(_production(ctx, inputs_of(df), predictions=[(ctx.model_id,
                                                                                  tabular(ctx.predictions(df)))]))


def test_predictions_sent_later_attach_to_the_batch_and_must_cover_it(ctx: Ctx) -> None:
    df = frame(10)
    ctx.client.wait_job_completion(_production(ctx, inputs_of(df)))
    late = ctx.predictions(df)
    _refused(ctx, lambda: ctx.client.add_production_data(ctx.task_id, predictions=[(ctx.model_id,
                                                                                  tabular(late.iloc[:5]))]),
             AddProductionDataException, "INVALID_DATA", "cover every sample")
    unknown = late.copy()
    unknown.loc[0, "id"] = "nobody"
    _refused(ctx, lambda: ctx.client.add_production_data(ctx.task_id, predictions=[(ctx.model_id,
                                                                                  tabular(unknown))]),
             AddProductionDataException, "INVALID_DATA", "not in any production batch", "row 0")
    job = ctx.client.add_production_data(ctx.task_id, predictions=[(ctx.model_id, tabular(late))])
    ctx.client.wait_job_completion(job)
    again = late.copy()
    again[ctx.prediction] = 0.9
    _refused(ctx, lambda: ctx.client.add_production_data(ctx.task_id, predictions=[(ctx.model_id,
                                                                                  tabular(again))]),
             AddProductionDataException, "DUPLICATE_DATA")


def test_prediction_of_a_model_of_another_task_is_refused_before_upload(ctx: Ctx) -> None:
    df = frame(5)
    with pytest.raises(AddProductionDataException) as info:
        _production(ctx, inputs_of(df), predictions=[("not-a-model", tabular(ctx.predictions(df)))])
    assert info.value.error_code == "ADD_PRODUCTION_DATA_MODEL_ERROR"
    assert ctx.stored() == NOTHING


def test_historical_predictions_of_an_unknown_model_raise_the_historical_exception(ctx: Ctx) -> None:
    df = frame(5)
    with pytest.raises(AddHistoricalDataException) as info:
        ctx.client.add_historical_data(ctx.task_id, inputs=tabular(inputs_of(df)),
                                       predictions=[("not-a-model", tabular(ctx.predictions(df)))])
    assert info.value.error_code == "MODEL_NOT_FOUND" and "get_models" in info.value.error_message
    assert ctx.stored() == NOTHING


def test_targets_only_for_known_samples_and_only_once(ctx: Ctx) -> None:
    df = frame(10)
    ctx.client.wait_job_completion(_production(ctx, inputs_of(df)))
    stranger = target_of(frame(3, prefix="zz"))
    _refused(ctx, lambda: ctx.client.add_target_data(ctx.task_id, tabular(stranger)), AddTargetDataException,
             "INVALID_DATA", "not in the data uploaded", "rows 0, 1, 2")
    ctx.client.wait_job_completion(ctx.client.add_target_data(ctx.task_id, tabular(target_of(df).iloc[:4])))
    _refused(ctx, lambda: ctx.client.add_target_data(ctx.task_id, tabular(target_of(df).iloc[2:6])),
             AddTargetDataException, "DUPLICATE_DATA", "labelled", "rows 0, 1")


def test_historical_data_of_a_supervised_task_needs_its_target(ctx: Ctx) -> None:
    _refused(ctx, lambda: ctx.client.add_historical_data(ctx.task_id, inputs=tabular(inputs_of(frame(10)))),
             AddHistoricalDataException, "INVALID_DATA", "needs the target")


def test_target_of_historical_data_must_be_among_its_inputs(ctx: Ctx) -> None:
    df = frame(10)
    wrong = target_of(frame(2, prefix="q"))
    _refused(ctx, lambda: ctx.client.add_historical_data(ctx.task_id, inputs=tabular(inputs_of(df)),
                                                         target=tabular(wrong)),
             AddHistoricalDataException, "INVALID_DATA", "not in the inputs of this batch")


def test_reference_needs_300_samples_and_then_bounds_historical_data(ctx: Ctx) -> None:
    df = frame(400)
    ctx.client.wait_job_completion(ctx.client.add_historical_data(ctx.task_id, inputs=tabular(inputs_of(df)),
                                                                  target=tabular(target_of(df))))
    before = ctx.stored()
    with pytest.raises(AddModelReferenceException) as info:
        ctx.client.set_model_reference(ctx.model_id, 0, 199)
    assert info.value.error_code == "INVALID_DATA" and "200 samples" in info.value.error_message
    assert ctx.stored() == before
    ctx.client.wait_job_completion(ctx.client.set_model_reference(ctx.model_id, 0, 349))
    late = frame(5, start=300, prefix="late")  # t = 300..304 is not newer than 349: refused rows are 350+
    newer = frame(5, start=348, prefix="new")
    _refused(ctx, lambda: ctx.client.add_historical_data(ctx.task_id, inputs=tabular(inputs_of(newer)),
                                                         target=tabular(target_of(newer))),
             AddHistoricalDataException, "INVALID_DATA", "newer than the last reference sample", "rows 2, 3, 4")
    ctx.client.wait_job_completion(ctx.client.add_historical_data(ctx.task_id, inputs=tabular(inputs_of(late)),
                                                                  target=tabular(target_of(late))))


def test_reference_of_an_unknown_segment_or_a_backwards_interval_is_refused(ctx: Ctx) -> None:
    with pytest.raises(AddModelReferenceException) as info:
        ctx.client.set_model_reference(ctx.model_id, 10, 5)
    assert info.value.error_code == "INVALID_PARAMETERS"


def test_data_before_a_schema_is_refused(ctx: Ctx) -> None:
    task_id = ctx.client.create_task(project_id=ctx.project_id, name="no schema", tags=[],
                                     task_type=TaskType.REGRESSION, data_structure=DataStructure.TABULAR)
    with pytest.raises(AddProductionDataException) as info:
        ctx.client.add_production_data(task_id, inputs=tabular(inputs_of(frame(3))))
    assert info.value.error_code == "SCHEMA_NOT_FOUND"
    assert ctx.stored(task_id) == NOTHING


def test_integer_and_array_columns(ctx: Ctx) -> None:
    columns = [column("id", "id", "integer"), column("ts", "time_id", "float"), column("n", "input", "integer"),
               column("y", "target", "float")]
    task_id = ctx.new_task(columns, optional_target=True)
    good = pd.DataFrame({"id": [1, 2, 3], "ts": [1.0, 2.0, 3.0], "n": [1.0, 2.0, 3.0]})
    ctx.client.wait_job_completion(ctx.client.add_production_data(task_id, inputs=tabular(good)))
    bad = pd.DataFrame({"id": [4, 5, 6], "ts": [1.0, 2.0, 3.0], "n": [1.0, 2.5, 3.0]})
    before = ctx.stored(task_id)
    with pytest.raises(AddProductionDataException) as info:
        ctx.client.add_production_data(task_id, inputs=tabular(bad))
    assert info.value.error_code == "INVALID_DATA" and "whole numbers" in info.value.error_message
    assert "row 1" in info.value.error_message
    assert ctx.stored(task_id) == before


def test_schema_is_frozen_once_data_arrived(ctx: Ctx) -> None:
    from mlcube_nb.models import DataSchema
    from tests.server.data_helpers import regression_columns

    ctx.client.wait_job_completion(_production(ctx, inputs_of(frame(5))))
    with pytest.raises(SDKClientException) as info:
        ctx.client.add_data_schema(ctx.task_id, DataSchema(columns=regression_columns()))
    assert info.value.error_code == "SCHEMA_IMMUTABLE"
