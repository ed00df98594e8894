"""Variation: practices can be filtered by the deprivation quintile of the LSOA they stand in."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.app


def _count(app) -> int:
    summary = next(m.value for m in app.markdown if "GP practices:" in m.value)
    return int(re.search(r"\*\*(\d+) GP practices", summary)[1])


def test_practices_filtered_by_deprivation_quintile(app):
    app.query_params.update(kpi="AE_RATE")
    app.switch_page("pages/variation.py").run()
    assert not app.exception
    every = _count(app)
    assert every == 180
    app.multiselect(key="variation_imd").set_value([1]).run()
    assert not app.exception
    most_deprived = _count(app)
    app.multiselect(key="variation_imd").set_value([4, 5]).run()
    least_deprived = _count(app)
    assert 0 < most_deprived < every and 0 < least_deprived < every and most_deprived + least_deprived < every
