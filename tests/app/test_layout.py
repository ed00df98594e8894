"""Wording and order on the demo (issue 13 item 5): About shows no raw "nan" or ISO dates, the Overview's cards come
worst first, each page names the sidebar filters it does not use, and the status grid says what it is coloured by."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from data.register import SEVERITY

pytestmark = pytest.mark.app


def _open(app, page: str, **params: str):
    app.query_params.update(params)
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _sidebar_captions(app) -> str:
    return " ".join(c.value for c in app.sidebar.caption)


def test_about_shows_words_not_raw_values(app):
    _open(app, "pages/about.py")
    entries = [m.value for m in app.markdown if m.value.startswith("**Definition.**")]
    assert len(entries) == 15
    text = "\n".join(entries)
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # dates as "31 Mar 2020"
    assert text.count("**Caveats.** None recorded.") == 11  # four demo KPIs carry caveats
    assert "Borough, PCN and period do not apply to this page" in _sidebar_captions(app)


def test_overview_cards_come_worst_first_and_say_which_filters_apply(app):
    app.run()
    assert not app.exception
    names = [m.value.strip("*") for m in app.markdown if m.value.startswith("**") and m.value.endswith("**")]
    register = {row["KPI"]: row["Status"].split(" ", 1)[1]  # "✖ Off track" -> "Off track"
                for table in app.table if "KPI" in table.value for _, row in table.value.iterrows()}
    # the cards' bold names (the integrated summary above them also has bold workstream headings)
    names = [n for n in names if any(k == n or k.startswith(f"{n} (") for k in register)]
    statuses = [next(s for k, s in register.items() if k == n or k.startswith(f"{n} (")) for n in names]
    assert len(names) == 15
    ranks = [SEVERITY[s] for s in statuses]
    assert ranks == sorted(ranks), list(zip(names, statuses, strict=True))
    assert [m.label for m in app.metric][:3] == ["✖ Off track", "▲ At risk", "✔ On track"]
    assert "KPI and period do not apply to this page" in _sidebar_captions(app)


def test_status_grid_text_names_the_colour_it_is_drawn_in(app):
    app.run()
    chart = app.get("vega_lite_chart")[0].proto
    cells = pd.concat([convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.datasets], ignore_index=True)
    assert len(cells) == 30  # six workstreams × five boroughs
    assessed = cells[cells["worst"] != "No data"]
    assert (assessed["label"].str.split(" ", n=3).str[3] == assessed["worst"].str.lower()).all()
    assert (assessed["worst"] == "At risk").any()  # the case that used to read "0 of 6 off track"


@pytest.mark.parametrize(("page", "text"), [
    ("pages/finance.py", "KPI and period do not apply"),
    ("pages/summary.py", "KPI and period do not apply"),
    ("pages/delivery.py", "KPI and period do not apply"),
    ("pages/risks.py", "KPI and period do not apply"),
    ("pages/trajectories.py", "Period does not apply"),
])
def test_pages_name_the_filters_they_do_not_use(app, page, text):
    _open(app, page)
    assert text in _sidebar_captions(app)


@pytest.mark.parametrize("page", ["pages/variation.py", "pages/map.py"])
def test_pages_that_use_every_filter_say_nothing(app, page):
    _open(app, page)
    assert "do not apply" not in _sidebar_captions(app) and "does not apply" not in _sidebar_captions(app)
