"""Parameter checks shared by the monitoring algorithms.

Every public class validates its parameters in ``__init__`` through these helpers, so a
wrong value fails at construction with one sentence that says what is wrong and what is
expected, instead of producing a silent wrong answer later.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def check_probability(name: str, value: float, *, open_interval: bool = True) -> float:
    """Return ``value`` as a float after checking it lies in (0, 1) (or [0, 1])."""
    value = float(value)
    if open_interval and not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}.")
    if not open_interval and not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie between 0 and 1, got {value!r}.")
    return value


def check_positive_int(name: str, value: int, *, minimum: int = 1) -> int:
    """Return ``value`` after checking it is an integer not smaller than ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is positive (or non-negative) and finite."""
    value = float(value)
    if not np.isfinite(value) or value < 0.0 or (value == 0.0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a finite {bound} number, got {value!r}.")
    return value


def check_increasing(name: str, values: Sequence[float]) -> tuple[float, ...]:
    """Return ``values`` as a tuple after checking it is strictly increasing and non-empty."""
    out = tuple(float(v) for v in values)
    if not out or any(b <= a for a, b in zip(out, out[1:], strict=False)):
        raise ValueError(f"{name} must be a non-empty strictly increasing sequence, got {out!r}.")
    return out


def check_levels(alpha: float, alpha_warning: float) -> tuple[float, float]:
    """Check a drift level ``alpha`` and a warning level ``alpha_warning >= alpha``."""
    alpha = check_probability("alpha", alpha)
    alpha_warning = check_probability("alpha_warning", alpha_warning)
    if alpha_warning < alpha:
        raise ValueError(
            f"alpha_warning ({alpha_warning}) must not be smaller than alpha ({alpha}): "
            "the warning level fires before the drift level."
        )
    return alpha, alpha_warning


def as_1d_float(name: str, values: object) -> np.ndarray:
    """Return ``values`` as a 1-D float64 array, raising if it has another shape."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}.")
    return array
