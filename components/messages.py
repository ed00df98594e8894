"""Banners and captions shared by every page: synthetic-data labelling and data provenance."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data.demo.spec import SYNTHETIC_LABEL


def is_synthetic(provenance: pd.DataFrame) -> bool:
    """True while any loaded import is the synthetic demo."""
    return bool(provenance["synthetic"].any()) if not provenance.empty else False


def synthetic_banner(provenance: pd.DataFrame) -> None:
    """Say plainly, on every page, when what is shown is synthetic demo data."""
    if is_synthetic(provenance):
        st.warning(f"**{SYNTHETIC_LABEL}**", icon=":material/science:")


def provenance_caption(provenance: pd.DataFrame, data_date: date | None) -> None:
    """Data date and the latest load, under a page's main content."""
    if provenance.empty:
        st.caption("No data loaded yet.")
        return
    latest = provenance.iloc[0]
    loaded = pd.Timestamp(latest["finished_at"]).strftime("%d %b %Y %H:%M")
    label = " (synthetic)" if bool(latest["synthetic"]) else ""
    data_text = f"Data to {data_date:%d %b %Y}. " if data_date else ""
    st.caption(f"{data_text}Last loaded {loaded} from {latest['file_name']}{label}.")


def provenance_table(provenance: pd.DataFrame) -> None:
    """The imports the database holds, newest first, with headers in words and times as people write them."""
    if provenance.empty:
        return
    table = pd.DataFrame({
        "Source": provenance["source"].str.replace("_", " "),
        "File": provenance["file_name"],
        "Loaded": pd.to_datetime(provenance["finished_at"], utc=True).dt.strftime("%d %b %Y %H:%M"),
        "Synthetic": provenance["synthetic"].fillna(False).astype(bool).map({True: "Synthetic", False: "Real"}),
    })
    st.dataframe(table, hide_index=True, width="stretch")
