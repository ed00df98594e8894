"""A cached page view keeps an export's context but not its time: ``Provenance`` re-stamps it (issue 14)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from components.page import Provenance
from data.export import ExportContext

pytestmark = pytest.mark.unit


def test_a_cached_export_context_is_stamped_with_the_time_it_is_used():
    old = ExportContext("Funnel", {"Area": "Islington (E09000019)"}, date(2024, 3, 31), "Source", False,
                        made_at=datetime(2020, 1, 1, 9, 30))  # fmt: skip
    before = datetime.now().replace(microsecond=0)
    context = Provenance(old).context()
    assert before <= context.made_at <= datetime.now() and context.made_at.microsecond == 0
    assert (context.title, context.filters, context.data_date, context.source, context.synthetic) == (
        old.title, old.filters, old.data_date, old.source, old.synthetic,
    )  # fmt: skip
