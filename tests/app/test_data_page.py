"""The Data page renders on the demo database: the source picker, the options and what is loaded so far."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.app


def test_data_page_lists_sources_and_loaded_imports(app):
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Data"]
    sources = app.selectbox(key="import_source").options
    assert len(sources) >= 10 and any("Fingertips" in s for s in sources) and any("CQC" in s for s in sources)
    loaded = app.dataframe[-1].value  # headers in words, times as people write them
    assert loaded.columns.tolist() == ["Source", "File", "Loaded", "Synthetic"]
    assert loaded["Synthetic"].tolist() == ["Synthetic"] and loaded["Source"].tolist() == ["demo"]
    assert loaded["Loaded"].str.fullmatch(r"\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}").all(), loaded["Loaded"]
