"""Pearson chi-square test of homogeneity on categorical summaries.

The reference and the batch form the two rows of a 2 × K contingency table over the union of
their categories (so a category never seen in the reference counts as a change). Both rows
are samples, so the reference's own sampling noise is accounted for and the false-positive
rate stays at α even with a small reference; a goodness-of-fit test against the reference
proportions would not. The statistic equals ``scipy.stats.chi2_contingency(table,
correction=False)`` and ``scipy.stats.chisquare`` on the flattened table with the expected
counts of the margins and ``ddof = K``.

Categories whose expected count is below ``min_expected`` in either row are pooled into one
column (then that column joins the smallest remaining one if it is itself too small), the
usual condition for the chi-square approximation to hold.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._checks import check_positive
from .categorical_summary import CategoricalSummary
from .registry_spec import DetectorSpec
from .results import TestResult


def chi_square_test(
    reference: CategoricalSummary, batch: CategoricalSummary, *, min_expected: float = 5.0
) -> TestResult:
    """Test whether the batch's category proportions differ from the reference's.

    Parameters
    ----------
    reference, batch : CategoricalSummary
        Category counts of the reference and of the production batch.
    min_expected : float
        Pool categories with an expected count below this; 0 disables pooling.

    Examples
    --------
    >>> ref = CategoricalSummary(("a", "b"), np.array([500, 500]), 0)
    >>> batch = CategoricalSummary(("a", "b"), np.array([650, 350]), 0)
    >>> chi_square_test(ref, batch).p_value < 1e-6
    True
    """
    check_positive("min_expected", min_expected, allow_zero=True)
    n, m = reference.count, batch.count
    if m == 0 or n == 0:
        return TestResult("chi_square", float("nan"), float("nan"), n, m)
    _, ref, new = reference.aligned(batch)
    table = pool_sparse(np.vstack((ref, new)).astype(np.float64), min_expected)
    if table.shape[1] < 2:
        return TestResult("chi_square", 0.0, 1.0, n, m)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    statistic = float(np.sum((table - expected) ** 2 / expected))
    p_value = float(stats.chi2.sf(statistic, table.shape[1] - 1))
    return TestResult("chi_square", statistic, p_value, n, m)


def pool_sparse(table: np.ndarray, min_expected: float) -> np.ndarray:
    """Pool the columns of a 2 × K table whose expected count is below ``min_expected``.

    Empty columns are dropped first. Returns a table whose columns all meet the condition,
    or a single column when that is impossible.

    Examples
    --------
    >>> pool_sparse(np.array([[50.0, 40.0, 4.0, 3.0], [45.0, 50.0, 2.0, 4.0]]), 5.0).tolist()
    [[50.0, 40.0, 7.0], [45.0, 50.0, 6.0]]
    """
    table = table[:, table.sum(axis=0) > 0]
    if min_expected == 0 or table.shape[1] < 2:
        return table
    smallest_row_share = table.sum(axis=1).min() / table.sum()
    sparse = table.sum(axis=0) * smallest_row_share < min_expected
    if not sparse.any():
        return table
    dense = table[:, ~sparse]
    pooled = table[:, sparse].sum(axis=1, keepdims=True)
    if pooled.sum() * smallest_row_share < min_expected and dense.shape[1] > 0:
        smallest = int(np.argmin(dense.sum(axis=0)))
        pooled = pooled + dense[:, [smallest]]
        dense = np.delete(dense, smallest, axis=1)
    return np.hstack((dense, pooled))


SPEC = DetectorSpec(
    name="chi_square",
    kind="univariate",
    data_types=("categorical",),
    default_threshold=0.01,
    threshold_meaning="significance level alpha of the p-value",
    alpha_controlled=True,
    function=chi_square_test,
)
