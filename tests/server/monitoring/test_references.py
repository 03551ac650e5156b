"""Model references (PLATFORM.md §2 rows 26, 33): time ranges of stored data, the size rule, new versions."""

from __future__ import annotations

import pytest

from mlcube_nb.exceptions import UpdateModelVersionException
from mlcube_nb.server.db.engine import make_session_factory
from mlcube_nb.server.db.tables import ReferenceRow
from tests.server.data_helpers import Ctx, frame, inputs_of, make_ctx, tabular, target_of
from tests.wire import Wire, assert_error


@pytest.fixture
def ctx(platform) -> Ctx:
    ctx = make_ctx(platform)
    df = frame(500)
    ctx.client.wait_job_completion(ctx.client.add_historical_data(ctx.task_id, inputs=tabular(inputs_of(df)),
                                                                  target=tabular(target_of(df))))
    return ctx


def _reference(ctx: Ctx, model_id: str) -> ReferenceRow | None:
    with make_session_factory(ctx.engine)() as session:
        return session.get(ReferenceRow, model_id)


def test_set_model_reference_records_the_samples_of_the_range(ctx: Ctx) -> None:
    job_id = ctx.client.set_model_reference(ctx.model_id, 100, 449)
    ctx.client.wait_job_completion(job_id)
    job = ctx.client.get_job(job_id)
    assert (job.job_group, job.model_id, job.model_name) == ("set_model_reference", ctx.model_id, "m")
    reference = _reference(ctx, ctx.model_id)
    assert reference is not None
    assert (reference.n_rows, reference.time_min, reference.time_max, reference.intervals) == (350, 100, 449,
                                                                                                [[100, 449]])


def test_v1_shape_with_several_intervals_and_segments(ctx: Ctx) -> None:
    wire = Wire(ctx.platform.url, ctx.api_key)
    body = {"model_id": ctx.model_id, "default_reference": {"time_intervals": [[0, 149], [300, 449]],
                                                            "segment_id": None}, "segment_references": None}
    job_id = wire.ok("POST", "/model/reference", json=body)
    ctx.client.wait_job_completion(job_id)
    assert _reference(ctx, ctx.model_id).n_rows == 300
    body["segment_references"] = [{"time_intervals": [[0, 499]], "segment_id": "seg1"}]
    assert_error(wire.call("POST", "/model/reference", json=body), 404)
    body = {"model_id": ctx.model_id, "default_reference": {"time_intervals": [], "segment_id": None}}
    assert_error(wire.call("POST", "/model/reference", json=body), 400, "INVALID_PARAMETERS")


def test_update_model_version_from_time_range_adds_the_version_with_its_reference(ctx: Ctx) -> None:
    job_id = ctx.client.update_model_version_from_time_range(ctx.model_id, "v2", 0, 399)
    ctx.client.wait_job_completion(job_id)
    job = ctx.client.get_job(job_id)
    new = ctx.client.get_model_by_name_and_version(ctx.task_id, "m", "v2")
    assert job.job_group == "update_model_version_from_time_range" and job.model_id == new.model_id
    assert _reference(ctx, new.model_id).n_rows == 400
    assert _reference(ctx, ctx.model_id) is None


def test_a_refused_reference_adds_no_version(ctx: Ctx) -> None:
    with pytest.raises(UpdateModelVersionException) as info:
        ctx.client.update_model_version_from_time_range(ctx.model_id, "v9", 0, 10)
    assert info.value.error_code == "INVALID_DATA"
    assert [m.version for m in ctx.client.get_models(ctx.task_id)] == ["v1"]
