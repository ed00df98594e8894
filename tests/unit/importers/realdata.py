"""Where the real NHS/ONS sample files live, and the rule for when they are absent.

They sit in ``shared/realdata`` beside the repository (never inside it). A developer without them gets skips;
CI (``CI=true``) fails instead, so the real-file tests cannot silently stop running.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REALDATA = (Path(__file__).resolve().parents[3] / ".." / "shared" / "realdata").resolve()


def realdata(*parts: str) -> Path:
    """Path of a real sample file; skip (or fail in CI) when the folder is missing."""
    if not REALDATA.is_dir():
        message = f"real NHS/ONS sample files not found at {REALDATA}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)
    path = REALDATA.joinpath(*parts)
    assert path.exists(), f"expected sample file {path}"
    return path
