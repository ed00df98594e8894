"""The shared sidebar filters: borough, PCN (options follow the borough) and workstream, mirrored in the URL.

The URL carries plain codes
(``?borough=E09000010&pcn=U90012&workstream=EHCH&kpi=CH_EMADM&period=2024-03-01``) so a copied link reproduces the
view. Streamlit's own ``bind="query-params"`` writes the option *labels* into the URL, so the mirroring is done
here: on a session's first run, valid URL codes seed the widgets and unknown ones are ignored with a notice;
after every run, the URL is rewritten from the widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from components.state import (
    BOROUGH_KEY,
    KPI_KEY,
    NEIGHBOURHOOD_KEY,
    NOTICES_KEY,
    PCN_KEY,
    PERIOD_KEY,
    URL_KEYS,
    WORKSTREAM_KEY,
    Filters,
    current_filters,
)

_LABELS = {BOROUGH_KEY: "borough", PCN_KEY: "PCN", WORKSTREAM_KEY: "workstream", KPI_KEY: "KPI", PERIOD_KEY: "period"}
_FIELDS = {BOROUGH_KEY: "borough", PCN_KEY: "pcn", WORKSTREAM_KEY: "workstream", KPI_KEY: "kpi", PERIOD_KEY: "period"}
_AREA = (BOROUGH_KEY, PCN_KEY, WORKSTREAM_KEY)
# The sidebar filters each page uses (by the page script's name); the rest are kept for the pages that use them
# but do not change this page, so it says so and its exports do not carry them.
PAGE_FILTERS: dict[str, tuple[str, ...]] = {
    "overview": _AREA,
    "summary": _AREA,
    "trajectories": (*_AREA, KPI_KEY),
    "about": (WORKSTREAM_KEY, KPI_KEY),
    "finance": _AREA,
    "delivery": _AREA,
    "risks": _AREA,
}


def unknown_value_notice(key: str, value: str) -> str:
    """What the user is told about a URL value that is not an option."""
    return f"The link's {_LABELS[key]} '{value}' is not known here, so it was ignored."


def _on_borough_change() -> None:
    """A new borough makes the chosen PCN and neighbourhood meaningless; forget them (and any stale link notice)."""
    st.session_state[PCN_KEY] = None
    st.session_state[NEIGHBOURHOOD_KEY] = None
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


def _seed_or_first(key: str, options: list[str]) -> None:
    """Seed ``key`` from the URL; when it is then not one of ``options``, choose the first option (or none)."""
    _seed_from_url(key, options)
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0] if options else None


def _write_url(filters: Filters) -> None:
    """Mirror the current choice into the URL (only the whitelisted keys, only codes)."""
    period = filters.period.isoformat() if filters.period else None
    values = (filters.borough, filters.pcn, filters.workstream, filters.kpi, period)  # URL_KEYS' order
    for key, value in zip((*URL_KEYS, NEIGHBOURHOOD_KEY), (*values, filters.neighbourhood), strict=True):
        if value:
            if st.query_params.get(key) != value:
                st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]


def pcn_options(pcns: pd.DataFrame, borough: str | None) -> pd.DataFrame:
    """The PCNs offered: those of the chosen borough, or all of them when no borough is chosen."""
    return pcns[pcns["borough_code"] == borough] if borough else pcns


def kpi_options(kpis: pd.DataFrame, workstream: str | None) -> pd.DataFrame:
    """The KPIs offered: those of the chosen workstream, or all of them."""
    return kpis[kpis["workstream_code"] == workstream] if workstream else kpis


def period_label(start: object, end: object) -> str:
    """'Mar 2024' for a month; 'Sep 2023 to Feb 2024' for a longer period."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if first.year == last.year and first.month == last.month:
        return f"{first:%b %Y}"
    return f"{first:%b %Y} to {last:%b %Y}"


def not_applying(page: str) -> list[str]:
    """The sidebar filters (as labelled there) that do not change ``page``, in sidebar order."""
    used = PAGE_FILTERS.get(page, URL_KEYS)
    return [_LABELS[key] for key in URL_KEYS if key not in used]


def not_applying_text(page: str) -> str | None:
    """What the sidebar says under the filters about those ``page`` ignores ("KPI and period do not apply ...")."""
    unused = not_applying(page)
    if not unused:
        return None
    names = unused[0] if len(unused) == 1 else ", ".join(unused[:-1]) + " and " + unused[-1]
    verb = "does" if len(unused) == 1 else "do"
    names = names[0].upper() + names[1:]
    return f"{names} {verb} not apply to this page (they are kept for the pages that use them)."


