"""The documented templates in docs/templates parse cleanly, and every source is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.importers import SOURCES

pytestmark = pytest.mark.unit

DOCS = Path(__file__).resolve().parents[3] / "docs"


@pytest.mark.parametrize("name", ["register", "kpi_definitions", "kpi_targets", "kpi_plans", "kpi_observations",
                                  "pcn_catchments", "areas", "successors"])
def test_template_parses_without_problems(name: str) -> None:
    path = DOCS / "templates" / f"{name}.csv"
    parsed = SOURCES[name].parse(path.read_bytes(), path.name, {})
    assert parsed.problems == [] and len(parsed.frame) >= 1


def test_every_source_and_option_is_documented() -> None:
    text = (DOCS / "importing.md").read_text()
    for source in SOURCES.values():
        assert f"`{source.name}`" in text, f"docs/importing.md does not document {source.name}"
        for option in source.options:
            assert f"`{option}" in text, f"docs/importing.md does not document option {option} of {source.name}"
