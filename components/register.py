"""Renders the benefits register and its status summary; takes the register frame, opens no database."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data.status import STATUS_ICONS, Status
from models import Polarity

_DISPLAY_COLUMNS = {
    "initiative": "Initiative",
    "kpi": "KPI",
    "status_label": "Status",
    "baseline": "Baseline",
    "latest_value": "Latest",
    "plan_value": "Plan",
    "target_value": "Target",
    "target_date": "Target date",
    "unit": "Unit",
    "data_date": "Data to",
    "validation_date": "Validation",
    "note": "Note",
}


def status_label(status: str) -> str:
    """Icon and word together, so status never relies on colour alone."""
    return f"{STATUS_ICONS[Status(status)]} {status}"


def register_table(register: pd.DataFrame) -> pd.DataFrame:
    """One workstream's rows as shown: human column names, status with its icon, values rounded for reading."""
    shown = register.assign(status_label=register["status"].map(status_label))
    for column in ("baseline", "latest_value", "plan_value", "target_value"):
        shown[column] = shown[column].astype(float).round(1)
    return shown[list(_DISPLAY_COLUMNS)].rename(columns=_DISPLAY_COLUMNS)


def status_summary(register: pd.DataFrame) -> None:
    """One metric per delivery status (counts), in a row."""
    counts = register["status"].value_counts()
    columns = st.columns(4)
    for column, status in zip(
        columns, (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA), strict=True
    ):
        column.metric(status_label(status.value), int(counts.get(status.value, 0)))


def render_register(register: pd.DataFrame) -> None:
    """The register grouped by workstream: a heading, then one row per KPI (initiative, status, values)."""
    for workstream, rows in register.groupby("workstream", sort=False):
        st.markdown(f"##### {workstream}")
        st.dataframe(
            register_table(rows),
            hide_index=True,
            width="stretch",
            column_config={
                "KPI": st.column_config.TextColumn(width="large"),
                "Status": st.column_config.TextColumn(width="small"),
                "Target date": st.column_config.DateColumn(format="MMM YYYY"),
                "Data to": st.column_config.DateColumn(format="D MMM YYYY"),
                "Validation": st.column_config.DateColumn(format="MMM YYYY"),
            },
        )


def _delta_colour(polarity: str) -> str:
    """Green for movement in the better direction: Streamlit's "normal" when higher is better."""
    return {Polarity.HIGHER_IS_BETTER.value: "normal", Polarity.LOWER_IS_BETTER.value: "inverse"}.get(polarity, "off")


def kpi_card_grid(cards: pd.DataFrame, columns: int = 3) -> None:
    """A card per KPI: latest value, change against plan (coloured by direction of improvement), status with
    its icon, sparkline of recent values and the data date."""
    grid = st.columns(columns)
    for i, card in enumerate(cards.itertuples(index=False)):
        with grid[i % columns]:
            delta = None if pd.isna(card.delta) else f"{card.delta:+.1f} vs plan"
            st.metric(
                f"{card.kpi}",
                f"{card.latest_value:,.1f}{'%' if str(card.unit).startswith('%') else ''}",
                delta=delta,
                delta_color=_delta_colour(card.polarity),
                chart_data=card.spark or None,
                border=True,
                help=(
                    f"{card.unit}. {status_label(card.status)}. Data to {card.data_date:%d %b %Y}. "
                    f"Plan {card.plan_value:,.1f}. {getattr(card, 'assurance_note', '')}"
                ).strip(),
                delta_description=status_label(card.status),
            )
