"""The app's shell: progress while a new install builds its database, and a guard for the first request after the
server starts.

app.py calls ``st.navigation`` before :func:`prepare_database`, so during the first build the menu shows the pages'
titles (not their file names) over a spinner that says what is happening.

Streamlit 1.67 decides once per process whether an app uses the legacy ``pages/`` folder: until ``st.navigation``
has run once, a request for a deep link (``/variation``) runs that page script alone, without ``app.py`` (no
sidebar filters, no banner, legacy page names). Every page calls :func:`require_app_shell` first: in that case
it switches the process to ``st.navigation`` mode and reruns, so the request goes through ``app.py``.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from data import cache


def require_app_shell() -> None:
    """Rerun through app.py when this page was started without it (see the module docstring)."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


FIRST_BUILD = (
    "Preparing the database. A new install builds the synthetic demo data first (North Central London: a few "
    "seconds); later starts reuse it."
)


def prepare_database() -> None:
    """Migrate and (on a new install) fill the database, with a spinner saying what is happening meanwhile."""
    with st.spinner(FIRST_BUILD, show_time=True):
        cache.engine()

