"""Pure monitoring algorithms: summaries, drift tests, sequential detectors, status machine, metrics.

Nothing here does I/O, logs, or keeps global state; randomness comes only from explicit seeds.
The server pipeline calls :func:`summarise_reference` once per reference and
:func:`analyse_batch` (or :func:`summarise_batch` + :func:`compare` for chunked batches) per
production batch; sequential detectors and :class:`StatusMachine` carry state across batches
and serialise it with ``to_dict`` / ``from_dict``.

The names below are imported on first use (PEP 562): a caller that needs only the status machine (the
server's services) does not load scipy and the drift tests.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._sequential import SequentialResult
    from .analysis import BatchAnalysis, FeatureResult, TargetResult, analyse_batch, compare
    from .batch import BatchSummary, summarise_batch
    from .bernoulli_cusum import BernoulliCusum
    from .categorical_summary import CategoricalSummary
    from .chi_square import chi_square_test
    from .cusum import NormalScoreCusum
    from .ddm import DDM
    from .ks import ks_test
    from .magnitudes import (
        Magnitudes,
        categorical_magnitudes,
        jensen_shannon,
        numeric_magnitudes,
        psi,
        wasserstein,
    )
    from .multiple_testing import adjust, bonferroni, holm
    from .numeric_summary import NumericSummary
    from .quanttree import QuantTreePartition, quanttree_test
    from .reference import ReferenceSummary, summarise_reference
    from .registry import REGISTRY, get_spec, specs_for
    from .registry_spec import DetectorSpec
    from .results import Level, TestResult, level_from_p_value
    from .status import StatusEvent, StatusMachine, severity_of

_MODULES = {
    "BatchAnalysis": "analysis",
    "BatchSummary": "batch",
    "BernoulliCusum": "bernoulli_cusum",
    "CategoricalSummary": "categorical_summary",
    "DDM": "ddm",
    "DetectorSpec": "registry_spec",
    "FeatureResult": "analysis",
    "Level": "results",
    "Magnitudes": "magnitudes",
    "NormalScoreCusum": "cusum",
    "NumericSummary": "numeric_summary",
    "QuantTreePartition": "quanttree",
    "REGISTRY": "registry",
    "ReferenceSummary": "reference",
    "SequentialResult": "_sequential",
    "StatusEvent": "status",
    "StatusMachine": "status",
    "TargetResult": "analysis",
    "TestResult": "results",
    "adjust": "multiple_testing",
    "analyse_batch": "analysis",
    "bonferroni": "multiple_testing",
    "categorical_magnitudes": "magnitudes",
    "chi_square_test": "chi_square",
    "compare": "analysis",
    "get_spec": "registry",
    "holm": "multiple_testing",
    "jensen_shannon": "magnitudes",
    "ks_test": "ks",
    "level_from_p_value": "results",
    "numeric_magnitudes": "magnitudes",
    "psi": "magnitudes",
    "quanttree_test": "quanttree",
    "severity_of": "status",
    "specs_for": "registry",
    "summarise_batch": "batch",
    "summarise_reference": "reference",
    "wasserstein": "magnitudes",
}

__all__ = [
    "DDM",
    "REGISTRY",
    "BatchAnalysis",
    "BatchSummary",
    "BernoulliCusum",
    "CategoricalSummary",
    "DetectorSpec",
    "FeatureResult",
    "Level",
    "Magnitudes",
    "NormalScoreCusum",
    "NumericSummary",
    "QuantTreePartition",
    "ReferenceSummary",
    "SequentialResult",
    "StatusEvent",
    "StatusMachine",
    "TargetResult",
    "TestResult",
    "adjust",
    "analyse_batch",
    "bonferroni",
    "categorical_magnitudes",
    "chi_square_test",
    "compare",
    "get_spec",
    "holm",
    "jensen_shannon",
    "ks_test",
    "level_from_p_value",
    "numeric_magnitudes",
    "psi",
    "quanttree_test",
    "severity_of",
    "specs_for",
    "summarise_batch",
    "summarise_reference",
    "wasserstein",
]



def __getattr__(name: str) -> Any:
    """Import the module that defines *name* on first use, and keep the name here."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
