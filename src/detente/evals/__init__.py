"""Standardized safety evaluations (in progress): statistics shared by scorecards and gates."""

from detente.evals._stats import Z95, Rate, wilson

__all__ = ["Z95", "Rate", "wilson"]