def page_filters(page: str) -> Filters:
    """The filters as ``page`` uses them: those it ignores are None (so its exports do not carry them), and the
    sidebar says which they are."""
    text = not_applying_text(page)
    if text:
        st.sidebar.caption(text, help="Each page uses only the filters that change what it shows.")
    used = PAGE_FILTERS.get(page, URL_KEYS)
    unused = {_FIELDS[key]: None for key in URL_KEYS if key not in used}
    if BOROUGH_KEY not in used:  # the neighbourhood goes with the area filters
        unused["neighbourhood"] = None
    return replace(current_filters(), **unused)


def _on_kpi_change() -> None:
    """Periods differ between KPIs (monthly, annual); start again from the newest."""
    st.session_state[PERIOD_KEY] = None
    st.session_state[NOTICES_KEY] = []


def sidebar_filters(
    boroughs: pd.DataFrame,
    pcns: pd.DataFrame,
    workstreams: pd.DataFrame,
    kpis: pd.DataFrame,
    periods_for: Callable[[str], pd.DataFrame],
    neighbourhoods: pd.DataFrame | None = None,
) -> Filters:
    """Render the filters in the sidebar and return the choice.

    ``neighbourhoods`` (code, name, borough_code): offered after the PCN, following the borough, only when any
    are loaded; a chosen PCN wins over a chosen neighbourhood.

    Options: ``boroughs`` (code, name), ``pcns`` (code, name, borough_code), ``workstreams`` (code, name),
    ``kpis`` (kpi_code, kpi, workstream_code); ``periods_for(kpi_code)`` gives that KPI's periods (period_start,
    period_end), newest first. The KPI defaults to the first offered and the period to the newest.
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
    areas = neighbourhoods if neighbourhoods is not None else pd.DataFrame(columns=["code", "name", "borough_code"])
    nearby = pcn_options(areas, st.session_state.get(BOROUGH_KEY))
    neighbourhood_names = dict(zip(nearby["code"], nearby["name"], strict=True))
    if len(areas):
        _seed_from_url(NEIGHBOURHOOD_KEY, list(neighbourhood_names))

    with st.sidebar:
        st.header("Filters")
        borough = st.selectbox(
            "Borough",
            list(borough_names),
            index=None,
            key=BOROUGH_KEY,
            placeholder="All boroughs",
            format_func=borough_names.get,
            on_change=_on_borough_change,
        )
        pcn = st.selectbox(
            "Primary Care Network",
            list(pcn_names),
            index=None,
            key=PCN_KEY,
            placeholder="All PCNs",
            format_func=lambda code: f"{pcn_names[code]} ({code})",
            on_change=_on_change,
            help="The list follows the borough chosen above.",
        )
        neighbourhood = None
        if len(areas):
            neighbourhood = st.selectbox(
                "Neighbourhood",
                list(neighbourhood_names),
                index=None,
                key=NEIGHBOURHOOD_KEY,
                placeholder="All neighbourhoods",
                format_func=neighbourhood_names.get,
                on_change=_on_change,
                help="Neighbourhoods of the borough chosen above (2025 neighbourhood health guidance); a chosen "
                     "PCN wins over a chosen neighbourhood.",
            )
        workstream = st.selectbox(
            "Workstream",
            list(workstream_names),
            index=None,
            key=WORKSTREAM_KEY,
            placeholder="All workstreams",
            format_func=workstream_names.get,
            on_change=_on_change,
        )
        offered_kpis = kpi_options(kpis, workstream)
        kpi_names = dict(zip(offered_kpis["kpi_code"], offered_kpis["kpi"], strict=True))
        _seed_or_first(KPI_KEY, list(kpi_names))  # a new workstream: its first KPI
        kpi = st.selectbox(
            "KPI",
            list(kpi_names),
            key=KPI_KEY,
            format_func=kpi_names.get,
            on_change=_on_kpi_change,
            help="Used by the Trajectories, Variation, Map, Care homes and About the KPIs pages.",
        )
        periods = periods_for(kpi) if kpi else pd.DataFrame(columns=["period_start", "period_end"])
        period_names = {
            pd.Timestamp(r.period_start).date().isoformat(): period_label(r.period_start, r.period_end)
            for r in periods.itertuples()
        }
        _seed_or_first(PERIOD_KEY, list(period_names))  # newest first
        period = st.selectbox(
            "Period",
            list(period_names),
            key=PERIOD_KEY,
            format_func=period_names.get,
            on_change=_on_change,
            help="The period compared across areas on the Variation, Map and Care homes pages (newest first).",
        )
        for notice in st.session_state.get(NOTICES_KEY, []):
            st.warning(notice, icon=":material/link_off:")
    filters = Filters(
        borough=borough,
        pcn=pcn,
        workstream=workstream,
        kpi=kpi,
        period=date.fromisoformat(period) if period else None,
        neighbourhood=neighbourhood,
    )
    _write_url(filters)
    return filters
