"""Image quality metrics monitored on image inputs (PLATFORM.md §8.3).

Images are numpy arrays ``H x W`` (grey) or ``H x W x C`` (RGB or RGBA; alpha is ignored).
Integer images are read as 0–255 (wider ones, e.g. uint16 with values above 255, are scaled
from their dtype's range); float
images are read as 0–1 when their maximum is at most 1, otherwise as 0–255. Every metric works
on the ITU-R BT.601 luma in 0–255.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from ._checks import check_positive_int

ContrastMethod = Literal["rms", "michelson", "histogram_spread", "histogram_flatness"]


def to_grey(image: Any) -> np.ndarray:
    """Luma of an image as float64 in 0–255.

    Examples
    --------
    >>> to_grey(np.full((2, 2, 3), 255, dtype=np.uint8)).tolist()
    [[255.0, 255.0], [255.0, 255.0]]
    """
    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise ValueError(f"an image must be H x W or H x W x 1/3/4, got shape {array.shape}.")
    if np.issubdtype(array.dtype, np.integer):
        scale = 1.0 if array.size == 0 or array.max() <= 255 else 255.0 / np.iinfo(array.dtype).max
    else:
        scale = 255.0 if np.nanmax(array) <= 1.0 else 1.0
    values = array.astype(np.float64) * scale
    if values.ndim == 2:
        return values
    if values.shape[2] == 1:
        return values[:, :, 0]
    return values[:, :, :3] @ np.array([0.299, 0.587, 0.114])


def image_brightness(image: Any) -> float:
    """Mean grey level, 0 (black) to 255 (white).

    Examples
    --------
    >>> image_brightness(np.array([[0, 255], [255, 0]], dtype=np.uint8))
    127.5
    """
    return float(to_grey(image).mean())


def image_contrast(image: Any, method: ContrastMethod = "rms") -> float:
    """Contrast by one of four methods.

    ``rms``: standard deviation of the grey levels; ``michelson``: ``(p90 - p10) / (p90 + p10)``
    of the grey levels; ``histogram_spread``: inter-quartile range of the grey levels over the
    full range 255; ``histogram_flatness``: geometric over arithmetic mean of the 256-bin
    histogram (1 = perfectly flat, 0 when some grey level is absent).

    Examples
    --------
    >>> image_contrast(np.array([[0, 255], [255, 0]], dtype=np.uint8))
    127.5
    """
    grey = to_grey(image)
    if method == "rms":
        return float(grey.std())
    if method == "michelson":
        low, high = np.percentile(grey, [10, 90])
        return float((high - low) / (high + low)) if high + low > 0 else 0.0
    if method == "histogram_spread":
        q1, q3 = np.percentile(grey, [25, 75])
        return float((q3 - q1) / 255.0)
    if method == "histogram_flatness":
        hist = np.bincount(np.clip(np.rint(grey), 0, 255).astype(np.int64).ravel(), minlength=256)
        if np.any(hist == 0):
            return 0.0
        return float(np.exp(np.mean(np.log(hist))) / np.mean(hist))
    raise ValueError(f"method must be rms, michelson, histogram_spread or histogram_flatness: {method!r}.")


def image_focus(image: Any) -> float:
    """Variance of the 4-neighbour Laplacian of the grey image: higher means sharper.

    Examples
    --------
    >>> image_focus(np.zeros((8, 8)))
    0.0
    """
    grey = to_grey(image)
    if min(grey.shape) < 3:
        raise ValueError("image_focus needs an image of at least 3 x 3 pixels.")
    centre = grey[1:-1, 1:-1]
    laplacian = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4.0 * centre
    return float(laplacian.var())


def image_blur(image: Any, *, window: int = 11) -> float:
    """Blur in 0 (sharp) to 1 (blurred) by re-blurring (Crété-Roffet et al., 2007).

    The image is blurred again along each axis with a ``window``-pixel box filter; a sharp image
    loses much of its neighbour-to-neighbour variation, an already blurred one little. The
    score is the largest, over the two axes, share of variation that survives re-blurring.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sharp = rng.integers(0, 256, size=(64, 64)).astype(np.uint8)
    >>> image_blur(sharp) < 0.3 < image_blur(np.tile(np.linspace(0, 255, 64), (64, 1)))
    True
    """
    check_positive_int("window", window, minimum=2)
    grey = to_grey(image)
    if min(grey.shape) < 2:
        raise ValueError("image_blur needs an image of at least 2 x 2 pixels.")
    return float(max(_blur_along(grey, axis, window) for axis in (0, 1)))


def _blur_along(grey: np.ndarray, axis: int, window: int) -> float:
    """Share of neighbour variation along ``axis`` that survives a box blur along it."""
    kernel = np.ones(window) / window
    before, after = window // 2, window - 1 - window // 2
    blurred = np.apply_along_axis(
        lambda v: np.convolve(np.pad(v, (before, after), mode="edge"), kernel, mode="valid"), axis, grey
    )
    d_original = np.abs(np.diff(grey, axis=axis))
    d_blurred = np.abs(np.diff(blurred, axis=axis))
    lost = np.maximum(0.0, d_original - d_blurred)
    total = d_original.sum()
    return float((total - lost.sum()) / total) if total > 0 else 1.0


FILE_NAME = "file_name"
"""Column of an image task's mapping table that names each sample's image file."""
IMAGE_METRICS: dict[str, Callable[[Any], float]] = {
    "image_brightness": image_brightness, "image_contrast": image_contrast,
    "image_focus": image_focus, "image_blur": image_blur,
}
"""Every image quality metric the platform monitors, by its wire name."""


def metric_column(metric: str) -> str:
    """The derived column holding one image metric."""
    return f"image::{metric}"
