"""Every integer and number a client can send has a lower and an upper bound (issue 16, D3-D6).

Read from the OpenAPI document, so a field added to any request body or query later is checked too.
Unbounded numbers were how ``2**63`` overflowed SQLite, ``2**70`` broke task listings for good and
``1e309`` / ``NaN`` slipped into stored models.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from mlcube_nb.models import CreateModelRequest, CreateTaskRequest, ReferenceInfo
from mlcube_nb.server.app import create_app
from mlcube_nb.server.settings import Settings


def _unbounded(schema: Any, where: str, components: dict[str, Any], seen: frozenset[str]) -> list[str]:
    if not isinstance(schema, dict):
        return []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return [] if name in seen else _unbounded(components[name], name, components, seen | {name})
    found = []
    if schema.get("type") in ("integer", "number"):
        low = "minimum" in schema or "exclusiveMinimum" in schema
        high = "maximum" in schema or "exclusiveMaximum" in schema
        if not (low and high):
            found.append(f"{where} ({schema['type']})")
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(key, []):
            found += _unbounded(sub, where, components, seen)
    if "items" in schema:
        found += _unbounded(schema["items"], f"{where}[]", components, seen)
    if isinstance(schema.get("additionalProperties"), dict):
        found += _unbounded(schema["additionalProperties"], f"{where}{{}}", components, seen)
    for name, sub in schema.get("properties", {}).items():
        found += _unbounded(sub, f"{where}.{name}", components, seen)
    return found


def test_every_number_a_client_sends_is_bounded_on_both_sides() -> None:
    with tempfile.TemporaryDirectory() as home:
        document = create_app(Settings(home=Path(home), executor="inline")).openapi()
    components = document.get("components", {}).get("schemas", {})
    unbounded: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                unbounded += _unbounded(parameter.get("schema", {}), f"{label} ?{parameter['name']}", components,
                                        frozenset())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += _unbounded(content.get("schema", {}), f"{label} body", components, frozenset())
    assert not sorted(set(unbounded)), "numbers without both bounds:\n" + "\n".join(sorted(set(unbounded)))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e300])
def test_float_fields_refuse_what_json_and_statistics_cannot_carry(value: float) -> None:
    with pytest.raises(ValidationError):
        CreateModelRequest(task_id="t", name="m", version="v", retraining_cost=value)
    with pytest.raises(ValidationError):
        ReferenceInfo(time_intervals=[(0.0, value)])


@pytest.mark.parametrize("value", [2**63, 2**70, -(2**63) - 1])
def test_integer_fields_stay_within_64_bits(value: int) -> None:
    with pytest.raises(ValidationError):
        CreateTaskRequest(project_id="p", name="t", task_type="classification_binary", data_structure="tabular",
                          positive_class=value)
    with pytest.raises(ValidationError):
        CreateModelRequest(task_id="t", name="m", version="v", resampled_dataset_size=value)


def test_ordinary_values_still_pass() -> None:
    model = CreateModelRequest(task_id="t", name="m", version="v", retraining_cost=12.5, resampled_dataset_size=500)
    assert (model.retraining_cost, model.resampled_dataset_size) == (12.5, 500)
    task = CreateTaskRequest(project_id="p", name="t", task_type="classification_binary", data_structure="tabular",
                             positive_class=1, tags=["a", "b"])
    assert task.positive_class == 1 and task.tags == ["a", "b"]
    assert CreateTaskRequest(project_id="p", name="t", task_type="classification_binary",
                             data_structure="tabular", positive_class="yes").positive_class == "yes"
