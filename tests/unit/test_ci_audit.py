"""The fallback dependency audit (.ci/pypi_audit.py): what it audits, what it cannot, and that it fails on a finding."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "pypi_audit.py"
_SPEC = importlib.util.spec_from_file_location("pypi_audit", SCRIPT)
pypi_audit = importlib.util.module_from_spec(_SPEC)
sys.modules["pypi_audit"] = pypi_audit  # dataclasses look their module up here
_SPEC.loader.exec_module(pypi_audit)

PROJECTS = {
    "safe": {"info": {"version": "2.0"}, "vulnerabilities": []},
    "bad": {"info": {"version": "1.1"}, "vulnerabilities": [{"id": "GHSA-xxxx", "withdrawn": None},
                                                           {"id": "PYSEC-old", "withdrawn": "2024-01-01"}]},
    "old": {"info": {"version": "9.0"}, "vulnerabilities": []},
}


def _get(name: str) -> dict:
    if name == "offline":
        raise OSError("connection refused")
    return PROJECTS[name]


def test_pins_reads_pip_freeze_lines() -> None:
    lines = ["# comment", "", "safe==2.0", "streamlit[auth]==1.67.0", "x==1; python_version<'4'", "-e git+https://x"]
    assert pypi_audit.pins(lines) == [("safe", "2.0"), ("streamlit", "1.67.0"), ("x", "1")]


def test_latest_releases_are_audited_and_a_known_vulnerability_is_reported() -> None:
    report = pypi_audit.audit([("safe", "2.0"), ("bad", "1.1"), ("old", "8.0"), ("offline", "1.0")], get=_get)
    assert report.audited == ["safe", "bad"]
    assert report.vulnerable == [("bad", "1.1", ["GHSA-xxxx"])]  # withdrawn advisories do not count
    assert report.not_audited == ["old==8.0 (latest is 9.0)", "offline==1.0 (PyPI did not answer: connection refused)"]


def test_main_fails_on_a_finding(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(pypi_audit, "fetch", _get)
    monkeypatch.setattr("sys.stdin", ["bad==1.1\n", "safe==2.0\n"])
    assert pypi_audit.main() == 1
    assert "VULNERABLE bad==1.1: GHSA-xxxx" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", ["safe==2.0\n"])
    assert pypi_audit.main() == 0
