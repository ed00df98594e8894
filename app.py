"""Entry point: page config, sign-in (hosted mode), database readiness, sidebar filters, banner, navigation."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NoReturn

import streamlit as st
from sqlalchemy.exc import OperationalError

from components.auth import require_sign_in
from components.filters import sidebar_filters
from components.messages import synthetic_banner
from components.navigation import app_pages
from components.shell import prepare_database
from components.state import ROLE_KEY
from data import cache
from settings import SettingsError, get_settings

FAVICON = Path(__file__).parent / "components" / "favicon.png"  # a local file: no icon fetched from the internet
st.set_page_config(page_title="NCL benefits realisation", page_icon=str(FAVICON), layout="wide")


def database_unreachable(exc: OperationalError) -> NoReturn:
    """Fail closed when the database cannot be read: log the cause, show a clear error and no data, stop the run.

    Hosted mode names no host, port or driver message to the browser (those are for the server's log)."""
    logging.getLogger(__name__).exception("database unreachable")
    if get_settings().app_mode == "hosted":
        st.error(
            "The dashboard's database is not reachable just now, so no data is shown. Try again in a few "
            "minutes; if this persists, tell the service's administrator.",
            icon=":material/cloud_off:",
        )
    else:
        st.error(
            f"Cannot reach the database ({exc.orig}). Check DATABASE_URL, or unset it to use the local default.",
            icon=":material/cloud_off:",
        )
    st.stop()


try:
    settings = get_settings()
    role = require_sign_in()  # hosted mode: stops at the sign-in screen, before any database access
    st.session_state[ROLE_KEY] = role
    page = st.navigation(app_pages(role))  # the menu by page title at once, not file names over a blank page
    prepare_database()  # progress while a new install migrates and builds the demo
    cache.refresh_if_changed()  # another instance may have imported since this one cached its reads
except SettingsError as exc:
    st.error(str(exc))
    st.stop()
except OperationalError as exc:
    database_unreachable(exc)

try:  # the database may also go away while the app runs: the same clear error, never a traceback
    sidebar_filters(
        cache.boroughs(settings.system_code),
        cache.pcns(settings.system_code),
        cache.workstreams(),
        cache.kpi_catalogue(),
        cache.kpi_periods,
        cache.neighbourhoods(settings.system_code),
    )
    synthetic_banner(cache.provenance())
    page.run()
except OperationalError as exc:
    database_unreachable(exc)
