"""Named exceptions of the statistics engine (``data.stats``).

Every error raised deliberately by ``data.stats`` is a :class:`StatsInputError`
(a :class:`ValueError`), so callers can catch one class; subclasses say what was wrong.
"""

from __future__ import annotations

__all__ = [
    "InsufficientDataError",
    "InvalidConfidenceError",
    "StatsInputError",
]


class StatsInputError(ValueError):
    """Inputs to a statistics function are invalid (bad shape, negative counts, numerator > denominator...)."""


class InvalidConfidenceError(StatsInputError):
    """A confidence level is not a fraction strictly between 0 and 1 (or a supported percentage)."""


class InsufficientDataError(StatsInputError):
    """Too few usable units/points for the requested method (e.g. a funnel plot with fewer than two units)."""
