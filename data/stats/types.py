"""Shared enums and small types for the statistics engine (``data.stats``).

Pure module: standard library only, so that every other ``data.stats`` module
(intervals, funnel, benchmark, spc) can import it cheaply.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["BenchmarkLabel", "Polarity", "TrendMarker", "coerce_polarity"]


class Polarity(StrEnum):
    """Which direction of an indicator is good.

    The values are the strings stored by the app (and by Fingertips' "polarity").

    >>> Polarity("lower_is_better") is Polarity.LOWER_IS_BETTER
    True
    """

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NO_JUDGEMENT = "no_judgement"


class BenchmarkLabel(StrEnum):
    """Fingertips comparison of an area against a benchmark (see ``data.stats.benchmark``)."""

    BETTER = "Better"
    SIMILAR = "Similar"
    WORSE = "Worse"
    HIGHER = "Higher"
    LOWER = "Lower"
    NOT_COMPARED = "Not compared"


class TrendMarker(StrEnum):
    """Direction of a Fingertips recent-trend marker, before polarity is applied."""

    INCREASING = "increasing"
    DECREASING = "decreasing"
    NO_CHANGE = "no_change"
    CANNOT_BE_CALCULATED = "cannot_be_calculated"


def coerce_polarity(value: Polarity | str) -> Polarity:
    """Return ``value`` as a :class:`Polarity`; raise ``StatsInputError`` if unknown.

    >>> coerce_polarity("higher_is_better")
    <Polarity.HIGHER_IS_BETTER: 'higher_is_better'>
    """
    from data.stats.errors import StatsInputError

    if isinstance(value, Polarity):
        return value
    try:
        return Polarity(str(value).strip().lower())
    except ValueError as exc:
        allowed = ", ".join(p.value for p in Polarity)
        raise StatsInputError(f"unknown polarity {value!r}; expected one of: {allowed}") from exc
