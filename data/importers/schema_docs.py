"""Regenerate the schema rules section of ``docs/importing.md``: ``python -m data.importers.schema_docs``.

The section lies between ``schemas.DOCS_START`` and ``schemas.DOCS_END``; ``tests/unit/importers/
test_schema_docs.py`` fails when it differs from what the schemas say.
"""

from __future__ import annotations

from pathlib import Path

from data.importers.schemas import DOCS_END, DOCS_START, docs_section

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "importing.md"


def write_docs(path: Path = GUIDE) -> None:
    """Rewrite the generated rules section of the importing guide from the schemas."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(DOCS_START), text.index(DOCS_END) + len(DOCS_END)
    path.write_text(text[:start] + docs_section() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    write_docs()
