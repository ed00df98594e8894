"""The shared sidebar filters: borough, PCN (options follow the borough) and workstream, mirrored in the URL.

The URL carries plain codes (``?borough=E09000010&pcn=U90012&workstream=EHCH``) so a copied link reproduces the
view. Streamlit's own ``bind="query-params"`` writes the option *labels* into the URL, so the mirroring is done
here: on a session's first run, valid URL codes seed the widgets and unknown ones are ignored with a notice;
after every run, the URL is rewritten from the widgets.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.state import BOROUGH_KEY, NOTICES_KEY, PCN_KEY, URL_KEYS, WORKSTREAM_KEY, Filters

_LABELS = {BOROUGH_KEY: "borough", PCN_KEY: "PCN", WORKSTREAM_KEY: "workstream"}


def unknown_value_notice(key: str, value: str) -> str:
    """What the user is told about a URL value that is not an option."""
    return f"The link's {_LABELS[key]} '{value}' is not known here, so it was ignored."


def _on_borough_change() -> None:
    """A new borough makes the chosen PCN meaningless; forget it (and any stale link notice)."""
    st.session_state[PCN_KEY] = None
    st.session_state[NOTICES_KEY] = []


def _on_change() -> None:
    st.session_state[NOTICES_KEY] = []


def _seed_from_url(key: str, options: list[str]) -> None:
    """On a session's first run, take ``key`` from the URL when it is a valid option; note it when not."""
    if key in st.session_state:
        return
    value = st.query_params.get(key)
    if not value:
        return
    if value in options:
        st.session_state[key] = value
    else:
        st.session_state.setdefault(NOTICES_KEY, []).append(unknown_value_notice(key, value))


def _write_url(filters: Filters) -> None:
    """Mirror the current choice into the URL (only the whitelisted keys, only codes)."""
    for key, value in zip(URL_KEYS, (filters.borough, filters.pcn, filters.workstream), strict=True):
        if value:
            if st.query_params.get(key) != value:
                st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]


def pcn_options(pcns: pd.DataFrame, borough: str | None) -> pd.DataFrame:
    """The PCNs offered: those of the chosen borough, or all of them when no borough is chosen."""
    return pcns[pcns["borough_code"] == borough] if borough else pcns


def sidebar_filters(boroughs: pd.DataFrame, pcns: pd.DataFrame, workstreams: pd.DataFrame) -> Filters:
    """Render the filters in the sidebar and return the choice.

    ``boroughs`` (code, name), ``pcns`` (code, name, borough_code) and ``workstreams`` (code, name) are the
    options.
    """
    borough_names = dict(zip(boroughs["code"], boroughs["name"], strict=True))
    workstream_names = dict(zip(workstreams["code"], workstreams["name"], strict=True))
    _seed_from_url(BOROUGH_KEY, list(borough_names))
    _seed_from_url(WORKSTREAM_KEY, list(workstream_names))
    _seed_from_url(PCN_KEY, list(pcn_options(pcns, st.session_state.get(BOROUGH_KEY))["code"]))
    if st.session_state.get(PCN_KEY) and not st.session_state.get(BOROUGH_KEY):  # a link naming only a PCN
        st.session_state[BOROUGH_KEY] = pcns.loc[pcns["code"] == st.session_state[PCN_KEY], "borough_code"].iloc[0]
    offered = pcn_options(pcns, st.session_state.get(BOROUGH_KEY))
    pcn_names = dict(zip(offered["code"], offered["name"], strict=True))

    with st.sidebar:
        st.header("Filters")
        borough = st.selectbox(
            "Borough", list(borough_names), index=None, key=BOROUGH_KEY, placeholder="All boroughs",
            format_func=borough_names.get, on_change=_on_borough_change,
        )
        pcn = st.selectbox(
            "Primary Care Network", list(pcn_names), index=None, key=PCN_KEY, placeholder="All PCNs",
            format_func=lambda code: f"{pcn_names[code]} ({code})", on_change=_on_change,
            help="The list follows the borough chosen above.",
        )
        workstream = st.selectbox(
            "Workstream", list(workstream_names), index=None, key=WORKSTREAM_KEY, placeholder="All workstreams",
            format_func=workstream_names.get, on_change=_on_change,
        )
        for notice in st.session_state.get(NOTICES_KEY, []):
            st.warning(notice, icon=":material/link_off:")
    filters = Filters(borough=borough, pcn=pcn, workstream=workstream)
    _write_url(filters)
    return filters
