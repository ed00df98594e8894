"""Small-number suppression: the one step every KPI frame passes through before a chart, table, tooltip, map or
export sees it.

Counts of people from 1 to ``SMALL_NUMBER_MAX`` (default 7, following NHS Digital / ONS disclosure control for small
cells) are blanked, and so is everything derived from them (the value, its confidence interval, a funnel point's
position), because a rate and its denominator give the count back. Zero is not disclosive and stays. A
``suppression`` column says why a row was blanked; a frame that has been through the step keeps its flags when it
goes through again (the step is idempotent), so a table built from a suppressed frame cannot un-suppress a row.

Which columns count people: the numerator always; the denominator for proportions (a register, respondents or
referrals: people); for counts the value itself. Rates' person-time or bed-years and standardised ratios' expected
counts are not counts of people. KPIs that count organisations (``counts_people`` false) are never suppressed.

Pure: pandas only, no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

FLAG = "suppression"
SUPPRESSED = "suppressed"
DERIVED = ("value", "lower", "upper", "lower_ci", "upper_ci")


@dataclass(frozen=True)
class Rule:
    """How to suppress one KPI's rows: counts from 1 to ``maximum`` in ``counts`` blank ``counts`` and ``derived``.

    ``maximum`` 0 suppresses nothing (a KPI that counts organisations, or the setting turned off).
    """

    maximum: int
    counts: tuple[str, ...] = ("numerator",)
    derived: tuple[str, ...] = DERIVED

    @property
    def reason(self) -> str:
        """The flag text of a suppressed row."""
        return f"{SUPPRESSED}: a count between 1 and {self.maximum}"

    def deriving(self, *columns: str) -> Rule:
        """The same rule blanking ``columns`` too (e.g. a funnel point's ``x`` and its label)."""
        return Rule(self.maximum, self.counts, (*self.derived, *(c for c in columns if c not in self.derived)))


def rule_for(value_type: str, counts_people: bool, maximum: int) -> Rule:
    """The rule for a KPI of ``value_type`` (see the module docstring for which columns count people)."""
    if not counts_people or maximum <= 0:
        return Rule(0)
    counts = {"proportion": ("numerator", "denominator"), "count": ("numerator", "value")}
    return Rule(maximum, counts.get(str(value_type), ("numerator",)))


def is_suppressed(frame: pd.DataFrame) -> pd.Series:
    """True for the rows the step has blanked (False everywhere for a frame that never went through it)."""
    if FLAG not in frame:
        return pd.Series(False, index=frame.index)
    return frame[FLAG].fillna("").astype(str).str.startswith(SUPPRESSED)


def suppress(
    frame: pd.DataFrame, rule: Rule, *, counts: pd.DataFrame | None = None, on: str = "area_code"
) -> pd.DataFrame:
    """A copy of ``frame`` with small counts and what derives from them blanked, and the ``suppression`` flag.

    ``counts``: where ``frame`` does not hold the counts itself (a funnel's points, an outlier list), the rows they
    were computed from, keyed by ``on``; their count columns decide, and are not added to the result.
    """
    out = frame.copy()
    small = is_suppressed(out)
    if rule.maximum > 0:
        source = out
        if counts is not None:
            keep = [c for c in rule.counts if c in counts]
            source = out[[on]].merge(counts[[on, *keep]].drop_duplicates(on), on=on, how="left")
            source.index = out.index
        for column in (c for c in rule.counts if c in source):
            small |= pd.to_numeric(source[column], errors="coerce").between(1, rule.maximum).to_numpy()
    blank = [c for c in dict.fromkeys((*rule.counts, *rule.derived)) if c in out.columns]
    for column in blank:
        kept = out[column].where(~small)
        out[column] = kept if pd.api.types.is_float_dtype(kept) else kept.astype(object).where(~small, None)
    previous = out[FLAG].fillna("").astype(str) if FLAG in out else pd.Series("", index=out.index)
    out[FLAG] = previous.where(previous.str.startswith(SUPPRESSED), "").mask(small & (previous == ""), rule.reason)
    return out


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that may be drawn as marks (a suppressed point is not plotted, not even at an empty position)."""
    return frame[~is_suppressed(frame)]


def suppress_kpis(frame: pd.DataFrame, catalogue: pd.DataFrame, maximum: int) -> pd.DataFrame:
    """Suppress a frame of several KPIs (column ``kpi_code``), each by its own rule from ``catalogue``.

    The step works row by row, so the KPIs that share a rule are suppressed together: a few calls instead of one
    per KPI (a third of a register's cost, issue 14), with the same result.
    """
    if frame.empty:
        return suppress(frame, Rule(0))
    rules = {
        row.kpi_code: rule_for(row.value_type, bool(row.counts_people), maximum)
        for row in catalogue[["kpi_code", "value_type", "counts_people"]].itertuples(index=False)
    }
    positional = frame.set_axis(pd.RangeIndex(len(frame)))
    rule_of = positional["kpi_code"].map(lambda code: rules.get(code, Rule(maximum)))
    parts = [suppress(positional[rule_of == rule], rule) for rule in dict.fromkeys(rule_of)]
    return pd.concat(parts).sort_index().set_axis(frame.index)


def suppressed_note(frame: pd.DataFrame, noun: str = "periods") -> str:
    """``"12 of 96 periods suppressed (a count between 1 and 7)."``, or "" when nothing is."""
    n = int(is_suppressed(frame).sum())
    if not n:
        return ""
    reason = frame.loc[is_suppressed(frame), FLAG].iloc[0].removeprefix(f"{SUPPRESSED}: ")
    return f"{n} of {len(frame)} {noun} suppressed ({reason}), so not shown."
