"""Guard for the first request after the server starts.

Streamlit 1.67 decides once per process whether an app uses the legacy ``pages/`` folder: until ``st.navigation``
has run once, a request for a deep link (``/variation``) runs that page script alone, without ``app.py`` (no
sidebar filters, no banner, legacy page names). Every page calls :func:`require_app_shell` first: in that case
it switches the process to ``st.navigation`` mode and reruns, so the request goes through ``app.py``.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_app_shell() -> None:
    """Rerun through app.py when this page was started without it (see the module docstring)."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
