"""Target feasibility: the growth a target needs, the forecast's chance of it, and how often it happened.

"Can exports triple in five years?" has three answers here: the required compound
annual growth rate; the probability the calibrated forecast gives to reaching the level
at the horizon; and the base rate, the share of flows of similar size in the loaded
data that grew at least that fast over a window of the same length (or the longest
the data allows, compared by annual rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["BaseRate", "base_rate", "needed_path", "required_cagr"]


def required_cagr(multiple: float, years: float, /) -> float:
    """Compound annual growth rate that multiplies a value by ``multiple`` in ``years``.

    >>> round(100 * required_cagr(3, 5), 1)
    24.6
    """
    if multiple <= 0 or years <= 0:
        raise ValueError("multiple and years must be positive")
    return multiple ** (1 / years) - 1


def needed_path(base: float, cagr: float, years: int, /) -> list[float]:
    """Values on the required path: base x (1 + cagr)^t for t = 0..years."""
    return [base * (1 + cagr) ** t for t in range(years + 1)]


@dataclass
class BaseRate:
    """How often flows of similar size grew at least as fast as required."""

    flows: int
    reached: int
    window: int
    low: float
    high: float
    what: str

    @property
    def share(self) -> float:
        """reached / flows (NaN when no flow qualifies)."""
        return self.reached / self.flows if self.flows else math.nan


def base_rate(panel: pd.DataFrame, /, *, base_value: float, cagr: float, years: int, band: float = 2.0,
              what: str = "flows") -> BaseRate:
    """Share of flows starting within a factor ``band`` of ``base_value`` whose CAGR reached ``cagr``.

    ``panel`` has one row per flow and one column per consecutive period (zeros where no trade).
    Every start period with a window of ``years`` periods (or the longest the panel allows)
    counts as one case; growth is compared as an annual rate.
    """
    values = panel.to_numpy(dtype=float)
    n = values.shape[1]
    window = min(years, n - 1)
    if window < 1:
        return BaseRate(0, 0, 0, base_value / band, base_value * band, what)
    low, high = base_value / band, base_value * band
    cases = reached = 0
    for s in range(n - window):
        start, end = values[:, s], values[:, s + window]
        ok = (start >= low) & (start <= high)
        cases += int(ok.sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = (end[ok] / start[ok]) ** (1 / window) - 1
        reached += int(np.sum(growth >= cagr - 1e-12))
    return BaseRate(cases, reached, window, low, high, what)
