"""Care-home renderers: homes and beds per area, the CQC ratings mix, and the filterable list of homes.

Frames in (from ``data/queries.care_homes`` and ``data/analysis``), charts and widgets out; no database access.
Colours follow ``geo/colours.py`` (CQC ratings in colour-blind-safe Okabe-Ito, always with their words).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from components.charts import WIDTH, top_legend
from components.state import Filters
from data.analysis import CARE_HOME_RATINGS
from geo.colours import CQC_RATING_COLOURS, OKABE_ITO

LIST_COLUMNS = {
    "name": "Care home",
    "cqc_location_id": "CQC location ID",
    "care_type": "Type",
    "beds": "Beds",
    "cqc_rating": "CQC rating",
    "rating_date": "Rated on",
    "postcode": "Postcode",
    "pcn": "PCN",
    "borough": "Borough",
    "aligned_practice": "Named GP practice",
}


def homes_in_area(homes: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The homes in the chosen PCN, else borough, else all of them."""
    if filters.pcn:
        return homes[homes["pcn_code"] == filters.pcn]
    if filters.borough:
        return homes[homes["borough_code"] == filters.borough]
    return homes


def headline_metrics(homes: pd.DataFrame) -> None:
    """Homes, beds, share with a named GP practice and share rated Good or Outstanding, in a row."""
    total = len(homes)
    named = int(homes["aligned_practice_code"].notna().sum())
    good = int(homes["cqc_rating"].isin(["Outstanding", "Good"]).sum())
    columns = st.columns(4)
    columns[0].metric("Care homes", f"{total:,}")
    columns[1].metric("Beds", f"{int(homes['beds'].sum()):,}")
    columns[2].metric(
        "With a named GP practice",
        f"{100 * named / total:.0f}%" if total else "–",
        help=f"{named} of {total} homes are aligned to a named GP practice (Enhanced Health in Care Homes).",
    )
    columns[3].metric(
        "Rated Good or Outstanding",
        f"{100 * good / total:.0f}%" if total else "–",
        help=f"{good} of {total} homes, by their latest CQC overall rating.",
    )


def homes_beds_chart(summary: pd.DataFrame, *, area_word: str, alt_text: str) -> alt.LayerChart:
    """Horizontal bars of beds per area, labelled with homes and beds, sorted by beds."""
    y = alt.Y("name:N", sort=alt.SortField("beds", order="descending"), title=None)
    bars = (
        alt.Chart(summary)
        .mark_bar(color=OKABE_ITO["blue"])
        .encode(
            x=alt.X("beds:Q", title="Beds"),
            y=y,
            tooltip=[
                alt.Tooltip("name:N", title=area_word),
                alt.Tooltip("homes:Q", title="Homes"),
                alt.Tooltip("beds:Q", title="Beds"),
                alt.Tooltip("named_gp_pct:Q", title="With a named GP (%)"),
            ],
        )
    )
    labels = (
        alt.Chart(
            summary.assign(label=summary["homes"].astype(str) + " homes, " + summary["beds"].astype(str) + " beds")
        )
        .mark_text(align="left", dx=4, color="#212B32")
        .encode(x="beds:Q", y=y, text="label:N")
    )
    return alt.layer(bars, labels).properties(
        width=WIDTH - 200, height=alt.Step(26), description=alt_text
    )


def ratings_chart(mix: pd.DataFrame, *, alt_text: str) -> alt.Chart:
    """Stacked bars of each area's homes by CQC rating (share of homes), in CQC's order, with a worded legend."""
    ratings = list(CARE_HOME_RATINGS)
    return (
        alt.Chart(mix)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("share:Q", title="Share of homes (%)", stack="zero", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("name:N", title=None),
            color=alt.Color(
                "rating:N",
                title="CQC rating",
                scale=alt.Scale(domain=ratings, range=[CQC_RATING_COLOURS[r] for r in ratings]),
                legend=top_legend(),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("name:N", title="Area"),
                alt.Tooltip("rating:N", title="CQC rating"),
                alt.Tooltip("homes:Q", title="Homes"),
                alt.Tooltip("share:Q", title="Share (%)", format=".1f"),
            ],
        )
        .properties(width=WIDTH - 150, height=alt.Step(28), description=alt_text)
    )


def home_list(homes: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """Filters for the list (rating, type, named GP, name search) and the list as shown; returns what is shown."""
    columns = st.columns([2, 1, 1, 2])
    ratings = columns[0].multiselect(
        "CQC rating", list(CARE_HOME_RATINGS), default=[], key=f"{key}_rating", placeholder="All ratings"
    )
    care_type = columns[1].selectbox(
        "Type", ["nursing", "residential"], index=None, key=f"{key}_type", placeholder="All types"
    )
    named = columns[2].selectbox(
        "Named GP practice", ["With one", "Without one"], index=None, key=f"{key}_named", placeholder="Either"
    )
    search = columns[3].text_input("Name or postcode contains", key=f"{key}_search")
    shown = homes
    if ratings:
        shown = shown[shown["cqc_rating"].isin(ratings)]
    if care_type:
        shown = shown[shown["care_type"] == care_type]
    if named:
        has = shown["aligned_practice_code"].notna()
        shown = shown[has if named == "With one" else ~has]
    if search:
        text = shown["name"].str.contains(search, case=False, regex=False) | shown["postcode"].fillna("").str.contains(
            search, case=False, regex=False
        )
        shown = shown[text]
    table = shown[list(LIST_COLUMNS)].rename(columns=LIST_COLUMNS)
    table["Named GP practice"] = table["Named GP practice"].fillna("none")
    st.caption(f"{len(table):,} of {len(homes):,} homes shown.")
    st.dataframe(table, hide_index=True, width="stretch")
    return table
