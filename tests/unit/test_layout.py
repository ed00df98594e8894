"""Layout and wording (issue 13 item 5), asserted on frames and Vega-Lite specs: the status grid names the status
it is coloured by, cards come worst first, counts are grammatical, About shows no raw "nan", filters that do not
apply to a page are named, and chart labels are wrapped and all drawn rather than dropped or cut."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd
import pytest

from components.charts import LINES, small_multiples, status_heatmap, wrapped
from components.filters import not_applying, not_applying_text
from components.programme import milestone_timeline, plan_actual_bars, risk_trend_chart, rollout_chart, top_risks_chart
from components.register import kpi_about, screen_table, shown, with_unit
from data import programme as prog
from data.register import cell_label, headline, kpi_cards, plural, status_matrix

pytestmark = pytest.mark.unit


def _register(statuses: list[str], workstream: str = "W") -> pd.DataFrame:
    n = len(statuses)
    return pd.DataFrame({
        "workstream": [workstream] * n, "initiative": ["I"] * n, "kpi_code": [f"K{i}" for i in range(n)],
        "kpi": [f"KPI {i}" for i in range(n)], "unit": ["%"] * n, "polarity": ["higher_is_better"] * n,
        "baseline": [50.0] * n, "latest_value": [60.0] * n, "latest_period": [date(2024, 3, 1)] * n,
        "data_date": [date(2024, 3, 31)] * n, "plan_value": [61.0] * n, "target_value": [70.0] * n,
        "target_date": [date(2025, 3, 31)] * n, "validation_date": [date(2025, 6, 30)] * n,
        "status": statuses, "note": [""] * n,
    })


def _all_axes(spec: object) -> list[dict]:
    """Every axis and header definition anywhere in a spec."""
    found: list[dict] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("axis", "header") and isinstance(value, dict):
                found.append(value)
            found.extend(_all_axes(value))
    elif isinstance(spec, list):
        for item in spec:
            found.extend(_all_axes(item))
    return found


def _data(spec: dict) -> list[dict]:
    return [row for rows in spec["datasets"].values() for row in rows]


def test_a_status_grid_cell_names_the_worst_status_it_is_coloured_by():
    matrix = status_matrix({"Enfield": _register(["At risk"] * 2 + ["On track"] * 4),
                            "Barnet": _register(["Off track", "At risk", "On track"]),
                            "Camden": _register(["On track"]), "Haringey": _register(["No data"])})
    cells = matrix.set_index("area")
    assert cells.loc["Enfield", "worst"] == "At risk" and cells.loc["Enfield", "label"] == "2 of 6 at risk"
    assert cells.loc["Barnet", "label"] == "1 of 3 off track"
    assert cells.loc["Camden", "label"] == "1 of 1 on track"
    assert cells.loc["Haringey", "label"] == "no data"
    assert cell_label(Counter(), 0) == "no data"


def test_status_grid_text_wraps_instead_of_overprinting():
    matrix = status_matrix({"Enfield": _register(["At risk"], "Urgent community response and reablement")})
    spec = status_heatmap(matrix, alt_text="A").to_dict()
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    assert text["mark"]["lineBreak"] == "\n" and text["encoding"]["text"]["field"] == "cell"
    row = _data(spec)[0]
    assert row["cell"] == "1 of 1\nat risk" and row["row"] == "Urgent community\nresponse and\nreablement"
    assert all(axis["labelOverlap"] is False and axis["labelLimit"] == 0 for axis in _all_axes(spec))
    assert any(axis.get("labelExpr") == LINES for axis in _all_axes(spec))


def test_kpi_cards_come_worst_first():
    register = _register(["On track", "At risk", "Off track", "On track", "Off track", "At risk"])
    cards = kpi_cards(register, pd.DataFrame(columns=["kpi_code", "period_start", "value"]))
    assert list(cards["status"]) == ["Off track"] * 2 + ["At risk"] * 2 + ["On track"] * 2
    assert list(cards["kpi_code"]) == ["K2", "K4", "K1", "K5", "K0", "K3"]  # stable within a status


def test_counts_are_grammatical():
    assert plural(1, "KPI") == "1 KPI" and plural(2, "KPI") == "2 KPIs" and plural(0, "risk") == "0 risks"
    assert headline(_register(["Off track"]), "Enfield") == "1 of 1 KPI off track in Enfield (0 at risk, 0 on track)."
    assert headline(_register(["Off track", "On track"]), "Enfield").startswith("1 of 2 KPIs off track")


def _kpi(**overrides: object) -> pd.Series:
    row = {"definition": "d", "numerator_definition": "n", "denominator_definition": "m", "unit": "%",
           "initiative": "I", "levels": ["system", "borough", "pcn"], "baseline_value": 58.05750350631136,
           "baseline_period": date(2016, 4, 1), "target_value": 80.0, "target_date": date(2020, 3, 31),
           "validation_date": date(2020, 6, 30), "source": "s", "caveats": float("nan")}
    row.update(overrides)
    return pd.Series(row)


def test_about_text_has_no_raw_values():
    text = kpi_about(_kpi(), method="M", polarity="Higher is better", freshness="Data to 31 Mar 2024.")
    assert "nan" not in text.lower() and "**Caveats.** None recorded." in text
    assert "**Baseline.** 58.1 (from 01 Apr 2016)" in text and "by 31 Mar 2020" in text
    assert "**Reported at.** system, borough, PCN." in text
    assert "**Numerator.** —" in kpi_about(_kpi(numerator_definition=None), method="M", polarity="p", freshness="f")
    assert shown(float("nan")) == "—" and shown("") == "—" and shown(pd.Timestamp(2024, 3, 31)) == "31 Mar 2024"


def test_register_on_screen_folds_the_unit_into_the_kpi_and_drops_an_empty_note():
    register = _register(["On track", "At risk"]).assign(kpi=["Patients seen", "Visits per 1,000 patients"],
                                                         unit=["%", "per 1,000 patients"])
    shown_table = screen_table(register)
    assert list(shown_table["KPI"]) == ["Patients seen (%)", "Visits per 1,000 patients"]
    assert "Unit" not in shown_table and "Note" not in shown_table
    assert list(shown_table["Target date"]) == ["Mar 2025"] * 2 and shown_table["Latest"].iloc[0] == "60.0"
    assert "Note" in screen_table(register.assign(note=["", "Not reported at PCN level."]))
    assert with_unit("A", "") == "A"


def test_filters_that_do_not_apply_are_named_per_page():
    assert not_applying("overview") == ["KPI", "period"]
    assert not_applying("finance") == ["KPI", "period"] and not_applying("trajectories") == ["period"]
    assert not_applying("about") == ["borough", "PCN", "period"] and not_applying("variation") == []
    assert not_applying_text("overview").startswith("KPI and period do not apply to this page")
    assert not_applying_text("trajectories").startswith("Period does not apply")
    assert not_applying_text("map") is None


def test_wrapped_breaks_between_words_only():
    assert wrapped("Community nursing vacancies prevent 2-hour response", 20) == (
        "Community nursing\nvacancies prevent\n2-hour response")
    assert wrapped("short", 20) == "short" and wrapped("", 5) == ""


MILESTONES = pd.DataFrame({
    "code": [f"M{i}" for i in range(27)], "name": [f"CHIN/QIST wave {i} live in Haringey" for i in range(27)],
    "initiative": ["I"] * 27, "initiative_code": ["I"] * 27, "owner": [None] * 27, "scope": ["Haringey"] * 27,
    "borough_code": ["E09000014"] * 27, "borough": ["Haringey"] * 27, "workstream_code": ["W"] * 27,
    "planned_date": [date(2018, 1, 1) + pd.Timedelta(days=40 * i) for i in range(27)],
    "actual_date": [date(2018, 2, 1) + pd.Timedelta(days=40 * i) for i in range(26)] + [None],
})


def test_milestone_timeline_draws_every_label_and_keeps_slips_inside():
    status = prog.milestone_status(MILESTONES, date(2024, 3, 31))
    timeline = status.assign(label=status["name"] + " (" + status["code"] + ")", borough_label="x", actual_text="y")
    spec = milestone_timeline(timeline, as_at=date(2024, 3, 31), alt_text="T").to_dict()
    y_axes = [a for a in _all_axes(spec) if a.get("labelExpr") == LINES]
    assert y_axes and all(a["labelOverlap"] is False and a["labelLimit"] == 0 for a in y_axes)
    labels = {row["label"] for row in _data(spec) if "label" in row}
    assert len(labels) == 27 and all("\n" in label for label in labels)  # wrapped, not cut
    assert spec["height"]["step"] >= 32  # two lines of label a row
    aligns = {layer["mark"].get("align") for layer in spec["layer"][3]["layer"]}
    assert aligns == {"left", "right"}  # slips near the right edge are written to the left of their point


def test_rollout_bars_are_shares_so_one_of_one_is_a_full_bar():
    frame = pd.DataFrame({"initiative": ["UCR", "CHIN"], "borough": ["Camden", "Barnet"], "live": [1, 2],
                          "total": [1, 4], "label": ["1 of 1 live", "2 of 4 live"]})
    spec = rollout_chart(frame, alt_text="R").to_dict()
    x = spec["layer"][0]["encoding"]["x"]
    assert x["field"] == "whole" and x["scale"]["domain"] == [0, 1]
    assert spec["layer"][1]["encoding"]["x"]["field"] == "share"
    shares = {row["row"]: row["share"] for row in _data(spec)}
    assert shares == {"UCR – Camden\n1 of 1 live": 1.0, "CHIN – Barnet\n2 of 4 live": 0.5}


def test_category_labels_are_never_dropped_for_overlap():
    labels = [f"20{y}/{y + 1} {r}" for y in range(16, 24) for r in ("recurrent", "non-recurrent")]
    recurrence = pd.DataFrame({"label": labels, "plan": 1.0, "actual": 2.0})
    for horizontal in (False, True):
        spec = plan_actual_bars(recurrence, category="label", category_title="C", value_title="£", alt_text="a",
                                horizontal=horizontal).to_dict()
        axis = spec["encoding"]["y" if horizontal else "x"]["axis"]
        assert axis["labelOverlap"] is False and axis["labelLimit"] == 0


def test_risk_titles_are_whole_and_wrapped():
    title = "Community nursing vacancies prevent 2-hour response"
    top = pd.DataFrame({"workstream": ["Urgent community response and reablement"], "code": ["R05"], "title": [title],
                        "score": [20], "band": ["Extreme"], "residual_score": [16], "threatens": ["x"],
                        "summary": ["20 extreme → 16 after; Rising"]})
    spec = top_risks_chart(top, alt_text="T").to_dict()
    row = _data(spec)[0]["row"]
    whole = f"Urgent community response and reablement: R05 {title} 20 extreme → 16 after; Rising"
    assert row.replace("\n", " ") == whole
    trend = pd.DataFrame({"risk": [f"R05 {title}"], "review_date": [date(2023, 6, 30)], "stage": [prog.BEFORE],
                          "score": [20]})
    spec = risk_trend_chart(trend, alt_text="R").to_dict()
    header = spec["facet"]["header"]
    assert header["labelExpr"] == LINES and header["labelLimit"] == 0 and spec["columns"] == 1
    assert _data(spec)[0]["risk"].replace("\n", " ") == f"R05 {title}"


@pytest.mark.parametrize(("areas", "per_row"), [(1, 1), (2, 2), (5, 2), (30, 2)])
def test_small_multiples_columns_follow_the_number_of_areas(areas, per_row):
    frame = pd.DataFrame({"name": [f"Area {i}" for i in range(areas)], "period_start": pd.Timestamp(2024, 1, 1),
                          "value": 1.0, "plan": 1.0})
    spec = small_multiples(frame, unit="%", alt_text="S").to_dict()
    assert spec["columns"] == per_row and spec["spec"]["width"] * per_row <= 280  # two fit a 390 px phone
    assert spec["facet"]["header"]["labelExpr"] == LINES
