"""Test-suite wiring: every test must carry exactly one tier marker (unit, db, app, browser)."""

from __future__ import annotations

import pytest

TIERS = ("unit", "db", "app", "browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse unmarked tests: a test without a tier cannot be selected or reasoned about."""
    unmarked = [item.nodeid for item in items if not any(item.get_closest_marker(t) for t in TIERS)]
    if unmarked:
        raise pytest.UsageError("tests without a tier marker (unit/db/app/browser): " + ", ".join(unmarked))
