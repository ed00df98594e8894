"""Run the doctest examples in the data.stats modules owned by this suite."""

from __future__ import annotations

import doctest
import importlib

import pytest

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "module", ["data.stats.intervals", "data.stats.funnel", "data.stats.benchmark", "data.stats.types"]
)
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
