"""Programme shaping: variance against plan to date, slippage, roll-out, risk scores; and the chart builders."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from components.programme import (
    milestone_timeline,
    plan_actual_bars,
    risk_matrix_chart,
    risk_trend_chart,
    variance_chart,
)
from data import programme as prog

pytestmark = pytest.mark.unit


def _line(initiative, year, scenario, net, *, recurrent=True, borough=None, workstream="WS", investment=0.0):
    return {"workstream_code": workstream, "workstream": f"{workstream} name", "initiative_code": initiative,
            "initiative": f"{initiative} name", "borough_code": borough, "borough": "Enfield" if borough else None,
            "financial_year": year, "scenario": scenario, "recurrent": recurrent, "investment": investment,
            "gross_saving": net + investment, "net_saving": net}


LINES = pd.DataFrame([
    _line("A", 2019, "plan", 1_000_000, investment=200_000),
    _line("A", 2019, "actual", 600_000, investment=250_000),
    _line("A", 2019, "plan", 100_000, recurrent=False),
    _line("A", 2020, "plan", 1_500_000),  # not reported yet: not a shortfall
    _line("B", 2019, "plan", 300_000, borough="E09000010", workstream="XS"),
    _line("B", 2019, "actual", 350_000, borough="E09000010", workstream="XS"),
])


def test_fy_label_and_money():
    assert prog.fy_label(2019) == "2019/20" and prog.fy_label(2099) == "2099/00"
    assert prog.money(-1234.5) == "-£1,234" and prog.money(2_500_000) == "£2,500,000" and prog.money(None) == "–"
    assert prog.money_short(-412_000) == "£0.4m" and prog.money_short(35_000) == "£35k"


def test_variance_compares_with_plan_to_date_only():
    totals = prog.finance_totals(LINES)["net_saving"]
    assert totals["plan"] == 2_900_000
    assert totals["plan_to_date"] == 1_400_000  # A 2019 (both recurrence rows) and B 2019; not A 2020
    assert totals["actual"] == 950_000 and totals["variance"] == -450_000
    by_year = prog.finance_by_year(LINES).set_index("year")
    assert by_year.loc["2019/20", "variance"] == -450_000
    assert pd.isna(by_year.loc["2020/21", "actual"]) and pd.isna(by_year.loc["2020/21", "cumulative_actual"])
    assert by_year.loc["2020/21", "cumulative_plan"] == 2_900_000
    assert prog.finance_totals(LINES)["investment"]["variance"] == 50_000


def test_variance_sentences_worst_first_with_borough_and_system_wide_subjects():
    scoped = prog.in_scope(LINES)
    sentences = prog.variance_sentences(scoped)
    assert sentences[0].startswith("A name (system-wide) £0.5m behind plan in 2019/20")
    assert sentences[1].startswith("Enfield: B name £50k ahead of plan in 2019/20")
    assert prog.variance_sentences(scoped, measure="investment")[0].startswith("A name (system-wide) £50k over plan")
    assert "behind plan" in prog.headline(prog.finance_totals(scoped))


def test_borough_filter_keeps_system_wide_rows_and_labels_them():
    camden = prog.in_scope(LINES, borough="E09000007")
    assert set(camden["initiative_code"]) == {"A"} and set(camden["scope"]) == {prog.SYSTEM_WIDE}
    enfield = prog.in_scope(LINES, borough="E09000010", workstream="XS")
    assert set(enfield["scope"]) == {"Enfield"}


def test_recurrence_split_adds_up():
    split = prog.recurrence_by_year(LINES)
    assert split["plan"].sum() == prog.finance_totals(LINES)["gross_saving"]["plan"]
    assert set(split["recurrence"]) == {"Recurrent", "Non-recurrent"}


def test_activity_by_point_of_delivery_and_evidence():
    rows = pd.DataFrame([
        {"initiative_code": "A", "financial_year": 2019, "point_of_delivery": "non_elective", "scenario": s,
         "change": c, "evidence_kpi_code": "CH_EMADM", "evidence_kpi": "Care home admissions"}
        for s, c in (("plan", -400), ("actual", -300))
    ] + [{"initiative_code": "B", "financial_year": 2019, "point_of_delivery": "non_elective", "scenario": "plan",
          "change": -100, "evidence_kpi_code": None, "evidence_kpi": None}])
    row = prog.activity_by_pod(rows, 2019).iloc[0]
    assert (row["label"], row["plan"], row["plan_to_date"], row["actual"]) == ("Non-elective admissions", -500, -400,
                                                                               -300)
    assert row["delivered"] == 0.75 and row["evidence_codes"] == ("CH_EMADM",)
    assert row["evidence"] == "Care home admissions (CH_EMADM)"
    text = prog.activity_sentence(row, 2019)
    assert text == ("Non-elective admissions: 300 fewer against 400 fewer planned in 2019/20 (75% of the planned "
                    "shift).")


MILESTONES = pd.DataFrame({
    "initiative_code": ["C"] * 5, "initiative": ["CHIN"] * 5, "code": ["M1", "M2", "M3", "M4", "M5"],
    "name": ["a", "b", "c", "d", "e"], "owner": ["o"] * 5,
    "borough_code": ["E1", "E1", "E1", None, "E2"], "borough": ["Enfield", "Enfield", "Enfield", None, "Barnet"],
    "planned_date": [date(2019, 4, 1), date(2019, 7, 1), date(2019, 10, 1), date(2020, 1, 1), date(2020, 3, 1)],
    "actual_date": [date(2019, 4, 1), date(2019, 9, 14), None, None, date(2020, 5, 1)],
})


def test_slippage_as_at_a_date():
    status = prog.milestone_status(MILESTONES, date(2019, 12, 31)).set_index("code")
    assert list(status["status"]) == [prog.DONE_ON_TIME, prog.DONE_LATE, prog.OVERDUE, prog.NOT_DUE, prog.NOT_DUE]
    assert list(status["slip_days"]) == [0, 75, 91, 0, 0]
    assert list(status["slipped"]) == [False, True, True, False, False]
    assert status.loc["M3", "end_date"] == date(2019, 12, 31)
    # an actual date after the as-at date is not yet done
    assert status.loc["M5", "done"] == False  # noqa: E712
    summary = prog.slippage_summary(status)
    assert (summary["slipped"], summary["mean_late_days"], summary["total"]) == (2, 75, 5)
    tolerant = prog.milestone_status(MILESTONES, date(2019, 12, 31), tolerance_days=90)
    assert tolerant.loc[1, "status"] == prog.DONE_ON_TIME


def test_rollout_and_what_is_due_next():
    status = prog.milestone_status(MILESTONES, date(2019, 12, 31))
    roll = prog.rollout(status).set_index("borough")
    assert roll.loc["Enfield", "label"] == "2 of 3 live" and roll.loc["Barnet", "label"] == "0 of 1 live"
    first, last = prog.next_quarter(date(2019, 12, 31))
    assert (first, last) == (date(2020, 1, 1), date(2020, 3, 31))
    assert list(prog.due_between(status, first, last)["code"]) == ["M4", "M5"]
    assert list(prog.overdue(status)["code"]) == ["M3"]
    assert prog.data_date(date(2020, 1, 1), None, date(2024, 3, 31)) == date(2024, 3, 31)


RISKS = pd.DataFrame({
    "code": ["R1", "R2", "R3"], "title": ["t1", "t2", "t3"], "workstream": ["W", "W", "V"],
    "likelihood": [5, 2, 3], "impact": [4, 2, 1], "revised_likelihood": [3, 1, 1], "revised_impact": [4, 2, 1],
    "initiative": ["I", None, None], "kpi": ["K", None, None], "kpi_code": ["KC", None, None],
})


def test_risk_scores_bands_and_matrix():
    scored = prog.risk_scores(RISKS)
    assert list(scored["score"]) == [20, 4, 3] and list(scored["band"]) == ["Extreme", "Moderate", "Low"]
    assert list(scored["residual_band"]) == ["High", "Low", "Low"]
    cells = prog.risk_matrix(RISKS)
    assert len(cells) == 50 and cells["count"].sum() == 6
    cell = cells[(cells["stage"] == prog.BEFORE) & (cells["likelihood"] == 5) & (cells["impact"] == 4)].iloc[0]
    assert (cell["codes"], cell["band"]) == ("R1", "Extreme")
    assert prog.risk_links(RISKS.iloc[0]) == "initiative I; KPI K (KC)"
    assert prog.risk_links(RISKS.iloc[1]) == "W workstream"


def test_escalation_trend_and_top_risks():
    reviews = pd.DataFrame({
        "risk_code": ["R1", "R1", "R2", "R2"], "review_date": [date(2023, 6, 30), date(2023, 9, 30)] * 2,
        "likelihood": [4, 5, 2, 1], "impact": [4, 4, 2, 2], "revised_likelihood": [3] * 4, "revised_impact": [2] * 4,
    })
    trend = prog.escalation(RISKS, reviews).set_index("code")
    assert trend.loc["R1", "trend"] == "Rising" and trend.loc["R1", "change"] == 4
    assert trend.loc["R1", "trend_label"] == "▲ Rising (+4 since last review)"
    assert trend.loc["R2", "trend"] == "Falling" and trend.loc["R3", "trend"] == "No reviews"
    assert len(prog.risk_trend(reviews)) == 8
    top = prog.top_risks(prog.risk_scores(RISKS), per_workstream=1)
    assert list(top["code"]) == ["R1", "R3"]


def test_charts_have_alt_text_and_non_colour_cues():
    by_year = prog.finance_by_year(LINES)
    spec = plan_actual_bars(by_year, category="year", category_title="Year", value_title="£",
                            alt_text="ALT").to_dict()
    assert spec["description"] == "ALT" and "fillOpacity" in spec["encoding"]
    variance = pd.DataFrame({"label": ["a: £1k behind plan"], "variance": [-1000.0], "direction": [prog.WORSE]})
    assert variance_chart(variance, category="label", value_title="£", alt_text="V").to_dict()["description"] == "V"
    status = prog.milestone_status(MILESTONES, date(2019, 12, 31)).assign(
        label=lambda f: f["name"], borough_label="x", actual_text="y")
    spec = milestone_timeline(status, as_at=date(2019, 12, 31), alt_text="T").to_dict()
    shapes = [layer["encoding"]["shape"] for layer in spec["layer"] if "shape" in layer.get("encoding", {})]
    assert spec["description"] == "T" and shapes and "triangle-up" in shapes[0]["scale"]["range"]
    matrix = risk_matrix_chart(prog.risk_matrix(RISKS), alt_text="M").to_dict()
    assert matrix["description"] == "M" and any(layer["mark"]["type"] == "text" for layer in matrix["spec"]["layer"])
    trend = prog.risk_trend(pd.DataFrame({"risk_code": ["R1"], "review_date": [date(2023, 6, 30)], "likelihood": [2],
                                          "impact": [2], "revised_likelihood": [1], "revised_impact": [1]}))
    assert risk_trend_chart(trend.assign(risk="R1 t"), alt_text="R").to_dict()["description"] == "R"


def test_every_programme_chart_exports_to_svg_with_provenance():
    from components.programme import cumulative_chart, rollout_chart, top_risks_chart
    from data.export import ExportContext, chart_svg

    context = ExportContext(title="T", filters={}, data_date=date(2024, 3, 31), source="S", synthetic=True)
    status = prog.milestone_status(MILESTONES, date(2019, 12, 31))
    timeline = status.assign(label=status["name"], borough_label="x", actual_text="y")
    scored = prog.risk_scores(RISKS).assign(threatens="x", summary="s")
    charts = [
        plan_actual_bars(prog.finance_by_year(LINES), category="year", category_title="Y", value_title="£",
                         alt_text="a"),
        cumulative_chart(prog.finance_by_year(LINES), value_title="£", alt_text="a"),
        milestone_timeline(timeline, as_at=date(2019, 12, 31), alt_text="a"),
        rollout_chart(prog.rollout(status), alt_text="a"),
        risk_matrix_chart(prog.risk_matrix(RISKS), alt_text="a"),
        top_risks_chart(prog.top_risks(scored), alt_text="a"),
    ]
    for chart in charts:
        assert b"<svg" in chart_svg(chart, context)


def test_as_at_options_are_month_ends_around_the_data_date():
    milestones = pd.DataFrame({"planned_date": [date(2023, 11, 15)]})
    options = prog.as_at_options(milestones, date(2024, 3, 20))
    assert options[0] == date(2023, 11, 30) and options[-1] == date(2025, 2, 28)
    assert date(2024, 3, 20) in options and date(2024, 3, 31) in options
    assert options == sorted(options)
