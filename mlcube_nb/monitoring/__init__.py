"""Pure monitoring algorithms: summaries, drift tests, sequential detectors, status machine, metrics.

Nothing here does I/O, logs, or keeps global state; randomness comes only from explicit seeds.
The server pipeline calls :func:`summarise_reference` once per reference and
:func:`analyse_batch` (or :func:`summarise_batch` + :func:`compare` for chunked batches) per
production batch; sequential detectors and :class:`StatusMachine` carry state across batches
and serialise it with ``to_dict`` / ``from_dict``.
"""

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
