"""Statistics shared across packages: Wilson score intervals and their comparison (the
scorecards), and Platt scaling of a classifier's scores (the judge's and the monitor's trained
models).

The Wilson interval (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it over the Wald
interval for small n and rates near 0 or 1) for k successes in n trials at confidence z:

    centre = (p + z²/2n) / (1 + z²/n),   half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)

with p = k/n. For n = 0 there is no information: the interval is [0, 1].

Platt scaling (Platt 1999) maps a raw score s to P = sigmoid(a·s + b), (a, b) fitted by
logistic regression of the labels on out-of-fold scores; it needs scikit-learn (the training
extras), imported only when called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import import_module
from typing import Any

__all__ = ["Z95", "Rate", "platt", "wilson"]

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # Clamp rounding noise: the exact interval always contains p and stays within [0, 1].
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


@dataclass(frozen=True)
class Rate:
    """k of n, with its Wilson 95% interval; ``errors`` counts samples that could not be
    scored (they are not in n, and are reported so a high error count is visible)."""

    k: int
    n: int
    errors: int = 0

    @property
    def rate(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.k, self.n)

    def overlaps(self, other: Rate) -> bool:
        lo, hi = self.interval
        olo, ohi = other.interval
        return lo <= ohi and olo <= hi

    def to_dict(self) -> dict[str, object]:
        lo, hi = self.interval
        return {
            "k": self.k,
            "n": self.n,
            "rate": self.rate,
            "ci95": [lo, hi],
            "errors": self.errors,
        }


def platt(scores: Any, labels: Any) -> tuple[float, float]:
    """(a, b) of Platt scaling for 1-D ``scores`` and 0/1 ``labels``, rounded to 6 places so
    an artifact that records them retrains bit for bit."""
    LogisticRegression = import_module("sklearn.linear_model").LogisticRegression
    clf = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    clf.fit(scores.reshape(-1, 1), labels)
    return round(float(clf.coef_[0][0]), 6), round(float(clf.intercept_[0]), 6)
