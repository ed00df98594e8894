"""Care-home summaries for the EHCH page and map (data/analysis.py, issue 6 section)."""

from __future__ import annotations

import pandas as pd
import pytest

from data.analysis import care_home_summary, home_rates, ratings_mix, twelve_months_to

pytestmark = pytest.mark.unit


def test_summary_counts_homes_beds_types_and_named_gp_per_area(homes):
    by_pcn = care_home_summary(homes, "pcn")
    assert list(by_pcn["name"]) == ["North PCN", "South PCN"]
    north = by_pcn.iloc[0]
    assert (north["homes"], north["beds"], north["residential"], north["named_gp"], north["named_gp_pct"]) == (
        1, 45, 1, 0, 0.0,
    )  # fmt: skip
    by_borough = care_home_summary(homes, "borough")
    assert by_borough.iloc[0][["homes", "beds", "named_gp", "named_gp_pct", "beds_per_home"]].tolist() == [
        2, 65, 1, 50.0, 32.5,
    ]  # fmt: skip


def test_homes_without_a_pcn_are_grouped(homes):
    homes = homes.assign(pcn=[None, "North PCN"], pcn_code=[None, "U1"])
    assert "No PCN" in set(care_home_summary(homes, "pcn")["name"])


def test_ratings_mix_has_every_rating_in_cqc_order_with_shares(homes):
    mix = ratings_mix(homes, "borough")
    assert list(mix["rating"]) == ["Outstanding", "Good", "Requires improvement", "Inadequate", "Not yet rated"]
    assert mix.set_index("rating").loc["Good", "share"] == 50.0 and mix["homes"].sum() == 2


def test_twelve_months_to_a_period():
    first, last = twelve_months_to("2024-03-01")
    assert (first, last) == (pd.Timestamp("2023-04-01"), pd.Timestamp("2024-03-01"))


def test_home_rates_pool_and_suppress_small_counts():
    window = pd.DataFrame({"area_code": ["a", "b"], "numerator": [30.0, 3.0], "denominator": [40.0, 20.0],
                           "periods": [12, 12]})  # fmt: skip
    rates = home_rates(window, "rate", 100.0, small_number_max=7).set_index("area_code")
    assert rates.loc["a", "value"] == pytest.approx(75.0)
    assert rates.loc["a", "lower"] < 75.0 < rates.loc["a", "upper"]
    assert pd.isna(rates.loc["b", "value"]) and pd.isna(rates.loc["b", "numerator"])
    assert rates.loc["b", "suppression"].startswith("suppressed")
