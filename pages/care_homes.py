"""Care homes (Enhanced Health in Care Homes): placeholder while the page is built."""

from __future__ import annotations

import streamlit as st

from components.shell import require_app_shell

require_app_shell()
st.title("Care homes")
