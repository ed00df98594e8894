"""Hosted-mode hardening that lives in files: Streamlit's configuration and the UI code's use of raw HTML."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from components.charts import legend_chart

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
UI_FILES = sorted([REPO / "app.py", *(REPO / "pages").glob("*.py"), *(REPO / "components").glob("*.py")])


def test_streamlit_configuration_is_hardened() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert server["enableAgentApi"] is False
    assert server["enableStaticServing"] is False
    assert 1 <= server["maxUploadSize"] <= 200
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] in ("none", "type")  # no tracebacks (paths, SQL) to browsers


def _raw_html_calls(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "unsafe_allow_html" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            ):
                found.append(f"line {node.lineno}: unsafe_allow_html")
        name = ast.unparse(node.func)
        if name in ("st.html", "html", "components.html", "st.components.v1.html", "st.iframe"):
            found.append(f"line {node.lineno}: {name}()")
    return found


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_raw_html_in_the_ui(path: Path) -> None:
    """No data value can reach the browser as HTML: the UI never uses unsafe_allow_html, st.html or iframes."""
    assert _raw_html_calls(ast.parse(path.read_text(), filename=str(path))) == []


def test_the_audit_finds_raw_html() -> None:
    sample = 'st.markdown(x, unsafe_allow_html=True)\nst.html("<b>" + name + "</b>")\nst.markdown(y)\n'
    assert _raw_html_calls(ast.parse(sample)) == ["line 1: unsafe_allow_html", "line 2: st.html()"]


def test_map_legend_is_a_chart_with_every_label() -> None:
    spec = legend_chart("Rate per 1,000", [("#0072B2", "<b>10 to 20</b>"), ("#E69F00", "20 or more")]).to_dict()
    assert [row["label"] for row in spec["datasets"][next(iter(spec["datasets"]))]] == ["<b>10 to 20</b>", "20 or more"]
    assert spec["layer"][0]["encoding"]["color"]["scale"] is None  # the colours themselves, not a palette
    assert spec["layer"][1]["encoding"]["text"]["field"] == "label"
    assert "10 to 20" in spec["description"]
