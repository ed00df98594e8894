"""Data: import a file (validate, see every problem, then confirm the load) and see what is loaded."""

from __future__ import annotations

import streamlit as st

from components.auth import current_role, require_role
from components.messages import provenance_caption, provenance_table
from components.shell import require_app_shell
from components.upload import (
    file_upload,
    folder_upload,
    option_inputs,
    render_folder_plan,
    render_folder_report,
    render_report,
    source_picker,
)
from data import cache
from data.access import Role
from data.importers import load_upload, source_catalogue
from data.importers.folder import load_files, plan, read_zip

require_app_shell()
require_role(current_role(), Role.ANALYST)  # server-side refusal for viewers, whatever the navigation shows

st.title("Data")
st.write("Import your own data or the files NHS England, OHID, CQC and ONS publish. The file is checked first; "
         "nothing is written until you confirm, and a file with any error is not loaded at all. "
         "See docs/importing.md for the templates.")

one_file, many = "One file", "A folder of files (zip)"
mode = st.radio("Import", [one_file, many], horizontal=True, key="import_mode",
                help="A zip of published files is recognised file by file from its content and loaded in order.")
if mode == many:
    archive = folder_upload()
    if archive is not None:
        try:
            items = read_zip(archive)
        except ValueError as exc:
            st.error(str(exc))
        else:
            detected, _ = plan(items)
            render_folder_plan(detected)
            if st.button("Load every recognised file", type="primary", key="import_folder_confirm"):
                with st.spinner("Loading…"):
                    folder_report = load_files(cache.writer_engine(), items)
                cache.clear()
                render_folder_report(folder_report)
    upload = None
else:
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
provenance_table(provenance)
provenance_caption(provenance, cache.latest_period())
