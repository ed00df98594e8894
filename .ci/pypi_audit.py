"""Known vulnerabilities in installed packages, from PyPI's project API, where pip-audit cannot run.

pip-audit asks PyPI's per-release JSON API (``/pypi/<name>/<version>/json``). Where only the project API
(``/pypi/<name>/json``) is reachable, as on this project's build machines, this script uses it: that response
lists the known vulnerabilities (from OSV) of the project's *latest* release. So a package installed at its latest
release is audited exactly; one installed at an older release cannot be audited this way and is listed as such.

    python .ci/pypi_audit.py < installed.txt     # lines "name==version", as pip freeze writes them

Exit status 1 when any audited package has a known vulnerability, else 0; the report goes to stdout.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

API = "https://pypi.org/pypi/{name}/json"


@dataclass
class Report:
    """What the audit found: vulnerable (name, version, ids), audited names, and names it could not audit."""

    vulnerable: list[tuple[str, str, list[str]]] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)
    not_audited: list[str] = field(default_factory=list)


def pins(lines: Iterable[str]) -> list[tuple[str, str]]:
    """(name, version) of each ``name==version`` line; comments, blanks and other forms are skipped."""
    found = []
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if "==" in text and not text.startswith("-"):
            name, version = text.split("==", 1)
            found.append((name.split("[", 1)[0].strip(), version.split(";", 1)[0].strip()))
    return found


def fetch(name: str) -> dict:
    """PyPI's project JSON for ``name``."""
    with urllib.request.urlopen(API.format(name=name), timeout=30) as response:
        return json.load(response)


def audit(installed: list[tuple[str, str]], get: Callable[[str], dict] | None = None) -> Report:
    """Audit each (name, version) whose version is the project's latest release; list the others."""
    get = get or fetch
    report = Report()
    for name, version in installed:
        try:
            project = get(name)
        except OSError as exc:
            report.not_audited.append(f"{name}=={version} (PyPI did not answer: {exc})")
            continue
        latest = project["info"]["version"]
        if latest != version:
            report.not_audited.append(f"{name}=={version} (latest is {latest})")
            continue
        report.audited.append(name)
        ids = [v.get("id", "?") for v in project.get("vulnerabilities") or [] if not v.get("withdrawn")]
        if ids:
            report.vulnerable.append((name, version, ids))
    return report


def main() -> int:
    """Read pins from stdin, print the report, return the exit status."""
    report = audit(pins(sys.stdin))
    print(f"audited {len(report.audited)} packages at their latest release against PyPI's vulnerability data")
    for name, version, ids in report.vulnerable:
        print(f"VULNERABLE {name}=={version}: {', '.join(ids)}")
    if report.not_audited:
        print(f"not audited ({len(report.not_audited)}; not at the latest release, or no answer):")
        print("\n".join(f"  {line}" for line in report.not_audited))
    return 1 if report.vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
