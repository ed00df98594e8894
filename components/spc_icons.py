"""Making Data Count variation and assurance icons, drawn as words with a Material icon (never colour alone)."""

from __future__ import annotations

import streamlit as st

from data.stats.spc import AssuranceIcon, SpcSummary, VariationIcon

VARIATION_TEXT: dict[VariationIcon, tuple[str, str]] = {
    VariationIcon.COMMON_CAUSE: (":material/horizontal_rule:", "Common cause: no significant change"),
    VariationIcon.IMPROVEMENT_HIGH: (":material/trending_up:", "Special cause improvement (higher)"),
    VariationIcon.IMPROVEMENT_LOW: (":material/trending_down:", "Special cause improvement (lower)"),
    VariationIcon.CONCERN_HIGH: (":material/trending_up:", "Special cause concern (higher)"),
    VariationIcon.CONCERN_LOW: (":material/trending_down:", "Special cause concern (lower)"),
    VariationIcon.NEUTRAL_HIGH: (":material/trending_up:", "Special cause, neither improvement nor concern (higher)"),
    VariationIcon.NEUTRAL_LOW: (":material/trending_down:", "Special cause, neither improvement nor concern (lower)"),
}
ASSURANCE_TEXT: dict[AssuranceIcon, tuple[str, str]] = {
    AssuranceIcon.CONSISTENT_PASS: (":material/verified:", "Consistently passing the target"),
    AssuranceIcon.CONSISTENT_FAIL: (":material/error:", "Consistently failing the target"),
    AssuranceIcon.INCONSISTENT: (":material/swap_vert:", "Hit and miss: the target lies within the process limits"),
}


def variation_words(summary: SpcSummary) -> str:
    """The variation icon in words."""
    if summary.variation_icon is None:
        return "Variation: not enough data"
    icon, text = VARIATION_TEXT[summary.variation_icon]
    return f"{icon} Variation: {text}"


def assurance_words(summary: SpcSummary) -> str:
    """The assurance icon in words."""
    if summary.assurance_icon is None:
        return "Assurance: no target, or no judgement for this KPI"
    icon, text = ASSURANCE_TEXT[summary.assurance_icon]
    return f"{icon} Assurance: {text}"


def spc_icons(summary: SpcSummary) -> None:
    """Both icons side by side, then any method warnings."""
    left, right = st.columns(2)
    left.markdown(f"**{variation_words(summary)}**")
    right.markdown(f"**{assurance_words(summary)}**")
    for warning in summary.warnings:
        st.caption(f":material/info: {warning}")
