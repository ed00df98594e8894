"""Data: import a file (validate, see every problem, then confirm the load) and see what is loaded."""

from __future__ import annotations

import streamlit as st

from components.auth import current_role, require_role
from components.messages import provenance_caption
from components.shell import require_app_shell
from components.upload import file_upload, option_inputs, render_report, source_picker
from data import cache
from data.access import Role
from data.importers import load_upload, source_catalogue

require_app_shell()
require_role(current_role(), Role.ANALYST)  # server-side refusal for viewers, whatever the navigation shows

st.title("Data")
st.write("Import your own data or the files NHS England, OHID, CQC and ONS publish. The file is checked first; "
         "nothing is written until you confirm, and a file with any error is not loaded at all. "
         "See docs/importing.md for the templates.")

source = source_picker(source_catalogue())
upload = file_upload(source)
options = option_inputs(source)

if upload is not None:
    data, name = upload
    checked = load_upload(cache.writer_engine(), source["name"], data, name, options=options, dry_run=True)
    render_report(checked)
    if checked.status == "validated" and st.button("Load into the database", type="primary", key="import_confirm"):
        with st.spinner("Loading…"):
            loaded = load_upload(cache.writer_engine(), source["name"], data, name, options=options)
        cache.clear()
        render_report(loaded)

st.markdown("#### Loaded so far")
provenance = cache.provenance()
if not provenance.empty:
    st.dataframe(provenance, hide_index=True, width="stretch")
provenance_caption(provenance, cache.latest_period())
