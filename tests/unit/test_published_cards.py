"""Overview cards and Trajectories hints for published indicators (issue 16, seen on the real-data database)."""

from __future__ import annotations

import pandas as pd
import pytest

from components.register import card_value
from data.register import kpi_cards, kpis_with_series

pytestmark = pytest.mark.unit


def test_whole_counts_have_no_decimal_and_rates_keep_one() -> None:
    assert card_value(72433.0, "attendances") == "72,433"
    assert card_value(1828516.0, "patients") == "1,828,516"
    assert card_value(86.8, "%") == "86.8%"
    assert card_value(100.0, "%") == "100%"
    assert card_value(12.0, "per 1,000") == "12.0"  # small whole values of a rate keep their decimal


def test_a_single_value_draws_no_sparkline() -> None:
    register = pd.DataFrame({"kpi_code": ["ONE", "MANY"], "latest_value": [4.6, 86.8], "plan_value": [None, None],
                             "status": ["No data", "No data"]})
    series = pd.DataFrame({"kpi_code": ["ONE", "MANY", "MANY"], "period_start": pd.to_datetime(
        ["2020-04-01", "2019-01-01", "2019-02-01"]), "value": [4.6, 85.0, 86.8]})
    cards = kpi_cards(register, series).set_index("kpi_code")
    assert cards.loc["ONE", "spark"] == [] and cards.loc["MANY", "spark"] == [85.0, 86.8]


def test_indicators_with_a_series_are_listed_longest_first() -> None:
    series = pd.DataFrame({
        "kpi_code": ["QOF", "AE", "AE", "AE", "LIST", "LIST", "GAP"],
        "period_start": pd.to_datetime(["2020-04-01", "2019-01-01", "2019-02-01", "2019-03-01", "2021-04-01",
                                        "2021-06-01", "2021-01-01"]),
        "value": [4.6, 1.0, 2.0, 3.0, 10.0, 11.0, None],
    })
    assert kpis_with_series(series) == ["AE", "LIST"]
