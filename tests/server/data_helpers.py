"""Helpers of the data-plane tests: a company with a tabular task, frames, and what is stored (DB and disk)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from mlcube_nb import ML3PlatformClient
from mlcube_nb.enums import DataStructure, ModelMetricName, StoragePolicy, TaskType
from mlcube_nb.models import ColumnInfo, DataFrameDataSource, DataSchema, TabularData
from mlcube_nb.server.db.engine import make_session_factory
from mlcube_nb.server.db.tables import BatchFileRow, BatchRow, JobRow, UploadRow
from tests.conftest import Platform

CATEGORIES = ["a", "b", "c"]


def column(name: str, role: str, data_type: str, **extra: Any) -> ColumnInfo:
    return ColumnInfo(name=name, role=role, is_nullable=extra.pop("is_nullable", False), data_type=data_type,
                      **extra)


def regression_columns() -> list[ColumnInfo]:
    """id, ts, two numeric inputs, one categorical input, a float target."""
    return [column("id", "id", "string"), column("ts", "time_id", "float"), column("x1", "input", "float"),
            column("x2", "input", "float", is_nullable=True),
            column("color", "input", "categorical", possible_values=CATEGORIES), column("y", "target", "float")]


def frame(n: int = 50, start: float = 0.0, prefix: str = "s", seed: int = 0) -> pd.DataFrame:
    """Rows matching :func:`regression_columns` (inputs and target)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "id": [f"{prefix}{i}" for i in range(n)], "ts": start + np.arange(n, dtype=float),
        "x1": rng.normal(size=n), "x2": rng.normal(size=n), "color": np.asarray(CATEGORIES)[rng.integers(0, 3, n)],
        "y": rng.normal(size=n),
    })


def inputs_of(df: pd.DataFrame) -> pd.DataFrame:
    return df[["id", "ts", "x1", "x2", "color"]]


def target_of(df: pd.DataFrame) -> pd.DataFrame:
    return df[["id", "ts", "y"]]


def tabular(df: pd.DataFrame) -> TabularData:
    return TabularData(source=DataFrameDataSource(dataframe=df))


@dataclass
class Ctx:
    """A fresh company with a project, a regression task with its schema, and a model."""

    platform: Platform
    client: ML3PlatformClient
    api_key: str
    project_id: str
    task_id: str
    model_id: str
    prediction: str  # the model's prediction column

    @property
    def engine(self) -> Any:
        return self.platform.handle.engine

    def new_task(self, columns: list[ColumnInfo] | None = None, task_type: TaskType = TaskType.REGRESSION,
                 structure: DataStructure = DataStructure.TABULAR, **extra: Any) -> str:
        task_id = self.client.create_task(project_id=self.project_id, name=f"t-{secrets.token_hex(3)}", tags=[],
                                          task_type=task_type, data_structure=structure, **extra)
        self.client.add_data_schema(task_id, DataSchema(columns=columns or regression_columns()))
        return task_id

    def predictions(self, df: pd.DataFrame, value: float = 0.5) -> pd.DataFrame:
        out = df[["id", "ts"]].copy()
        out[self.prediction] = value
        return out

    # --- what is stored -----------------------------------------------------------------------------

    def count(self, table: Any, **where: Any) -> int:
        with make_session_factory(self.engine)() as session:
            query = select(func.count()).select_from(table)
            for key, value in where.items():
                query = query.where(getattr(table, key) == value)
            return int(session.scalar(query) or 0)

    def stored(self, task_id: str | None = None) -> dict[str, int]:
        """Batches, files and jobs of the task, upload slots of the company's user, files on disk."""
        task_id = task_id or self.task_id
        return {"batches": self.count(BatchRow, task_id=task_id), "files": self.count(BatchFileRow, task_id=task_id),
                "jobs": self.count(JobRow, task_id=task_id), "uploads": self.count(UploadRow, task_id=task_id),
                "disk": len(files_under(self.storage_root / "tasks" / task_id)),
                "staged": len(staged_files_of(self, task_id))}

    @property
    def storage_root(self) -> Path:
        return Path(self.platform.handle.settings.resolved_storage_url)

    def paths(self, task_id: str | None = None, category: str | None = None) -> list[str]:
        """Stored files of the task as the catalogue records them (of one category when given)."""
        query = select(BatchFileRow.path).where(BatchFileRow.task_id == (task_id or self.task_id))
        if category is not None:
            query = query.where(BatchFileRow.category == category)
        with make_session_factory(self.engine)() as session:
            return list(session.scalars(query))

    def categories(self, task_id: str | None = None) -> list[str]:
        """The category of each stored file of the task (a path says where, not what: uploads stay in place)."""
        with make_session_factory(self.engine)() as session:
            return list(session.scalars(select(BatchFileRow.category)
                                        .where(BatchFileRow.task_id == (task_id or self.task_id))))


def files_under(folder: Path) -> list[Path]:
    return [Path(root) / name for root, _, names in os.walk(folder) for name in names] if folder.exists() else []


def staged_files_of(ctx: Ctx, task_id: str) -> list[str]:
    with make_session_factory(ctx.engine)() as session:
        return [p for p in session.scalars(select(UploadRow.staged_path).where(UploadRow.task_id == task_id)) if p]


def make_ctx(platform: Platform) -> Ctx:
    _, key = platform.new_user("data")
    client = ML3PlatformClient(platform.url, key, timeout=60)
    client.create_company(name="Data Co", address="1 Road", vat="IT1")
    project_id = client.create_project(name=f"p-{secrets.token_hex(3)}", description=None,
                                       default_storage_policy=StoragePolicy.MLCUBE)
    task_id = client.create_task(project_id=project_id, name="regression", tags=[], task_type=TaskType.REGRESSION,
                                 data_structure=DataStructure.TABULAR)
    client.add_data_schema(task_id, DataSchema(columns=regression_columns()))
    model_id = client.create_model(task_id=task_id, name="m", version="v1", with_probabilistic_output=False,
                                   metric_name=ModelMetricName.RMSE)
    return Ctx(platform, client, key, project_id, task_id, model_id, "m@v1")

