"""The Overview page renders the register on the demo database; the shared filters drive it and the URL."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.app

SYNTHETIC = "Synthetic demo data"


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def _register(app) -> pd.DataFrame:
    """All register rows on the page (one table per workstream)."""
    return pd.concat([f.value for f in app.table if "KPI" in f.value.columns], ignore_index=True)


def _area_params(app) -> dict[str, str]:
    """The URL's area and workstream keys (the KPI and period keys are always present)."""
    return {k: v for k, v in app.query_params.items() if k in ("borough", "pcn", "workstream")}


def _workstream_headings(app) -> list[str]:
    return [m.value.removeprefix("##### ") for m in app.markdown if m.value.startswith("##### ")]


def test_overview_renders_register_with_synthetic_label(app):
    app.run()
    assert not app.exception
    assert any(SYNTHETIC in w for w in _texts(app.warning))
    assert _texts(app.title) == ["Benefits realisation"]
    assert len(app.metric) == 4 + 15  # status counts, then one card per KPI
    assert len(app.get("vega_lite_chart")) == 1  # the workstream × borough status map
    assert {b.label for b in app.get("download_button")} == {"PNG", "SVG", "CSV", "Board pack (PDF)"}
    assert " in North Central London (" in _texts(app.subheader)[0]
    table = _register(app)
    assert len(table) == 15
    assert {"Initiative", "KPI", "Status", "Baseline", "Latest", "Plan", "Target", "Data to"} <= set(table.columns)
    assert len(_workstream_headings(app)) == 6
    assert table["Status"].str.match(r"^(✔ On track|▲ At risk|✖ Off track)$").all()
    assert any("Data to 31 Mar 2024" in c for c in _texts(app.caption))


def test_borough_filter_changes_register_and_url_and_pcn_options(app):
    app.run()
    app.selectbox(key="borough").set_value("E09000010").run()
    assert not app.exception
    assert " in Enfield (" in _texts(app.subheader)[0]
    assert _area_params(app) == {"borough": "E09000010"}
    pcn_options = app.selectbox(key="pcn").options
    assert len(pcn_options) == 4  # Enfield has four PCNs
    first = _pcns_in("E09000010")[0]
    app.selectbox(key="pcn").set_value(first).run()
    assert _area_params(app) == {"borough": "E09000010", "pcn": first}
    assert "PCN" in _texts(app.subheader)[0]
    register = _register(app)
    crisis = register["KPI"].str.startswith("Crisis response within 2 hours")
    assert (register.loc[crisis, "Status"] == "· No data").all()


def _pcns_in(borough: str) -> list[str]:
    from data import cache
    from settings import get_settings

    pcns = cache.pcns(get_settings().system_code)
    return pcns.loc[pcns["borough_code"] == borough, "code"].tolist()


def test_changing_borough_clears_pcn(app):
    app.query_params.update({"borough": "E09000003"})
    app.run()
    app.selectbox(key="pcn").set_value(_pcns_in("E09000003")[0]).run()
    assert app.session_state["pcn"] is not None
    app.selectbox(key="borough").set_value("E09000019").run()
    assert app.session_state["pcn"] is None and "pcn" not in app.query_params


def test_url_filters_reproduce_the_view(app):
    app.query_params.update({"borough": "E09000014", "workstream": "EHCH"})
    app.run()
    assert not app.exception
    assert " in Haringey (" in _texts(app.subheader)[0]
    assert _workstream_headings(app) == ["Enhanced Health in Care Homes"]


def test_url_with_only_a_pcn_selects_its_borough(app):
    code = _pcns_in("E09000007")[0]
    app.query_params["pcn"] = code
    app.run()
    assert app.session_state["borough"] == "E09000007" and app.session_state["pcn"] == code
    assert _area_params(app) == {"borough": "E09000007", "pcn": code}


def test_unknown_codes_in_url_are_ignored_with_a_notice(app):
    app.query_params.update({"borough": "E09999999", "pcn": "<script>", "workstream": "EHCH"})
    app.run()
    assert not app.exception
    notices = _texts(app.sidebar.warning)
    assert "The link's borough 'E09999999' is not known here, so it was ignored." in notices
    assert "The link's PCN '<script>' is not known here, so it was ignored." in notices
    assert " in North Central London (" in _texts(app.subheader)[0]
    assert _area_params(app) == {"workstream": "EHCH"}
    assert app.query_params["kpi"] == "CH_NAMED_GP"  # the workstream's first KPI, by default
