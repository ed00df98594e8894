"""Data page widgets: choose a source, upload a file, give source options, and show an import report.

No database access here: the page passes the source catalogue in and the report (a frozen dataclass) back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from data.importers.common import ImportReport

OPTION_HELP = {
    "kpi": "Fingertips indicator -> code of its Persons / All ages breakdown, e.g. 93356=CAMPY (default FT<id>)",
    "sex": "Fingertips: keep this sex only (default: every breakdown is kept)",
    "age": "Fingertips: keep this age band only (default: every breakdown is kept)",
    "all_settings": "epraccur: 'true' loads every organisation, not only GP practices (prescribing setting 4)",
    "period": "QOF year, e.g. 2020/21 (default: read from the file name)",
    "include_pcas": "QOF achievement: 'true' adds personalised care adjustments back to the denominator",
    "level": "Boundaries: area level (lsoa, msoa, ward, borough, pcn, system); default from the code field",
    "code_field": "Boundaries: the attribute holding area codes, e.g. LSOA21CD",
    "name_field": "Boundaries: the attribute holding area names, e.g. LSOA21NM",
    "vintage": "Boundaries or IMD: the year of the edition, e.g. 2021",
    "source": "Boundaries: publisher and licence line shown on maps",
    "from_level": "Catchments: the small areas to dissolve (lsoa or ward)",
    "sheet": "CQC workbook: the sheet holding the directory (default: the first)",
}
STATUS_TEXT = {
    "validated": "The file is valid. Nothing has been written yet.",
    "loaded": "Loaded.",
    "unchanged": "This exact file was loaded before; nothing changed.",
    "rejected": "The file was rejected and nothing was written. Fix the problems below and upload it again.",
    "failed": "The import failed unexpectedly and was rolled back; nothing was written.",
}


def source_picker(catalogue: Sequence[dict[str, Any]], *, key: str = "import_source") -> dict[str, Any]:
    """A select box of the importable sources; returns the chosen source's record."""
    labels = {s["label"]: s for s in catalogue}
    label = st.selectbox("What are you importing?", list(labels), key=key)
    chosen = labels[label]
    st.caption(chosen["description"])
    return chosen


def file_upload(source: dict[str, Any], *, key: str = "import_file") -> tuple[bytes, str] | None:
    """The file uploader for ``source``'s file types; returns (bytes, file name) once a file is chosen."""
    types = [e.lstrip(".") for e in source["extensions"]]
    uploaded = st.file_uploader(f"File ({', '.join(types)})", type=types, key=f"{key}_{source['name']}")
    return (uploaded.getvalue(), uploaded.name) if uploaded is not None else None


def option_inputs(source: dict[str, Any]) -> dict[str, str]:
    """Text inputs for the source's options (blank = default); returns the options given."""
    if not source["options"]:
        return {}
    values = {}
    with st.expander("Options", expanded=False):
        for name in source["options"]:
            value = st.text_input(name, key=f"import_option_{source['name']}_{name}", help=OPTION_HELP.get(name))
            if value.strip():
                values[name] = value.strip()
    return values


def render_report(report: ImportReport) -> None:
    """The outcome, counts, notes and a table of every problem (row, column, value and what to do)."""
    message = f"**{report.file_name}**: {STATUS_TEXT.get(report.status, report.status)}"
    if report.status in ("loaded", "validated", "unchanged"):
        st.success(message, icon=":material/check_circle:")
    else:
        st.error(message, icon=":material/error:")
    cols = st.columns(3)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Rows accepted", f"{report.rows_accepted:,}")
    cols[2].metric("Rows rejected", f"{report.rows_rejected:,}")
    if report.written:
        st.write("Written: " + ", ".join(f"{table} {n:,}" for table, n in report.written.items()))
    for note in report.notes:
        st.info(note, icon=":material/info:")
    if report.problems:
        problems = report.problems_frame()
        errors = int((problems["severity"] == "error").sum())
        st.markdown(f"**Problems:** {errors:,} errors, {len(problems) - errors:,} warnings")
        st.dataframe(problems, hide_index=True, width="stretch")
        st.download_button(
            "Download the problems (CSV)",
            problems.to_csv(index=False).encode(),
            file_name=f"{report.file_name}.problems.csv",
            mime="text/csv",
            on_click="ignore",
        )


def folder_upload(*, key: str = "import_folder") -> bytes | None:
    """The uploader for a zip of published files (a folder zipped as it is); returns the zip's bytes."""
    uploaded = st.file_uploader("A zip of files (any folder layout)", type=["zip"], key=key)
    return uploaded.getvalue() if uploaded is not None else None


def render_folder_plan(detected: Sequence[Any]) -> None:
    """What each file in the zip was recognised as (by its content), in load order, and why others are skipped."""
    rows = [{"file": d.path, "recognised as": d.source or "skipped", "why": d.reason} for d in detected]
    st.dataframe(rows, hide_index=True, width="stretch")


def render_folder_report(report: Any) -> None:
    """One line per file: its outcome and what was written; the full report of any file that was not loaded."""
    counts = report.counts()
    summary = "; ".join(f"{source}: " + ", ".join(f"{n} {status}" for status, n in c.items())
                        for source, c in counts.items())
    (st.success if report.ok else st.error)(summary or "No supported files in the zip.")
    for item in report.reports:
        if not item.ok:
            render_report(item)
