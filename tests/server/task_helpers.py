"""Helpers shared by the task, model, schema and KPI tests: request bodies and the role sets of §7.3."""

from __future__ import annotations

import secrets
from typing import Any

from tests.wire import Wire

ROLES = ["owner", "admin", "member", "p_admin", "p_user", "p_view", "none", "outsider"]
READERS = {"owner", "admin", "p_admin", "p_user", "p_view"}
WORKERS = {"owner", "admin", "p_admin", "p_user"}

COMBOS = [
    *[(t, s) for t in ("regression", "classification_binary", "classification_multiclass",
                       "classification_multilabel", "clustering") for s in ("tabular", "text", "embedding", "image")],
    ("rag", "text"),
    ("object_detection", "image"),
    ("semantic_segmentation", "image"),
    ("ocr", "image"),
    ("timeseries", "tabular"),
]
"""Every task type × data structure the platform supports (PLATFORM.md §8.7)."""


def unique(prefix: str = "t") -> str:
    """A name no other test uses."""
    return f"{prefix}-{secrets.token_hex(4)}"


def task_body(project_id: str, task_type: str = "regression", structure: str = "tabular", **over: Any) -> dict:
    """A create_task body as v1 sends it (every key), with the settings the type needs."""
    body = {
        "project_id": project_id, "name": unique(), "tags": [], "task_type": task_type,
        "data_structure": structure, "cost_info": None, "optional_target": False,
        "text_language": "english" if structure == "text" else None,
        "positive_class": "yes" if task_type == "classification_binary" else None,
        "rag_contexts_separator": None, "llm_default_answer": None, "semantic_segmentation_target_type": None,
        "timeseries_frequency": None, "ocr_mode": None, "multi_turn": None,
    }
    body.update(over)
    return body


def new_task(wire: Wire, project_id: str, task_type: str = "regression", structure: str = "tabular",
             **over: Any) -> str:
    """Create a task and return its id."""
    return wire.ok("POST", "/task", json=task_body(project_id, task_type, structure, **over))


def model_body(task_id: str, **over: Any) -> dict:
    """A create_model body as v1 sends it."""
    body = {"task_id": task_id, "name": unique("m"), "version": "v1", "metric_name": None,
            "retraining_cost": 0.0, "preferred_suggestion_type": None, "resampled_dataset_size": None,
            "with_probabilistic_output": False}
    body.update(over)
    return body


def new_model(wire: Wire, task_id: str, **over: Any) -> str:
    """Create a model and return its id."""
    return wire.ok("POST", "/model", json=model_body(task_id, **over))


def column(name: str, role: str, data_type: str, **over: Any) -> dict:
    """A ColumnInfo as v1 sends it (every key)."""
    col = {"name": name, "role": role, "is_nullable": False, "data_type": data_type, "predicted_target": None,
           "possible_values": None, "model_id": None, "dims": None, "tol": 0, "classes_names": None,
           "subrole": None, "image_mode": None, "timeseries_mode": None}
    col.update(over)
    return col


def regression_schema(*extra: dict) -> list[dict]:
    """A valid tabular regression schema, plus *extra* columns."""
    return [column("id", "id", "string"), column("ts", "time_id", "float"), column("x", "input", "float"),
            column("y", "target", "float"), *extra]


def wire_of(team: Any, role: str) -> Wire:
    """The team member playing *role*."""
    return getattr(team, role)
