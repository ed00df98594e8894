"""Controls of the SPC chart: where its limits are recalculated (rebase points) and its baseline period.

Both live in the session only (per KPI and area), not in the URL: the rebase points are a list of dates, and the
URL carries only the whitelisted filter codes. The default rebase points are passed in (the go-lives that
``data.analysis.known_change_rebase`` found); a suggestion button adds one more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components.state import SPC_BASELINE_KEY, SPC_REBASE_KEY
from data.stats.spc import RebaseSuggestion

#: Baseline choices: all points of each segment (plotthedots' default) or the first N (12 or more, as it requires).
BASELINE_CHOICES: tuple[int | None, ...] = (None, 12, 15, 18, 20, 24)


@dataclass(frozen=True)
class SpcChoice:
    """What the user chose: rebase points (ISO dates, ascending) and the baseline length (None = whole segment)."""

    rebase: tuple[str, ...]
    fix_after_n_points: int | None


def _keys(scope: str) -> tuple[str, str]:
    return f"{SPC_REBASE_KEY}_{scope}", f"{SPC_BASELINE_KEY}_{scope}"


def _add_rebase(key: str, when: str) -> None:
    """Button callback: add a rebase point to the multiselect's value (runs before the rerun)."""
    st.session_state[key] = sorted({*st.session_state.get(key, []), when})


def _baseline_label(n: int | None) -> str:
    return "All points of each segment" if n is None else f"First {n} points of each segment"


def spc_rebase_control(options: dict[str, str], default: Sequence[str], scope: str) -> SpcChoice:
    """Rebase points (from ``options``: ISO date → label, milestones named) and the baseline, in an expander.

    ``default``: the points chosen until the user changes them (known go-lives with a sustained shift);
    ``scope``: identifies the KPI and area, so each chart keeps its own choice.
    """
    rebase_key, baseline_key = _keys(scope)
    if rebase_key not in st.session_state:
        st.session_state[rebase_key] = [d for d in default if d in options]
    with st.expander("Recalculate limits (rebase) and baseline"):
        st.multiselect(
            "Recalculate the limits from",
            options=list(options),
            format_func=lambda iso: options.get(iso, iso),
            key=rebase_key,
            help="Each chosen period starts a new segment with its own mean and process limits. Making Data Count "
            "advises rebasing only at a sustained change whose cause is known, such as a go-live.",
        )
        fix = st.selectbox(
            "Baseline",
            options=BASELINE_CHOICES,
            format_func=_baseline_label,
            key=baseline_key,
            help="Limits from the first N points of each segment only; later points are judged against them.",
        )
    chosen = tuple(sorted(d for d in st.session_state[rebase_key] if d in options))
    return SpcChoice(chosen, fix)


def rebase_caption(options: dict[str, str], chosen: Sequence[str]) -> None:
    """Say where the limits were recalculated (or that one set of limits covers every point)."""
    if chosen:
        where = "; ".join(options.get(d, d) for d in chosen)
        text = f"Limits recalculated from {where}. Each segment has its own mean and limits."
        st.caption(f":material/restart_alt: {text}")
    else:
        st.caption(":material/horizontal_rule: One set of limits over every point (no rebase).")


def rebase_suggestion(suggestions: Sequence[RebaseSuggestion], chosen: Sequence[str], scope: str) -> None:
    """Offer the latest run of the shift rule's length in the current segment, with a button that rebases there.

    Runs in earlier segments describe processes the chart has already moved on from, so they are not offered.
    """
    current = len(chosen)  # rebase groups count the rebase points (all chosen points are periods of the data)
    open_runs = [s for s in suggestions if s.rebase_group == current]
    if not open_runs:
        return
    latest = open_runs[-1]
    when = pd.Timestamp(latest.x)
    iso = when.date().isoformat()
    left, right = st.columns([4, 1])
    left.info(latest.sentence(when.strftime("%b %Y")), icon=":material/lightbulb:")
    right.button(
        f"Rebase at {when:%b %Y}",
        key=f"{_keys(scope)[0]}_suggest",
        on_click=_add_rebase,
        args=(_keys(scope)[0], iso),
        help="Adds this period to the rebase points. Rebase only if the cause of the change is known.",
    )


def area_borough(level: str, code: str, pcns: pd.DataFrame) -> str | None:
    """The borough whose milestones apply to an area: itself, a PCN's borough, or None for the whole system."""
    if level == "borough":
        return code
    if level == "pcn":
        match = pcns.loc[pcns["code"] == code, "borough_code"]
        return str(match.iloc[0]) if len(match) else None
    return None
