"""Entry point: page config, sign-in (hosted mode), database readiness, sidebar filters, banner, navigation."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import OperationalError

from components.auth import require_sign_in
from components.filters import sidebar_filters
from components.messages import synthetic_banner
from components.state import ROLE_KEY
from data import cache
from data.access import can_import
from settings import SettingsError, get_settings

FAVICON = Path(__file__).parent / "components" / "favicon.png"  # a local file: no icon fetched from the internet
st.set_page_config(page_title="NCL benefits realisation", page_icon=str(FAVICON), layout="wide")

try:
    settings = get_settings()
    role = require_sign_in()  # hosted mode: stops at the sign-in screen, before any database access
    st.session_state[ROLE_KEY] = role
    cache.engine()
    cache.refresh_if_changed()  # another instance may have imported since this one cached its reads
except SettingsError as exc:
    st.error(str(exc))
    st.stop()
except OperationalError as exc:
    logging.getLogger(__name__).exception("database unreachable")
    st.error(f"Cannot reach the database ({exc.orig}). Check DATABASE_URL, or unset it to use the local default.")
    st.stop()

sidebar_filters(
    cache.boroughs(settings.system_code),
    cache.pcns(settings.system_code),
    cache.workstreams(),
    cache.kpi_catalogue(),
    cache.kpi_periods,
)
synthetic_banner(cache.provenance())

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/checklist:", default=True),
    st.Page("pages/trajectories.py", title="Trajectories", icon=":material/show_chart:"),
    st.Page("pages/variation.py", title="Variation", icon=":material/scatter_plot:"),
    st.Page("pages/map.py", title="Map", icon=":material/map:"),
    st.Page("pages/care_homes.py", title="Care homes", icon=":material/elderly:"),
    st.Page("pages/about.py", title="About the KPIs", icon=":material/info:"),
    st.Page("pages/finance.py", title="Finance and activity", icon=":material/payments:"),
    st.Page("pages/delivery.py", title="Delivery", icon=":material/event:"),
    st.Page("pages/risks.py", title="Risks", icon=":material/warning:"),
]
if can_import(role):  # viewers do not see it; pages/data.py also refuses them server-side
    PAGES.append(st.Page("pages/data.py", title="Data", icon=":material/upload_file:"))
st.navigation(PAGES).run()
