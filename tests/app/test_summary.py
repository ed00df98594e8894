"""Issue 15: the integrated summary page, its section on the Overview and the narrative on Trajectories."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.app

ENFIELD = "E09000010"


def _open(app, page: str, **params: str):
    app.query_params.update(params)
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _summary_frames(app) -> list[pd.DataFrame]:
    return [f.value for f in app.dataframe if "Variation" in f.value.columns]


def _register_status(app) -> dict[str, str]:
    """KPI name (without its unit) -> status, from the Overview's register tables."""
    tables = pd.concat([t.value for t in app.table if "Status" in t.value.columns], ignore_index=True)
    return {kpi.split(" (")[0]: status for kpi, status in zip(tables["KPI"], tables["Status"], strict=True)}


def test_summary_page_has_one_table_per_workstream_with_icons_in_words_and_exports(app):
    _open(app, "pages/summary.py")
    assert [t.value for t in app.title] == ["Integrated performance summary"]
    frames = _summary_frames(app)
    assert len(frames) == 6  # the demo's six workstreams
    rows = pd.concat(frames, ignore_index=True)
    assert len(rows) == 15
    assert rows["Status"].str.match(r"^(✔ On track|▲ At risk|✖ Off track)$").all()
    assert rows["Variation"].str.contains(r"[A-Za-z]").all() and rows["Assurance"].str.contains(r"[A-Za-z]").all()
    assert rows["Rule fired"].str.len().gt(0).all()
    for column in ("Latest", "Plan", "Target"):  # read as displayed: separators, one decimal, a dash for none
        assert rows[column].astype(str).str.fullmatch(r"\d{1,3}(,\d{3})*(\.\d)?|—").all(), rows[column]
    assert {b.label for b in app.get("download_button")} == {"PNG", "SVG", "CSV"}
    narratives = [m.value for m in app.markdown if m.value.startswith("- **")]
    assert len(narratives) == 15 and all("North Central London's" in n for n in narratives)


def test_summary_follows_the_area_and_workstream_filters_and_orders_by_attention(app):
    app.session_state["summary_order"] = "attention"
    _open(app, "pages/summary.py", borough=ENFIELD)
    frames = _summary_frames(app)
    assert len(frames) == 1 and "Workstream" in frames[0].columns  # one table, most attention first
    assert frames[0]["Status"].iloc[0] == "✖ Off track"
    assert any(s.value == "15 KPIs: Enfield" for s in app.subheader)
    assert all("Enfield's" in m.value for m in app.markdown if m.value.startswith("- **"))
    app.selectbox(key="workstream").set_value("UCR").run()
    assert not app.exception
    rows = _summary_frames(app)[0]
    assert set(rows["Workstream"]) == {"Urgent community response and reablement"} and len(rows) == 2


def test_overview_starts_with_the_summary_and_its_status_is_the_registers(app):
    _open(app, "pages/overview.py", borough=ENFIELD)
    headings = [m.value for m in app.markdown if m.value.startswith("#### ")]
    assert headings[0] == "#### Integrated summary"
    rows = pd.concat(_summary_frames(app), ignore_index=True)
    register = _register_status(app)
    assert len(rows) == len(register) == 15
    assert {k: s for k, s in zip(rows["KPI"], rows["Status"], strict=True)} == register


def test_trajectories_shows_the_same_narrative_as_the_summary(app):
    _open(app, "pages/summary.py", borough=ENFIELD)
    item = next(m.value for m in app.markdown if m.value.startswith("- **Crisis response within 2 hours**"))
    app.session_state["kpi"] = "UCR_2H"  # the URL seeds the KPI only on a session's first run
    _open(app, "pages/trajectories.py")
    shown = app.info[0].value
    assert shown.startswith("Enfield's Crisis response within 2 hours has been behind plan for")
    assert "Since the limits were recalculated in" in shown  # rebased at the go-live, as the summary is
    assert item.endswith(shown)
