"""Image quality metrics of stored image batches: the per-sample columns the image monitoring metrics test.

Image batches are stored as an archive (zip or tar, category ``input_images``) plus a mapping table whose
``file_name`` column names each sample's image. This reads the archives once, decodes every image the
frame names (Pillow) and adds one float column per metric; an image that cannot be decoded gets NaN.
"""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlcube_nb.monitoring.image_metrics import FILE_NAME, IMAGE_METRICS, metric_column

if TYPE_CHECKING:
    from mlcube_nb.server.pipelines.base import DataView


def _members(handle: Any, fmt: str) -> Iterator[tuple[str, bytes]]:
    """(bare file name, bytes) of every file in an archive."""
    if fmt == "zip":
        with zipfile.ZipFile(handle) as archive:
            for name in archive.namelist():
                if not name.endswith("/"):
                    yield os.path.basename(name), archive.read(name)
    else:
        with tarfile.open(fileobj=handle) as archive:
            for member in archive.getmembers():
                extracted = archive.extractfile(member) if member.isfile() else None
                if extracted is not None:
                    yield os.path.basename(member.name), extracted.read()


def _measure(blob: bytes) -> list[float]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(blob)) as image:
            pixels = np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError):
        return [float("nan")] * len(IMAGE_METRICS)
    return [float(fn(pixels)) for fn in IMAGE_METRICS.values()]


def add_image_metrics(frame: pd.DataFrame, data: DataView, category: str = "input_images") -> pd.DataFrame:
    """A copy of *frame* with one column per image metric, for the images its ``file_name`` column names."""
    out = frame.copy()
    values = np.full((len(frame), len(IMAGE_METRICS)), np.nan)
    if FILE_NAME in frame.columns and len(frame):
        wanted = {str(name): i for i, name in enumerate(frame[FILE_NAME].tolist())}
        for spec in data.spec["files"]:
            if spec["category"] != category:
                continue
            with data.storage.open(spec["path"]) as handle:
                for name, blob in _members(handle, spec.get("format", "tar")):
                    row = wanted.get(name)
                    if row is not None:
                        values[row] = _measure(blob)
    for j, metric in enumerate(IMAGE_METRICS):
        out[metric_column(metric)] = values[:, j]
    return out
