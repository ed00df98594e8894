"""docs/importing.md lists every rule of every source's schema (generated from them; this test keeps it so)."""

from __future__ import annotations

from pathlib import Path

import pytest

from data import importers
from data.importers.schema import rule_lines
from data.importers.schemas import DOCS_END, DOCS_START, SCHEMAS, all_schemas, docs_section

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[3] / "docs" / "importing.md"


def test_every_schema_rule_is_in_the_importing_guide() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [line for schema in all_schemas() for line in rule_lines(schema) if line not in text]
    assert not missing, ("docs/importing.md lacks these schema rules; run `python -m data.importers.schema_docs` to "
                         "regenerate its rules section:\n" + "\n".join(missing))


def test_the_generated_section_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(DOCS_START), text.index(DOCS_END) + len(DOCS_END)
    assert text[start:end] == docs_section(), "run `python -m data.importers.schema_docs` to regenerate the rules"


def test_every_schema_belongs_to_a_real_source_and_each_source_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert set(SCHEMAS) <= set(importers.SOURCES)
    for name in SCHEMAS:
        assert f"(`{name}`)" in text


def test_a_rule_added_to_a_schema_but_not_documented_is_caught(tmp_path: Path) -> None:
    from dataclasses import replace

    from data.importers.schema import Field

    schema = SCHEMAS["ae_attendances"][0]
    extra = replace(schema, fields=(*schema.fields, Field("trust_name", ("Trust name",), blank=False)))
    text = DOC.read_text(encoding="utf-8")
    assert [line for line in rule_lines(extra) if line not in text] == ["- `Trust name`: never blank"]
