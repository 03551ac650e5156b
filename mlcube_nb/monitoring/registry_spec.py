"""The frozen description every test and detector module publishes as its ``SPEC``.

Kept apart from :mod:`.registry` so the algorithm modules can import it without importing
each other (the registry imports all of them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["univariate", "multivariate", "sequential"]
DATA_TYPES = ("numeric", "categorical", "mixed", "binary_error", "real_error")


@dataclass(frozen=True)
class DetectorSpec:
    """Name, scope and default threshold of one registered test or detector.

    Attributes
    ----------
    name : str
        Registry key, unique.
    kind : {"univariate", "multivariate", "sequential"}
        Univariate and multivariate tests compare a reference with a batch and return a
        :class:`~mlcube_nb.monitoring.results.TestResult`; sequential detectors are classes
        updated with a stream of per-sample errors.
    data_types : tuple of str
        Data the method applies to, among ``numeric``, ``categorical``, ``mixed`` (rows mixing
        both), ``binary_error`` (0/1 misclassification flags) and ``real_error`` (regression
        errors).
    default_threshold : float
        Default value of the method's threshold parameter (see ``threshold_meaning``).
    threshold_meaning : str
        What ``default_threshold`` is, in one phrase.
    alpha_controlled : bool
        True when the false-positive (false-alarm) probability is bounded by ``alpha`` by
        construction or calibration; the contract test checks it on stationary data.
    function : callable
        The test function, or the detector class.
    """

    name: str
    kind: Kind
    data_types: tuple[str, ...]
    default_threshold: float
    threshold_meaning: str
    alpha_controlled: bool
    function: Callable[..., Any]

    def __post_init__(self) -> None:
        unknown = set(self.data_types) - set(DATA_TYPES)
        if unknown:
            raise ValueError(f"unknown data types {sorted(unknown)}; expected some of {DATA_TYPES}.")
        if not self.name.isidentifier():
            raise ValueError(f"a detector name must be an identifier, got {self.name!r}.")
