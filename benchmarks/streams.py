"""Autocorrelated, seasonal but stationary streams for the drift benchmarks (issue 12).

Numeric columns: a stationary AR(1) with ``phi = 0.95`` (unit marginal variance) plus a daily
cycle of 24 rows with amplitude 1, then scaled and shifted per column like ``make_frame``'s
columns. Categorical columns: a sticky regime (the level is redrawn every 50 rows on average)
with the same level probabilities as ``make_frame``. Error streams: 0/1 errors at rate ``p``
obtained by thresholding a latent AR(1), so errors come in bursts whatever ``p`` is. Volatility
streams: columns sharing one factor and one persistent log-volatility, as daily stock returns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import signal

PHI, PERIOD = 0.95, 24


def ar_cycle(n: int, rng: np.random.Generator, phi: float = PHI, period: int = PERIOD) -> np.ndarray:
    """Stationary AR(1) (unit variance, started in its stationary law) plus a sine of the given period."""
    noise = rng.normal(size=n) * np.sqrt(1 - phi**2)
    noise[0] = rng.normal()
    x = signal.lfilter([1.0], [1.0, -phi], noise)
    return x + (np.sin(2 * np.pi * (np.arange(n) + rng.integers(period)) / period) if period else 0.0)


def ar_frame(n: int, rng: np.random.Generator, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """One contiguous stream of ``n`` rows with the benchmark's 25 columns."""
    data: dict[str, np.ndarray] = {}
    for i, name in enumerate(numeric):
        data[name] = i + (1.0 + i / 10) * ar_cycle(n, rng)
    for j, name in enumerate(categorical):
        levels = np.array([f"level_{k}" for k in range(3 + 2 * j)])
        probabilities = np.random.default_rng(j).dirichlet(np.ones(levels.size) * 3)
        switches = np.cumsum(rng.random(n) < 1 / 50)
        data[name] = rng.choice(levels, switches[-1] + 1, p=probabilities)[switches]
    return pd.DataFrame(data)


def bursty_errors(n: int, rate: np.ndarray | float, rng: np.random.Generator, phi: float = 0.9) -> np.ndarray:
    """0/1 errors whose rate is ``rate`` (scalar or per position), in bursts: a thresholded latent AR(1)."""
    from scipy import stats

    latent = ar_cycle(n, rng, phi=phi, period=0)
    return (latent > stats.norm.isf(np.broadcast_to(rate, (n,)))).astype(int)


def volatility_frame(n: int, rng: np.random.Generator, columns: int = 10, phi: float = 0.97,
                     log_sd: float = 0.35, share: float = 0.5) -> pd.DataFrame:
    """Stationary returns-like columns: Student-t(5) noise and one common factor, all scaled by ``exp(h_t)``.

    ``h`` is a stationary AR(1) (``phi`` per row, marginal sd ``log_sd``) shared by every column, so
    volatility comes in clusters that last ``1 / (1 - phi)`` rows on average and hits all columns at once.
    """
    h = ar_cycle(n, rng, phi=phi, period=0) * log_sd
    factor = rng.standard_t(5, n)
    noise = rng.standard_t(5, (n, columns))
    values = np.exp(h)[:, None] * (share * factor[:, None] + np.sqrt(1 - share**2) * noise)
    return pd.DataFrame(values, columns=[f"s{i}" for i in range(columns)])
